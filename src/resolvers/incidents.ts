// SaaS Security incidents: list (Relay connection over the delta endpoint), get, close.
import type { Context } from '../context.js';
import type { IncidentPage } from '../connectors/saas-security/connector.js';
import { deltaPath, toDeltaQuery, apiPageSize } from '../connectors/saas-security/map.js';
import { DEFAULT_SAAS_INSTANCE } from '../domain/alert.js';
import type { CloseCategory, Incident, IncidentQuery } from '../domain/saas-security.js';
import { badInput, notFound } from '../errors.js';
import { publishAll } from '../fetch/incident-fetcher.js';
import { closeFetchedIncident } from '../fetch/outgoing-close.js';
import { actorOf } from '../identity/actor.js';
import { saasInstance, saasInstancesOf, saasSecurity } from './connectors.js';
import type { CursorSigner } from '../security/cursor-signer.js';
import { decodeCursor, encodeCursor } from './cursor.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export interface Edge<T> {
  cursor: string;
  node: T;
}
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** GraphQL ids are strings; the API's incident ids are positive integers. */
export function parseIncidentId(id: string, argument = 'id'): number {
  if (!/^\d{1,15}$/.test(id.trim()) || Number(id) <= 0) throw badInput(`incident id must be a positive whole number, got "${id}"`, argument);
  return Number(id);
}

/** One incident of one tenant (`instance`; the first configured without one). */
export async function getIncident(args: { id: string; instance?: string | null }, ctx: Context): Promise<Incident | null> {
  const id = parseIncidentId(args.id);
  return saasSecurity(ctx, args.instance).getIncident(id);
}

/**
 * Incidents of every tenant (or of `filter.instances`), one tenant after the other in configured order, each
 * by updated_at, oldest first, read from its delta endpoint. A cursor names its tenant, its page and a
 * position in it, so a next page goes on in that tenant and then to the following ones.
 */
export async function listIncidents(
  args: { filter?: (IncidentQuery & { instances?: readonly string[] | null }) | null; first?: number | null; after?: string | null },
  ctx: Context,
): Promise<Connection<Incident>> {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  const { instances, ...filter } = args.filter ?? {};
  if (filter.from && filter.to && filter.from > filter.to) throw badInput('filter.from is after filter.to', 'filter');
  const tenants = saasInstancesOf(ctx, instances);
  const firstPath = deltaPath(toDeltaQuery(filter, apiPageSize(first)));
  // Cursors are signed for this list: the incidents with this filter (whatever `first` and `instances`), so a
  // cursor of another filter is refused instead of silently going on with the filter it was issued for.
  const list = `incidents:${deltaPath(toDeltaQuery(filter, 0))}`;
  let index = 0;
  let cursor: { path: string; skip: number } = { path: firstPath, skip: 0 };
  if (args.after) {
    const decoded = decodeCursor(ctx.services.cursors, list, args.after);
    // Cursors of a gateway with one tenant named none: they are the default tenant's.
    const name = decoded.tenant ?? DEFAULT_SAAS_INSTANCE;
    index = tenants.findIndex((t) => t.name === name);
    if (index < 0) throw badInput(`this cursor belongs to the SaaS Security instance "${name}", which the filter leaves out`, 'after');
    cursor = { path: decoded.path, skip: decoded.skip };
  }

  const edges: Edge<Incident>[] = [];
  let hasNextPage = false;
  for (;;) {
    const tenant = tenants[index]!;
    const page = await tenant.connector.getIncidentPage(cursor.path);
    const take = page.incidents.slice(cursor.skip, cursor.skip + (first - edges.length));
    const cursors = pageCursors(ctx.services.cursors, list, page, cursor.path, tenant.name);
    const skip = cursor.skip;
    take.forEach((node, i) => edges.push({ node, cursor: cursors.at(skip + i + 1) }));
    const consumed = cursor.skip + take.length;
    const pageIsLast = page.incidents.length < page.limit || !page.nextPath;
    if (consumed < page.incidents.length) {
      hasNextPage = true;
      break;
    }
    if (pageIsLast || page.incidents.length === 0) {
      // This tenant is done: on to the next one, if any.
      if (index + 1 >= tenants.length) break;
      if (edges.length >= first) {
        hasNextPage = true;
        break;
      }
      index += 1;
      cursor = { path: firstPath, skip: 0 };
      continue;
    }
    // The page came back full: the API has (or may have) more after nextPath.
    if (edges.length >= first) {
      hasNextPage = true;
      break;
    }
    cursor = { path: page.nextPath, skip: 0 };
  }
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/**
 * The cursors of a page's positions, encoded (and signed) once per page, list and path: the connector hands back
 * the same page object while it is cached, so repeated reads re-sign nothing. A page object is one tenant's;
 * the signer is in the key because tests run gateways with different keys in one process.
 */
const cursorsByPage = new WeakMap<CursorSigner, WeakMap<IncidentPage, Map<string, { at(skip: number): string }>>>();
function pageCursors(signer: CursorSigner, list: string, page: IncidentPage, path: string, tenant: string): { at(skip: number): string } {
  let pages = cursorsByPage.get(signer);
  if (!pages) cursorsByPage.set(signer, (pages = new WeakMap()));
  let byPath = pages.get(page);
  if (!byPath) pages.set(page, (byPath = new Map()));
  const key = `${list}\n${path}`;
  let cursors = byPath.get(key);
  if (!cursors) {
    const encoded: string[] = [];
    cursors = { at: (skip) => (encoded[skip] ??= encodeCursor(signer, list, { path, skip, tenant })) };
    byPath.set(key, cursors);
  }
  return cursors;
}

/** Fields compared to name what a close changed. */
const CLOSE_FIELDS: Array<[keyof Incident, string]> = [
  ['state', 'state'],
  ['category', 'category'],
  ['status', 'status'],
  ['resolvedBy', 'resolved_by'],
];

export function changedFields(before: Incident | null, after: Incident, fields = CLOSE_FIELDS): string[] {
  return fields.filter(([k]) => String(before?.[k] ?? '') !== String(after[k] ?? '')).map(([, wire]) => wire);
}

/** Closes an incident of one tenant (`instance`; the first configured without one), upstream at that tenant. */
export async function closeIncident(args: { id: string; category: CloseCategory; instance?: string | null }, ctx: Context): Promise<Incident> {
  const id = parseIncidentId(args.id);
  const tenant = saasInstance(ctx, args.instance);
  const connector = tenant.connector;
  const sync = tenant.sync;
  const record = await sync.store.get(id);
  if (record) {
    // A fetched incident: closed upstream, then its gateway record.
    return closeFetchedIncident({ ...sync.deps, connector, logger: ctx.logger, actor: ctx.principal ? actorOf(ctx.principal) : null }, record, args.category);
  }
  // Not fetched (before the fetch window, filtered out, or fetching off): no gateway record, so close upstream.
  // Once the upstream has accepted the close the mutation succeeds, whether or not the read after it worked.
  const result = await connector.closeIncident(id, args.category);
  if (!result) throw notFound(`SaaS Security has no incident ${id}${tenantSuffix(tenant.name)}`);
  const { before, closed: incident } = result;
  // No gateway record changes here, so the event is logged on its own (after the upstream accepted the close).
  const event = { kind: 'CLOSED' as const, incident, changedFields: changedFields(before, incident), at: new Date(ctx.services.clock.now()).toISOString() };
  publishAll(ctx.services.pubsub, await sync.store.commit([], undefined, [event]));
  ctx.logger.info({ incidentId: id, category: args.category, saasInstance: tenant.name }, 'incident closed');
  return incident;
}

const tenantSuffix = (name: string) => (name === DEFAULT_SAAS_INSTANCE ? '' : ` (instance "${name}")`);
