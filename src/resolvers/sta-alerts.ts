// STA alerts received by mail and their playbook runs: list (newest first, keyset cursors), get, retry, cancel.
import type { Context } from '../context.js';
import type { StaAlert, StaAlertEvent, StaAlertEventType, StaAlertKind, StaAlertState, StaRunState } from '../domain/sta-alert.js';
import { badInput } from '../errors.js';
import { actorOf } from '../identity/actor.js';
import type { CursorSigner } from '../security/cursor-signer.js';
import type { SubscriptionFailure } from '../subscriptions/bounded-subscription.js';
import { resumableStream } from '../subscriptions/resumable-stream.js';
import { parseEventId } from './incident-events.js';
import type { Connection } from './incidents.js';

export const DEFAULT_ALERT_PAGE = 50;
export const MAX_ALERT_PAGE = 500;

export interface StaAlertFilter {
  kinds?: readonly StaAlertKind[] | null;
  states?: readonly StaAlertState[] | null;
  runStates?: readonly StaRunState[] | null;
  /** Case-insensitive exact user name. */
  userName?: string | null;
  recordedFrom?: Date | null;
  recordedTo?: Date | null;
}

export function matchesStaAlertFilter(a: StaAlert, f: StaAlertFilter | null | undefined): boolean {
  if (!f) return true;
  if (f.kinds?.length && !f.kinds.includes(a.kind)) return false;
  if (f.states?.length && !f.states.includes(a.state)) return false;
  if (f.runStates?.length && !(a.run && f.runStates.includes(a.run.state))) return false;
  if (f.userName && a.userName?.toLowerCase() !== f.userName.trim().toLowerCase()) return false;
  if (f.recordedFrom && Date.parse(a.recordedAt) < f.recordedFrom.getTime()) return false;
  if (f.recordedTo && Date.parse(a.recordedAt) > f.recordedTo.getTime()) return false;
  return true;
}

/** What STA alert cursors are signed for. */
const STA_ALERTS_LIST = 'staAlerts';

/** A position in the newest-first order that new alerts cannot shift: (recordedAt, id), signed. */
function encodeAlertCursor(signer: CursorSigner, a: StaAlert): string {
  return signer.signJson(STA_ALERTS_LIST, { r: a.recordedAt, i: a.id });
}

function decodeAlertCursor(signer: CursorSigner, cursor: string): { r: string; i: string } {
  const c = signer.verifyJson(STA_ALERTS_LIST, cursor) as { r?: unknown; i?: unknown } | null;
  if (c && typeof c.r === 'string' && typeof c.i === 'string') return { r: c.r, i: c.i };
  throw badInput('not a cursor this gateway issued', 'after');
}

export async function listStaAlerts(
  args: { filter?: StaAlertFilter | null; first?: number | null; after?: string | null },
  ctx: Context,
): Promise<Connection<StaAlert>> {
  const first = args.first ?? DEFAULT_ALERT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_ALERT_PAGE) throw badInput(`first must be between 1 and ${MAX_ALERT_PAGE}`, 'first');
  const after = args.after ? decodeAlertCursor(ctx.services.cursors, args.after) : null;
  // The store lists newest first by (recordedAt, id) descending: "after" means strictly older. One more
  // than asked tells whether there is a next page.
  const f = args.filter;
  const matching = await ctx.services.staAlerts.store.list(
    {
      kinds: f?.kinds ?? null,
      states: f?.states ?? null,
      runStates: f?.runStates ?? null,
      userName: f?.userName ?? null,
      recordedFrom: f?.recordedFrom?.toISOString() ?? null,
      recordedTo: f?.recordedTo?.toISOString() ?? null,
      before: after ? { recordedAt: after.r, id: after.i } : null,
    },
    first + 1,
  );
  const page = matching.slice(0, first);
  const edges = page.map((node) => ({ node, cursor: encodeAlertCursor(ctx.services.cursors, node) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: matching.length > first,
      hasPreviousPage: Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

export async function getStaAlert(args: { id: string }, ctx: Context): Promise<StaAlert | null> {
  return (await ctx.services.staAlerts.store.get(args.id.trim())) ?? null;
}

export function retryStaPlaybookRun(args: { id: string }, ctx: Context): Promise<StaAlert> {
  return ctx.services.staAlerts.retry(args.id.trim(), ctx.principal?.id ?? null);
}

export function cancelStaPlaybookRun(args: { id: string; removeUserFromGroup?: boolean | null }, ctx: Context): Promise<StaAlert> {
  // The triage queue records the analyst as who resolved the alert.
  const triage = { actor: ctx.principal ? actorOf(ctx.principal) : null };
  return ctx.services.staAlerts.cancel(args.id.trim(), ctx.principal?.id ?? null, { removeUserFromGroup: args.removeUserFromGroup ?? false, triage });
}

export interface StaAlertEventFilter {
  types?: readonly StaAlertEventType[] | null;
  kinds?: readonly StaAlertKind[] | null;
  userName?: string | null;
}

export function matchesStaAlertEventFilter(e: StaAlertEvent, f: StaAlertEventFilter | null | undefined): boolean {
  if (!f) return true;
  if (f.types?.length && !f.types.includes(e.type)) return false;
  return matchesStaAlertFilter(e.alert, { kinds: f.kinds ?? null, userName: f.userName ?? null });
}

/** staAlertEvents: live, or with `after` the logged events after that id first (on any instance). */
export async function staAlertEventStream(
  args: { filter?: StaAlertEventFilter | null; after?: string | null },
  ctx: Context,
): Promise<AsyncIterableIterator<StaAlertEvent | SubscriptionFailure>> {
  const log = ctx.services.staAlerts.store.events;
  const after = args.after == null ? null : parseEventId(args.after);
  if (after !== null) await log.checkAfter(after);
  return resumableStream(ctx.services.pubsub.subscribe('sta-alert:event'), after === null ? null : log, after, (e) => matchesStaAlertEventFilter(e, args.filter), {
    capacity: ctx.services.config.incidentFetch.subscriberBuffer,
    onDrop: (reason) => ctx.logger.warn({ reason: reason.message }, 'staAlertEvents subscription ended'),
  });
}
