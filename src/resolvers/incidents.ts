// SaaS Security incidents: list (Relay connection over the delta endpoint), get, close.
import type { Context } from '../context.js';
import type { IncidentPage } from '../connectors/saas-security/connector.js';
import { deltaPath, toDeltaQuery, apiPageSize } from '../connectors/saas-security/map.js';
import type { CloseCategory, Incident, IncidentQuery } from '../domain/saas-security.js';
import { badInput, notFound } from '../errors.js';
import { publishAll } from '../fetch/incident-fetcher.js';
import { closeFetchedIncident } from '../fetch/outgoing-close.js';
import { actorOf } from '../identity/actor.js';
import { saasSecurity } from './connectors.js';
import { decodeCursor, encodeCursor, type PageCursor } from './cursor.js';

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

export async function getIncident(args: { id: string }, ctx: Context): Promise<Incident | null> {
  return saasSecurity(ctx).getIncident(parseIncidentId(args.id));
}

export async function listIncidents(
  args: { filter?: IncidentQuery | null; first?: number | null; after?: string | null },
  ctx: Context,
): Promise<Connection<Incident>> {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  const filter = args.filter ?? {};
  if (filter.from && filter.to && filter.from > filter.to) throw badInput('filter.from is after filter.to', 'filter');
  const connector = saasSecurity(ctx);
  let cursor: PageCursor = args.after
    ? decodeCursor(args.after)
    : { path: deltaPath(toDeltaQuery(filter, apiPageSize(first))), skip: 0 };

  const edges: Edge<Incident>[] = [];
  let hasNextPage = false;
  for (;;) {
    const page = await connector.getIncidentPage(cursor.path);
    const take = page.incidents.slice(cursor.skip, cursor.skip + (first - edges.length));
    const cursors = pageCursors(page, cursor.path);
    take.forEach((node, i) => edges.push({ node, cursor: cursors.at(cursor.skip + i + 1) }));
    const consumed = cursor.skip + take.length;
    const pageIsLast = page.incidents.length < page.limit || !page.nextPath;
    if (consumed < page.incidents.length) {
      hasNextPage = true;
      break;
    }
    if (pageIsLast || page.incidents.length === 0) break;
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
 * The cursors of a page's positions, encoded once per page and path: the connector hands back the same
 * page object while it is cached, so repeated reads re-encode nothing.
 */
const cursorsByPage = new WeakMap<IncidentPage, Map<string, { at(skip: number): string }>>();
function pageCursors(page: IncidentPage, path: string): { at(skip: number): string } {
  let byPath = cursorsByPage.get(page);
  if (!byPath) cursorsByPage.set(page, (byPath = new Map()));
  let cursors = byPath.get(path);
  if (!cursors) {
    const encoded: string[] = [];
    cursors = { at: (skip) => (encoded[skip] ??= encodeCursor({ path, skip })) };
    byPath.set(path, cursors);
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

export async function closeIncident(args: { id: string; category: CloseCategory }, ctx: Context): Promise<Incident> {
  const id = parseIncidentId(args.id);
  const connector = saasSecurity(ctx);
  const sync = ctx.services.incidentSync;
  const record = await sync?.store.get(id);
  if (sync && record) {
    // A fetched incident: closed upstream, then its gateway record.
    return closeFetchedIncident({ ...sync.deps, connector, logger: ctx.logger, actor: ctx.principal ? actorOf(ctx.principal) : null }, record, args.category);
  }
  // Not fetched (before the fetch window, filtered out, or fetching off): no gateway record, so close upstream.
  const before = await connector.getIncident(id);
  if (!before) throw notFound(`SaaS Security has no incident ${id}`);
  const incident = await connector.closeIncident(id, args.category);
  if (!incident) throw notFound(`SaaS Security has no incident ${id}`);
  // No gateway record changes here, so the event is logged on its own (after the upstream accepted the close).
  const event = { kind: 'CLOSED' as const, incident, changedFields: changedFields(before, incident), at: new Date(ctx.services.clock.now()).toISOString() };
  publishAll(ctx.services.pubsub, (await sync?.store.commit([], undefined, [event])) ?? []);
  ctx.logger.info({ incidentId: id, category: args.category }, 'incident closed');
  return incident;
}
