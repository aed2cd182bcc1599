// The SaaS Security connector as resolvers see it: domain types in and out, reads cached in Keyv with a TTL
// per resource, writes invalidating what they changed so the next read shows it.
// Caches hold wire JSON (plain data that survives serialisation to Redis); mapping happens on the way out,
// once per cached page: the mapped page is remembered against the cached wire object, so a hit on the
// in-memory cache (which returns that same object) does no mapping and no writes. With Redis every hit is a
// fresh object and is mapped again.
import type Keyv from 'keyv';
import type {
  App,
  CloseCategory,
  Incident,
  Remediation,
  RemediationType,
} from '../../domain/saas-security.js';
import { DEFAULT_SAAS_INSTANCE } from '../../domain/alert.js';
import { errorCodeOf } from '../../errors.js';
import { cached, peekCached, type CacheFactory } from '../cache.js';
import type { SaasSecurityClient } from './client.js';
import { closedStatus, deriveState, toApp, toIncident, toRemediation, toWireCloseCategory, toWireRemediationType } from './map.js';
import type { WireApp, WireDeltaResponse, WireIncident } from './wire.js';

export const SAAS_SECURITY_CACHE_TTL_MS = {
  /** Apps change rarely; one list serves every incident's `app`. */
  apps: 10 * 60_000,
  incident: 30_000,
  incidentPage: 15_000,
} as const;

export interface IncidentPage {
  incidents: Incident[];
  nextPath: string;
  limit: number;
}

/** Mapped pages, by the cached wire page they were mapped from (dropped with it). */
const mappedPages = new WeakMap<WireDeltaResponse, IncidentPage>();
/** Apps by id, by the cached wire list they were mapped from: one Map per fetched list, however many joins read it. */
const appsByIdOf = new WeakMap<WireApp[], ReadonlyMap<string, App>>();

function appsById(wire: WireApp[]): ReadonlyMap<string, App> {
  let byId = appsByIdOf.get(wire);
  if (!byId) {
    byId = new Map(wire.map((w) => [w.app_id, toApp(w)]));
    appsByIdOf.set(wire, byId);
  }
  return byId;
}

export class SaasSecurityConnector {
  private readonly apps: Keyv;
  private readonly incidents: Keyv;
  private readonly pages: Keyv;
  private authenticated = false;

  constructor(
    readonly client: SaasSecurityClient,
    cacheFactory: CacheFactory,
    /** The tenant it talks to: stamped on every incident it returns. */
    readonly instance: string = DEFAULT_SAAS_INSTANCE,
  ) {
    // One cache namespace per tenant (incident ids collide across tenants, also in a shared Redis); the
    // default tenant keeps the namespace it had. Pages and the app list keep a mapped copy beside them while
    // cached (mappedPages, appsByIdOf): a mapped page measured 0.37× of its wire page's estimated size, and
    // its cursors once asked add some more.
    const ns = instance === DEFAULT_SAAS_INSTANCE ? 'saas-security' : `saas-security@${instance}`;
    this.apps = cacheFactory(`${ns}:apps`, SAAS_SECURITY_CACHE_TTL_MS.apps, { heldFactor: 1.5 });
    this.incidents = cacheFactory(`${ns}:incident`, SAAS_SECURITY_CACHE_TTL_MS.incident);
    this.pages = cacheFactory(`${ns}:incident-page`, SAAS_SECURITY_CACHE_TTL_MS.incidentPage, { heldFactor: 1.5 });
  }

  /** True once the credentials have been accepted; tries once more if not yet. */
  async isReady(): Promise<boolean> {
    if (this.authenticated) return true;
    try {
      await this.client.authenticate();
      this.authenticated = true;
    } catch {
      // Reported by the readiness endpoint as not ready; the client already logged why.
    }
    return this.authenticated;
  }

  async listApps(): Promise<App[]> {
    const wire = await cached<WireApp[]>(this.apps, 'all', () => this.client.listApps());
    return wire.map(toApp);
  }

  /** Apps by id, from the cached list (fetched on a miss). */
  async appsById(): Promise<ReadonlyMap<string, App>> {
    return appsById(await cached<WireApp[]>(this.apps, 'all', () => this.client.listApps()));
  }

  /** Apps by id when the list is in the in-memory cache now, synchronously; undefined otherwise (see appsById). */
  appsByIdNow(): ReadonlyMap<string, App> | undefined {
    const wire = peekCached<WireApp[]>(this.apps, 'all');
    return wire && appsById(wire);
  }

  async getIncident(id: number): Promise<Incident | null> {
    const wire = await this.getIncidentWire(id);
    return wire ? toIncident(wire, this.instance) : null;
  }

  /** The incident's wire copy, cached like getIncident. */
  private async getIncidentWire(id: number): Promise<WireIncident | null> {
    const key = String(id);
    const hit = (await this.incidents.get(key)) as WireIncident | undefined;
    if (hit) return hit;
    const wire = await this.client.getIncident(id);
    if (!wire) return null;
    await this.incidents.set(key, wire);
    return wire;
  }

  /** One page of the delta endpoint, for a path built by map.deltaPath or a nextPath the API returned. */
  async getIncidentPage(pathAndQuery: string): Promise<IncidentPage> {
    // A page in the in-memory cache is read synchronously, without Keyv's asynchronous get (hooks, stats and
    // its awaits were about 1% of a cached read's CPU).
    const wire = peekCached<WireDeltaResponse>(this.pages, pathAndQuery) ?? (await cached<WireDeltaResponse>(this.pages, pathAndQuery, async () => {
      const fetched = await this.client.listIncidents(pathAndQuery);
      // Each incident of a fetched page also serves `incident(id)`; written once, when the page is fetched.
      await this.incidents.setMany(fetched.resources.map((w) => ({ key: String(w.incident_id), value: w })));
      return fetched;
    }));
    let page = mappedPages.get(wire);
    if (!page) {
      page = { incidents: wire.resources.map((w) => toIncident(w, this.instance)), nextPath: wire.nextPath, limit: wire.limit };
      mappedPages.set(wire, page);
    }
    return page;
  }

  /**
   * Closes upstream and answers with the incident as the state update left it: the update's own response
   * (state, category, resolved_by, resolution_date) over a fresh read. The response wins for its fields, so
   * a read that lags the update cannot show the incident still open; the read supplies the rest (status…).
   * Once the update is accepted the close has happened, so the read is best effort: when it fails (a 5xx,
   * a timeout, the breaker) or finds nothing, `fallback` (the copy from before the close) stands in, with the
   * status the close category gives, and the failed read is logged at warn. Only a refused update fails.
   */
  async closeIncidentWire(id: number, category: CloseCategory, fallback: WireIncident): Promise<WireIncident> {
    const res = await this.client.closeIncident(id, toWireCloseCategory(category));
    await this.forgetIncident(id);
    let fresh: WireIncident | null = null;
    try {
      fresh = await this.client.getIncident(id);
    } catch (error) {
      this.client.logger.warn(
        { incidentId: id, operation: 'getIncident', code: errorCodeOf(error) ?? 'INTERNAL' },
        'the close was accepted but the read after it failed; answering from the state update response',
      );
    }
    const base = fresh ?? fallback;
    const wireCategory = res.category ?? toWireCloseCategory(category);
    const closed: WireIncident = { ...base, state: res.state ?? 'closed', category: wireCategory };
    // A copy from before the close (the fallback, or a read lagging the update) still has an open status.
    if (deriveState(null, base.status) !== 'CLOSED') closed.status = closedStatus(wireCategory) ?? base.status;
    if (res.resolved_by !== undefined) closed.resolved_by = res.resolved_by;
    if (res.resolution_date !== undefined) closed.resolution_date = res.resolution_date;
    await this.incidents.set(String(id), closed);
    return closed;
  }

  /**
   * Closes an incident the gateway holds no record of. It is read first, so an unknown id is NOT_FOUND before
   * anything is sent; that copy is closeIncidentWire's fallback. `before` and `closed` name what changed.
   */
  async closeIncident(id: number, category: CloseCategory): Promise<{ before: Incident; closed: Incident } | null> {
    const before = await this.getIncidentWire(id);
    if (!before) return null;
    const closed = await this.closeIncidentWire(id, category, before);
    return { before: toIncident(before, this.instance), closed: toIncident(closed, this.instance) };
  }

  async forgetIncident(id: number): Promise<void> {
    await Promise.all([this.incidents.delete(String(id)), this.pages.clear()]);
  }

  async remediateAsset(assetId: string, type: RemediationType, removeInheritedSharing: boolean): Promise<void> {
    await this.client.remediateAsset(assetId, toWireRemediationType(type), removeInheritedSharing);
  }

  /** Not cached: callers poll it to watch a remediation finish. */
  async getRemediationStatus(assetId: string, type: RemediationType): Promise<Remediation | null> {
    const wire = await this.client.getRemediationStatus(assetId, toWireRemediationType(type));
    return wire ? toRemediation(wire) : null;
  }
}
