// An HTTP server that speaks the SaaS Security (Aperture) API as ../shared/specs/saas-security.md records it:
// the OAuth token endpoint, the delta list with limit validation and nextPath, get by id, the state update
// with category validation, apps as a bare array, remediation POST answered 202 with an empty body, and the
// remediation status GET. Used by the tests and by the no-configuration start (the sandbox).
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../../clock.js';
import {
  WIRE_CLOSE_CATEGORIES,
  WIRE_REMEDIATION_TYPES,
  type WireApp,
  type WireIncident,
  type WireRemediationStatus,
} from '../../connectors/saas-security/wire.js';
import { HttpEmulator, json, type EmulatorResponse, type RecordedRequest } from '../http-emulator.js';
import { generateIncidents, SANDBOX_APPS } from './seed.js';

export const EMULATOR_CLIENT_ID = 'sandbox-client-id';
export const EMULATOR_CLIENT_SECRET = 'sandbox-client-secret';
export const REQUIRED_SCOPE = 'api_access incident_api remediation_api';

export interface SaasSecurityEmulatorOptions {
  clientId?: string;
  clientSecret?: string;
  /** expires_in of issued tokens, seconds; null leaves expires_in out of the token response. */
  tokenLifetimeSeconds?: number | null;
  /** How many generated incidents to start with (0 for none). */
  generatedIncidents?: number;
  /** The generator's seed (another tenant: other incidents under the same ids). */
  seed?: number;
  apps?: readonly WireApp[];
  /** How long a remediation stays `pending` before it reports `success`. */
  remediationDelayMs?: number;
  clock?: Clock;
}

const SEVERITY_NUMBER: Record<string, number> = { informational: 1, low: 2, medium: 3, high: 4, critical: 5 };

function severityRank(s: string | null | undefined): number | null {
  if (!s) return null;
  const label = SEVERITY_NUMBER[s.toLowerCase()];
  if (label) return label;
  const n = Number(s);
  return Number.isFinite(n) ? Math.round(n) : null;
}

/** `2021-08-24T17:09:53.547+0000`: the remediation endpoint's date format. */
function remediationDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function title(s: string): string {
  return s.replace(/_/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());
}

export class SaasSecurityEmulator extends HttpEmulator {
  readonly incidents = new Map<number, WireIncident>();
  apps: WireApp[];
  private readonly staleReads = new Map<number, { copy: WireIncident; remaining: number }>();
  readonly remediations = new Map<string, WireRemediationStatus & { requestedAt: number }>();
  private readonly tokens = new Map<string, number>();
  private readonly clientId: string;
  private readonly clientSecret: string;
  private readonly clock: Clock;
  tokenLifetimeSeconds: number | null;
  remediationDelayMs: number;
  tokensIssued = 0;
  private revoked = false;
  private refusingIssuedTokens = false;
  private lastStamp = 0;
  /** Incidents by (updated_at, id), rebuilt after a change: the delta endpoint binary-searches `from`. */
  private byUpdated: Array<{ t: number; inc: WireIncident }> | null = null;

  constructor(opts: SaasSecurityEmulatorOptions = {}) {
    super();
    this.clientId = opts.clientId ?? EMULATOR_CLIENT_ID;
    this.clientSecret = opts.clientSecret ?? EMULATOR_CLIENT_SECRET;
    this.clock = opts.clock ?? systemClock;
    this.tokenLifetimeSeconds = opts.tokenLifetimeSeconds === undefined ? 7140 : opts.tokenLifetimeSeconds;
    this.remediationDelayMs = opts.remediationDelayMs ?? 0;
    this.apps = [...(opts.apps ?? SANDBOX_APPS)];
    this.faultExemptPaths = [/^\/oauth\/token$/];
    for (const inc of generateIncidents(opts.generatedIncidents ?? 0, this.clock.now(), undefined, opts.seed)) this.putIncident(inc);
  }

  /** Replaces or adds incidents exactly as given (e.g. the recorded fixtures). */
  load(incidents: readonly WireIncident[]): void {
    for (const inc of incidents) this.putIncident(structuredClone(inc));
  }

  putIncident(inc: WireIncident): void {
    this.incidents.set(inc.incident_id, inc);
    this.byUpdated = null;
    const t = Date.parse(inc.updated_at ?? '');
    if (Number.isFinite(t)) this.lastStamp = Math.max(this.lastStamp, t);
  }

  /** Creates an incident now, as the upstream would when it detects one. */
  createIncident(partial: Partial<WireIncident> = {}): WireIncident {
    const id = partial.incident_id ?? Math.max(0, ...this.incidents.keys()) + 1;
    const [template] = generateIncidents(1, this.clock.now(), id, id);
    const stamp = new Date(this.stamp()).toISOString();
    const inc: WireIncident = { ...template!, state: 'open', status: 'Open-New', category: 'new', created_at: stamp, updated_at: stamp, ...partial, incident_id: id };
    delete inc.resolved_by;
    delete inc.resolution_date;
    this.putIncident(inc);
    return inc;
  }

  /** Changes an incident upstream (bumping updated_at), as an analyst in the SaaS Security console would. */
  updateIncident(id: number, patch: Partial<WireIncident>): WireIncident {
    const inc = this.incidents.get(id);
    if (!inc) throw new Error(`no incident ${id}`);
    Object.assign(inc, patch, { updated_at: patch.updated_at ?? new Date(this.stamp()).toISOString() });
    this.byUpdated = null;
    return inc;
  }

  /**
   * The next `times` reads of incident `id` answer with its copy as it is now, whatever happens to it
   * meanwhile: a read replica lagging a write, as the real API can (a read right after a state update).
   */
  serveStaleReads(id: number, times = 1): void {
    const inc = this.incidents.get(id);
    if (!inc) throw new Error(`no incident ${id}`);
    this.staleReads.set(id, { copy: structuredClone(inc), remaining: times });
  }

  /** Invalidates every issued token: the next API call gets a 401, as when a token expires early. */
  expireTokens(): void {
    this.tokens.clear();
  }

  /** The API client was deleted in the tenant's console: its tokens stop working and no new one is issued. */
  revokeClient(): void {
    this.revoked = true;
    this.tokens.clear();
  }

  /** The client is allowed again (e.g. re-created with the same credentials). */
  restoreClient(): void {
    this.revoked = false;
  }

  /**
   * Tokens are still issued, but every API call answers 401 with them (`on = false` ends it): a tenant that
   * revokes each token as it issues it, or a client without the API's scopes.
   */
  refuseIssuedTokens(on = true): void {
    this.refusingIssuedTokens = on;
  }

  /** A fresh millisecond stamp, strictly after every updated_at so far, so the +1 ms cursor never skips. */
  private stamp(): number {
    this.lastStamp = Math.max(this.clock.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  protected handle(req: RecordedRequest): EmulatorResponse | Promise<EmulatorResponse> {
    if (req.method === 'POST' && req.path === '/oauth/token') return this.token(req);
    if (!this.authorised(req)) return json(401, { message: 'Unauthorized' });
    if (req.method === 'GET' && req.path === '/incident/api/incidents/delta') return this.delta(req);
    if (req.method === 'GET' && req.path === '/incident/api/apps') return json(200, this.apps);
    if (req.method === 'POST' && req.path === '/remediation/api/assets') return this.remediate(req);
    if (req.method === 'GET' && req.path === '/remediation/api/assets') return this.remediationStatus(req);
    const byId = /^\/incident\/api\/incidents\/([^/]+)(\/state)?$/.exec(req.path);
    if (byId) {
      const id = Number(byId[1]);
      if (!Number.isInteger(id)) return json(400, { message: 'incident id must be a number' });
      if (req.method === 'GET' && !byId[2]) return this.getIncident(id);
      if (req.method === 'POST' && byId[2]) return this.updateState(id, req);
    }
    return json(404, { message: 'Not Found' });
  }

  private token(req: RecordedRequest): EmulatorResponse {
    const auth = req.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`;
    if (auth !== expected || this.revoked) return json(401, { error: 'invalid_client', error_description: 'Bad client credentials' });
    // The API takes the form body; the pre-2.0.36 reference sent the same fields in the query string.
    const form = req.body ? new URLSearchParams(req.body) : req.query;
    const grant = form.get('grant_type') ?? req.query.get('grant_type');
    if (grant !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
    const token = randomBytes(24).toString('hex');
    this.tokens.set(token, this.clock.now() + (this.tokenLifetimeSeconds ?? 7140) * 1000);
    this.tokensIssued += 1;
    const body: Record<string, unknown> = { access_token: token, token_type: 'Bearer', scope: form.get('scope') ?? REQUIRED_SCOPE };
    if (this.tokenLifetimeSeconds !== null) body['expires_in'] = this.tokenLifetimeSeconds;
    return json(200, body);
  }

  private authorised(req: RecordedRequest): boolean {
    if (this.refusingIssuedTokens) return false;
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const expiresAt = this.tokens.get(m[1]!);
    return expiresAt !== undefined && this.clock.now() < expiresAt;
  }

  private delta(req: RecordedRequest): EmulatorResponse {
    const q = req.query;
    const rawLimit = q.get('limit');
    const limit = rawLimit === null ? 50 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 10 || limit > 1000 || limit % 10 !== 0) {
      return json(400, { message: 'limit must be a multiple of 10 between 10 and 1000' });
    }
    const from = q.get('from') ? Date.parse(q.get('from')!) : null;
    const to = q.get('to') ? Date.parse(q.get('to')!) : null;
    if (Number.isNaN(from) || Number.isNaN(to)) return json(400, { message: 'from/to must be ISO-8601 dates' });
    const state = q.get('state')?.toLowerCase();
    if (state && state !== 'open' && state !== 'closed') return json(400, { message: `invalid state ${q.get('state')}` });
    const list = (name: string) => (q.getAll(name).join(',') || '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const appIds = list('app_ids');
    const statuses = list('status');
    const severities = list('severity').map(severityRank);
    if (severities.some((s) => s === null)) return json(400, { message: 'invalid severity' });

    const index = this.updatedIndex();
    let lo = 0;
    let hi = index.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (from !== null && !(index[mid]!.t >= from)) lo = mid + 1;
      else hi = mid;
    }
    const matches: WireIncident[] = [];
    for (let i = lo; i < index.length && matches.length < limit; i += 1) {
      const { t: updated, inc } = index[i]!;
      if (to !== null && !(updated <= to)) break;
      if (appIds.length && !appIds.includes((inc.app_id ?? '').toLowerCase())) continue;
      const incState = (inc.state ?? (inc.status ?? '').split('-')[0] ?? '').toLowerCase();
      if (state && incState !== state) continue;
      if (statuses.length && !statuses.includes((inc.status ?? '').toLowerCase())) continue;
      if (severities.length && !severities.includes(severityRank(inc.severity))) continue;
      matches.push(inc);
    }
    const page = matches.slice(0, limit);
    const next = new URLSearchParams(q);
    next.set('limit', String(limit));
    const last = page[page.length - 1];
    if (last) next.set('from', new Date(Date.parse(last.updated_at ?? '') + 1).toISOString());
    return json(200, { limit, nextPath: `/incident/api/incidents/delta?${next.toString()}`, resources: page });
  }

  private updatedIndex(): Array<{ t: number; inc: WireIncident }> {
    this.byUpdated ??= [...this.incidents.values()]
      .map((inc) => ({ t: Date.parse(inc.updated_at ?? ''), inc }))
      .filter((e) => !Number.isNaN(e.t))
      .sort((a, b) => a.t - b.t || a.inc.incident_id - b.inc.incident_id);
    return this.byUpdated;
  }

  private getIncident(id: number): EmulatorResponse {
    const stale = this.staleReads.get(id);
    if (stale && stale.remaining-- > 0) return json(200, stale.copy);
    const inc = this.incidents.get(id);
    return inc ? json(200, inc) : json(404, { message: `Incident ${id} not found` });
  }

  private updateState(id: number, req: RecordedRequest): EmulatorResponse {
    let body: { state?: unknown; category?: unknown };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return json(400, { message: 'body must be JSON' });
    }
    if (body.state !== 'closed') return json(400, { message: 'state must be closed' });
    if (typeof body.category !== 'string' || !(WIRE_CLOSE_CATEGORIES as readonly string[]).includes(body.category)) {
      return json(400, { message: `category must be one of ${WIRE_CLOSE_CATEGORIES.join(', ')}` });
    }
    const inc = this.incidents.get(id);
    if (!inc) return json(404, { message: `Incident ${id} not found` });
    const now = new Date(this.stamp()).toISOString();
    Object.assign(inc, {
      state: 'closed',
      category: body.category,
      status: `Closed-${title(body.category)}`,
      resolved_by: 'api',
      resolution_date: now,
      updated_at: now,
    });
    this.byUpdated = null;
    return json(200, { state: 'closed', category: body.category, resolved_by: 'api', resolution_date: now });
  }

  private remediate(req: RecordedRequest): EmulatorResponse {
    let body: { remediation_type?: unknown; remove_inherited_sharing?: unknown; asset_id?: unknown };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return json(400, { message: 'body must be JSON' });
    }
    const type = body.remediation_type;
    if (typeof type !== 'string' || !(WIRE_REMEDIATION_TYPES as readonly string[]).includes(type)) {
      return json(400, { message: `remediation_type must be one of ${WIRE_REMEDIATION_TYPES.join(', ')}` });
    }
    if (typeof body.asset_id !== 'string' || !body.asset_id) return json(400, { message: 'asset_id is required' });
    if (body.remove_inherited_sharing !== undefined && typeof body.remove_inherited_sharing !== 'boolean') {
      return json(400, { message: 'remove_inherited_sharing must be a boolean' });
    }
    const asset = [...this.incidents.values()].find((i) => i.asset_id === body.asset_id);
    const now = this.clock.now();
    this.remediations.set(`${type}:${body.asset_id}`, {
      asset_id: body.asset_id,
      asset_name: asset?.asset_name ?? null,
      remediation_type: type,
      action_taker: 'api',
      action_date: remediationDate(now),
      status: 'pending',
      requestedAt: now,
    });
    return { status: 202 };
  }

  private remediationStatus(req: RecordedRequest): EmulatorResponse {
    const type = req.query.get('remediation_type');
    const assetId = req.query.get('asset_id');
    if (!type || !assetId) return json(400, { message: 'remediation_type and asset_id are required' });
    const r = this.remediations.get(`${type}:${assetId}`);
    if (!r) return json(404, { message: 'No remediation found for this asset' });
    const { requestedAt, ...wire } = r;
    const status = wire.status === 'pending' && this.clock.now() - requestedAt >= this.remediationDelayMs ? 'success' : wire.status;
    return json(200, { ...wire, status });
  }

  /** Seeds a remediation record directly (e.g. the recorded status fixture). */
  putRemediation(r: WireRemediationStatus): void {
    this.remediations.set(`${r.remediation_type}:${r.asset_id}`, { ...r, requestedAt: 0 });
  }
}
