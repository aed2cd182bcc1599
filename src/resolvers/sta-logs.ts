// STA access logs as a connection over `GET /logs?since=&until=`, filtered by user on our side (the API
// filters by time only). The cursor is a logs page reference plus a position in it, so paging reads each
// upstream page once and stops as soon as `first` logs are found.
import type { Context } from '../context.js';
import type { StaAccessLog, StaAccessLogQuery } from '../domain/sta.js';
import { badInput } from '../errors.js';
import { staInstance } from './connectors.js';
import { decodeTenantCursor, encodeCursor, type PageCursor } from './cursor.js';
import type { Connection, Edge } from './incidents.js';
import { checkFirst, requireName, toConnection } from './sta-common.js';

/** The reference's argument rules (§3 sta-get-logs), as typed errors. */
export function checkLogWindow(filter: StaAccessLogQuery): void {
  if (filter.until && !filter.since) throw badInput('Use until argument only while using since.', 'filter.until');
  if (filter.since && filter.until && filter.until <= filter.since) {
    throw badInput("Until argument's date and time must be greater than since.", 'filter.until');
  }
}

/**
 * A user-filtered scan reads the tenant's log and keeps that user's events, so without `since` it would read
 * the whole log. It starts this long ago unless the caller gives `since` (which may be earlier).
 */
export const USER_LOG_DEFAULT_WINDOW_MS = 24 * 3_600_000;

/**
 * What access-log cursors are signed for (their path goes to STA as is): this field with this filter, so a
 * cursor of another user's (or another window's) scan is refused rather than applied to this one.
 */
function logsList(f: StaAccessLogQuery): string {
  return `staAccessLogs:${JSON.stringify([f.userName?.trim() ?? null, f.includeAnonymous === true, f.since?.toISOString() ?? null, f.until?.toISOString() ?? null])}`;
}

export async function listStaAccessLogs(
  args: { filter?: StaAccessLogQuery | null; first?: number | null; after?: string | null; instance?: string | null },
  ctx: Context,
): Promise<Connection<StaAccessLog>> {
  const first = checkFirst(args.first);
  const filter = args.filter ?? {};
  checkLogWindow(filter);
  const tenant = staInstance(ctx, args.instance);
  const { connector } = tenant;
  const tenantName = tenant.name ?? '';
  // The cursor first: a refused one costs no upstream request.
  const signer = ctx.services.cursors;
  const list = logsList(filter);
  const after = args.after ? decodeTenantCursor(signer, list, args.after, tenantName) : null;
  const userName = filter.userName ? requireName(filter.userName, 'filter.userName') : null;
  // As the reference: naming a user who does not exist is an error, not an empty list.
  if (userName) await connector.requireUser(userName);
  // As the reference, events without a principal are dropped unless asked for.
  const wanted = (l: StaAccessLog) => (userName ? l.userName === userName : l.userName !== null || filter.includeAnonymous === true);
  const since = filter.since ?? (userName ? new Date(ctx.services.clock.now() - USER_LOG_DEFAULT_WINDOW_MS) : null);

  let cursor: PageCursor = after ?? { path: connector.logsRef(since, filter.until), skip: 0 };
  const edges: Edge<StaAccessLog>[] = [];
  let hasNextPage = false;
  for (;;) {
    const page = await connector.getLogsPage(cursor.path);
    let i = cursor.skip;
    for (; i < page.logs.length && edges.length < first; i++) {
      const log = page.logs[i]!;
      if (wanted(log)) edges.push({ node: log, cursor: encodeCursor(signer, list, { path: cursor.path, skip: i + 1, tenant: tenantName }) });
    }
    if (edges.length >= first) {
      // More may follow: the rest of this page or a next page (it may hold none for this user).
      hasNextPage = i < page.logs.length || page.next !== null;
      break;
    }
    if (!page.next || page.logs.length === 0) break;
    cursor = { path: page.next, skip: 0 };
  }
  return toConnection(edges, hasNextPage, Boolean(args.after));
}
