// Reading the queue: a page of alerts of every source, newest first (keyset cursors over the alerts index),
// one alert by its global id, and the source's own record behind each row (what the schema's Alert is).
import type { Services } from '../context.js';
import { DEFAULT_SAAS_INSTANCE, parseAlertId } from '../domain/alert.js';
import type { Incident } from '../domain/saas-security.js';
import type { SamlDetection } from '../domain/saml-detection.js';
import type { StaAlert } from '../domain/sta-alert.js';
import type { AlertQuery, AlertRecord } from '../domain/triage.js';
import { badInput } from '../errors.js';
import type { CursorSigner } from '../security/cursor-signer.js';
import { storedIncident } from '../fetch/incident-store.js';
import type { AlertPosition } from '../store/alerts.js';
import { incidentAlertId, samlAlertIdOf, staAlertIdOf } from './source-alerts.js';

/** What the schema's Alert interface resolves to: the source's own record. */
export type AlertNode = Incident | StaAlert | SamlDetection;

export const DEFAULT_ALERTS_PAGE = 50;
export const MAX_ALERTS_PAGE = 200;

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** What the queue's cursors are signed for. */
const ALERTS_LIST = 'alerts';

/** A keyset position (createdAt, alertId), signed: only the gateway writes one. */
export function encodeAlertCursor(signer: CursorSigner, p: AlertPosition): string {
  return signer.signJson(ALERTS_LIST, { c: p.createdAt, a: p.alertId });
}

export function decodeAlertCursor(signer: CursorSigner, cursor: string): AlertPosition {
  const c = signer.verifyJson(ALERTS_LIST, cursor) as { c?: unknown; a?: unknown } | null;
  if (c && typeof c.c === 'string' && typeof c.a === 'string') return { createdAt: c.c, alertId: c.a };
  throw badInput('not a cursor this gateway issued', 'after');
}

/** The alert ids of a source record, for the schema's alertId (and the triage lookup). */
export function alertIdOfNode(node: AlertNode): string {
  if ('incidentId' in node) return incidentAlertId(node.incidentId, node.instance ?? DEFAULT_SAAS_INSTANCE);
  if ('ruleId' in node) return samlAlertIdOf(node.id);
  return staAlertIdOf(node.id);
}

/** The source records behind rows (by alert id); a row whose record is gone (retention) has none. */
export async function sourceRecords(services: Services, rows: readonly Pick<AlertRecord, 'alertId' | 'source' | 'sourceId'>[]): Promise<Map<string, AlertNode>> {
  const out = new Map<string, AlertNode>();
  // By tenant: each SaaS Security tenant's records are its own (ids collide across tenants).
  const saasByTenant = new Map<string, Array<(typeof rows)[number]>>();
  for (const r of rows) {
    if (r.source !== 'SAAS_INCIDENT') continue;
    const ref = parseAlertId(r.alertId);
    const tenant = ref?.source === 'SAAS_INCIDENT' ? ref.instance : DEFAULT_SAAS_INSTANCE;
    saasByTenant.set(tenant, [...(saasByTenant.get(tenant) ?? []), r]);
  }
  for (const [name, saas] of saasByTenant) {
    const store = services.saasInstances?.find(name)?.sync.store;
    if (!store) continue;
    const found = await store.getMany(saas.map((r) => Number(r.sourceId)));
    for (const r of saas) {
      const rec = found.get(Number(r.sourceId));
      if (rec) out.set(r.alertId, storedIncident(rec, name));
    }
  }
  const sta = rows.filter((r) => r.source === 'STA_ALERT');
  if (sta.length) {
    const found = await services.staAlerts.store.rows.getMany(sta.map((r) => r.sourceId));
    for (const r of sta) {
      const a = found.get(r.sourceId);
      if (a) out.set(r.alertId, a);
    }
  }
  await Promise.all(
    rows.map(async (r) => {
      if (r.source === 'SAML_DETECTION') {
        const d = await services.samlDetection?.detection(r.sourceId);
        if (d) out.set(r.alertId, d);
      }
    }),
  );
  return out;
}

/** One alert by its global id: the source's record, whether or not it is in the queue's index yet. */
export async function alertById(services: Services, alertId: string): Promise<AlertNode | null> {
  const ref = parseAlertId(alertId.trim());
  if (!ref) return null;
  if (ref.source === 'SAAS_INCIDENT') {
    if (!/^\d{1,15}$/.test(ref.id)) return null;
    const id = Number(ref.id);
    // The tenant the id names; one no longer configured has nothing to show.
    const tenant = services.saasInstances?.find(ref.instance);
    if (!tenant) return null;
    const stored = await tenant.sync.store.get(id);
    if (stored) return storedIncident(stored, tenant.name);
    // Not fetched (fetching off, filtered out, before the window): the upstream's copy, with an OPEN triage.
    return tenant.connector.getIncident(id);
  }
  if (ref.source === 'STA_ALERT') return (await services.staAlerts.store.get(ref.id)) ?? null;
  return (await services.samlDetection?.detection(ref.id)) ?? null;
}

/** A page of the queue, newest first. */
export async function listAlerts(services: Services, args: { first?: number | null; after?: string | null; filter?: AlertQuery | null }): Promise<Connection<AlertNode>> {
  const first = args.first ?? DEFAULT_ALERTS_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_ALERTS_PAGE) throw badInput(`first must be between 1 and ${MAX_ALERTS_PAGE}`, 'first');
  const f = args.filter ?? {};
  if (f.from && f.to && f.from > f.to) throw badInput('filter.from is after filter.to', 'filter');
  if (f.assignee && f.unassigned) throw badInput('filter.assignee and filter.unassigned exclude each other', 'filter');
  const after = args.after ? decodeAlertCursor(services.cursors, args.after) : null;
  const rows = await services.triage.rows.list(f, after, first + 1);
  const page = rows.slice(0, first);
  const nodes = await sourceRecords(services, page);
  const edges = page.flatMap((r) => {
    const node = nodes.get(r.alertId);
    return node ? [{ cursor: encodeAlertCursor(services.cursors, r), node }] : [];
  });
  const last = page[page.length - 1];
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      // The last row read, even if its source record is gone: the next page starts after it.
      endCursor: last ? encodeAlertCursor(services.cursors, last) : null,
    },
  };
}
