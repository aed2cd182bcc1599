// The alert queue across sources (src/triage/): the queue, one alert, the triage record behind each, the
// analysts' changes, the numbers and the live updates.
import DataLoader from 'dataloader';
import type { Context } from '../context.js';
import type { AlertSeverity, AlertSource, TriageStatus } from '../domain/alert.js';
import type { CloseCategory } from '../domain/saas-security.js';
import type { AlertActivity, AlertComment, AlertQuery, AlertRecord, AlertUpdateEvent } from '../domain/triage.js';
import { badInput, GatewayError } from '../errors.js';
import { actorOf, type Actor } from '../identity/actor.js';
import type { CursorSigner } from '../security/cursor-signer.js';
import type { SubscriptionFailure } from '../subscriptions/bounded-subscription.js';
import { resumableStream } from '../subscriptions/resumable-stream.js';
import { alertById, alertIdOfNode, listAlerts, type AlertNode, type Connection } from '../triage/alert-queue.js';
import { alertStats as computeStats, type AlertStats } from '../triage/alert-stats.js';
import * as actions from '../triage/triage-actions.js';
import { parseEventId } from './incident-events.js';

export type { AlertNode } from '../triage/alert-queue.js';

export interface AlertFilterInput {
  sources?: readonly AlertSource[] | null;
  statuses?: readonly TriageStatus[] | null;
  assignee?: string | null;
  unassigned?: boolean | null;
  severities?: readonly AlertSeverity[] | null;
  from?: Date | null;
  to?: Date | null;
  text?: string | null;
}

function toQuery(f: AlertFilterInput | null | undefined): AlertQuery {
  return {
    sources: f?.sources ?? null,
    statuses: f?.statuses ?? null,
    assignee: f?.assignee?.trim() || null,
    unassigned: f?.unassigned ?? null,
    severities: f?.severities ?? null,
    from: f?.from?.toISOString() ?? null,
    to: f?.to?.toISOString() ?? null,
    text: f?.text?.trim() || null,
  };
}

function actorOfContext(ctx: Context): Actor {
  if (!ctx.principal) throw new GatewayError('UNAUTHENTICATED', 'An API key is required: send Authorization: Bearer <key>');
  return actorOf(ctx.principal);
}

function actionContext(ctx: Context): actions.ActionContext {
  return { services: ctx.services, actor: actorOfContext(ctx), requestId: ctx.requestId, logger: ctx.logger };
}

export function alerts(args: { first?: number | null; after?: string | null; filter?: AlertFilterInput | null }, ctx: Context): Promise<Connection<AlertNode>> {
  return listAlerts(ctx.services, { first: args.first, after: args.after, filter: toQuery(args.filter) });
}

export function alert(args: { alertId: string }, ctx: Context): Promise<AlertNode | null> {
  return alertById(ctx.services, args.alertId);
}

/** An alert's triage record, or null while it is not in the queue's index (then it reads as OPEN). */
export interface TriageView {
  alertId: string;
  record: AlertRecord | null;
}

/** Per operation (the Context's identity): a page of alerts reads its triage rows in one query. */
const triageLoaders = new WeakMap<Context, DataLoader<string, AlertRecord | null>>();

export async function triageOf(node: AlertNode, ctx: Context): Promise<TriageView> {
  let loader = triageLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const found = await ctx.services.triage.rows.getMany(ids);
      return ids.map((id) => found.get(id) ?? null);
    });
    triageLoaders.set(ctx, loader);
  }
  const alertId = alertIdOfNode(node);
  return { alertId, record: await loader.load(alertId) };
}

const MAX_PAGE = 100;

/** A cursor is the entry's number, signed for `list` (one alert's comments or activity), as every cursor. */
function pageArgs(signer: CursorSigner, list: string, args: { first?: number | null; after?: string | null }, what: string): { first: number; before: number | null } {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`, 'first');
  if (args.after == null) return { first, before: null };
  const seq = signer.verify(list, args.after);
  if (!/^\d{1,9}$/.test(seq)) throw badInput(`not a cursor of ${what}`, 'after');
  return { first, before: Number(seq) };
}

async function seqConnection<T extends { seq: number }>(
  ctx: Context,
  alertId: string,
  load: (before: number | null, limit: number) => Promise<T[]>,
  args: { first?: number | null; after?: string | null },
  what: string,
): Promise<Connection<T>> {
  const signer = ctx.services.cursors;
  const list = `${what}:${alertId}`;
  const { first, before } = pageArgs(signer, list, args, what);
  const rows = await load(before, first + 1);
  const edges = rows.slice(0, first).map((node) => ({ cursor: signer.sign(list, String(node.seq)), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, hasPreviousPage: before !== null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

/** Newest first; the cursor is the comment's number (signed). */
export function triageComments(t: TriageView, args: { first?: number | null; after?: string | null }, ctx: Context): Promise<Connection<AlertComment>> {
  return seqConnection(ctx, t.alertId, (before, limit) => ctx.services.triage.rows.comments(t.alertId, before, limit), args, 'comments');
}

export function triageActivity(t: TriageView, args: { first?: number | null; after?: string | null }, ctx: Context): Promise<Connection<AlertActivity>> {
  return seqConnection(ctx, t.alertId, (before, limit) => ctx.services.triage.rows.activity(t.alertId, before, limit), args, 'activity');
}

export function updateAlertStatus(
  args: { alertIds: readonly string[]; status: TriageStatus; comment?: string | null; closeCategory?: CloseCategory | null; removeUserFromGroup?: boolean | null },
  ctx: Context,
): Promise<actions.AlertUpdateResult[]> {
  return actions.updateAlertStatus(actionContext(ctx), args);
}

export function assignAlerts(args: { alertIds: readonly string[]; assignee?: string | null }, ctx: Context): Promise<actions.AlertUpdateResult[]> {
  return actions.assignAlerts(actionContext(ctx), args);
}

export function addAlertComment(args: { alertId: string; body: string }, ctx: Context): Promise<AlertComment> {
  return actions.addAlertComment(actionContext(ctx), args);
}

export function editAlertComment(args: { commentId: string; body: string }, ctx: Context): Promise<AlertComment> {
  return actions.editAlertComment(actionContext(ctx), args);
}

export function alertStats(args: { from?: Date | null; to?: Date | null; sources?: readonly AlertSource[] | null }, ctx: Context): Promise<AlertStats> {
  if (args.from && args.to && args.from > args.to) throw badInput('from is after to', 'from');
  return computeStats(ctx.services.triage.rows, { from: args.from?.toISOString() ?? null, to: args.to?.toISOString() ?? null, sources: args.sources ?? null });
}

/** Whether a live update matches a subscriber's filter (text: in the alert id). */
export function matchesAlertUpdate(e: AlertUpdateEvent, f: AlertQuery): boolean {
  if (f.sources?.length && !f.sources.includes(e.source)) return false;
  if (f.statuses?.length && !f.statuses.includes(e.status)) return false;
  if (f.severities?.length && !f.severities.includes(e.severity)) return false;
  if (f.assignee && e.assignee !== f.assignee) return false;
  if (f.unassigned && e.assignee !== null) return false;
  if (f.from && e.createdAt < f.from) return false;
  if (f.to && e.createdAt > f.to) return false;
  return true;
}

/** alertUpdates: live, or with `after` the logged updates after that id first (on any instance). */
export async function alertUpdateStream(
  args: { filter?: AlertFilterInput | null; after?: string | null },
  ctx: Context,
): Promise<AsyncIterableIterator<AlertUpdateEvent | SubscriptionFailure>> {
  const log = ctx.services.triage.log;
  const after = args.after == null ? null : parseEventId(args.after);
  if (after !== null) await log.checkAfter(after);
  const filter = toQuery(args.filter);
  if (filter.text) throw badInput('filter.text does not apply to live updates', 'filter');
  return resumableStream(ctx.services.pubsub.subscribe('alert:update'), after === null ? null : log, after, (e) => matchesAlertUpdate(e, filter), {
    capacity: ctx.services.config.incidentFetch.subscriberBuffer,
    onDrop: (reason) => ctx.logger.warn({ reason: reason.message }, 'alertUpdates subscription ended'),
  });
}

/** The alert an update is about, as it is now. */
export async function alertOfUpdate(e: AlertUpdateEvent, ctx: Context): Promise<AlertNode> {
  const node = await alertById(ctx.services, e.alertId);
  if (!node) throw new GatewayError('NOT_FOUND', `alert ${e.alertId} is no longer stored`);
  return node;
}
