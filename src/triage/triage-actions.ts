// What an analyst does to alerts: move their status, assign them, comment. Each change is one transaction
// (the row locked, its activity written, the live update logged) and one audit entry. A status that means
// closed acts on the source first, as the source's own close does:
// - SaaS Security: RESOLVED/CLOSED closes the incident upstream with a category (CLOSED = misidentified;
//   RESOLVED takes business_justified or no_reason) through closeIncident's path; the upstream refusing fails
//   the change and leaves the status as it was. The API cannot reopen, so a closed incident stays closed.
// - STA: closing an alert whose playbook run is still open cancels the run (cancelStaPlaybookRun), with the
//   reference's post-processing question: removeUserFromGroup takes a parked user out of the group.
// - SAML: the status only; the dedup window goes on (later matches join the same alert).
import type { Services } from '../context.js';
import { DEFAULT_SAAS_INSTANCE, parseAlertId, type AlertRef, type TriageStatus } from '../domain/alert.js';
import type { CloseCategory } from '../domain/saas-security.js';
import { isClosedStatus, parseAlertCommentId, type AlertComment, type AlertRecord } from '../domain/triage.js';
import { badInput, errorCodeOf, GatewayError, notFound } from '../errors.js';
import { closeFetchedIncident } from '../fetch/outgoing-close.js';
import type { Actor } from '../identity/actor.js';
import type { Logger } from '../logger.js';
import { isOpen } from '../playbooks/sta-playbooks.js';
import { actorKey } from '../store/alerts.js';
import { alertById, type AlertNode } from './alert-queue.js';
import type { TriageTransaction } from './triage-transaction.js';

/** Panther's own bulk calls take more; 100 keeps one call's audit and upstream closes bounded. */
export const MAX_BULK_ALERTS = 100;
export const MAX_COMMENT_CHARS = 10_000;
export const MAX_ASSIGNEE_CHARS = 320;

export interface ActionContext {
  services: Services;
  actor: Actor;
  requestId: string | null;
  logger: Logger;
}

export interface AlertUpdateResult {
  alertId: string;
  alert: AlertNode | null;
  error: { code: string; message: string } | null;
}

function checkBulk(alertIds: readonly string[]): void {
  if (alertIds.length === 0) throw badInput('alertIds is empty', 'alertIds');
  if (alertIds.length > MAX_BULK_ALERTS) throw badInput(`at most ${MAX_BULK_ALERTS} alert ids per call`, 'alertIds');
}

function refOf(alertId: string): AlertRef {
  const ref = parseAlertId(alertId);
  if (!ref) throw badInput(`"${alertId}" is not an alert id (saas:<instance>:<incidentId>, sta:<id>, saml:<id>)`, 'alertIds');
  return ref;
}

async function lockedRow(t: TriageTransaction, alertId: string): Promise<AlertRecord> {
  const row = await t.rows.lock(t.trx, alertId);
  if (!row) throw notFound(`no alert ${alertId} is in the queue`);
  return row;
}

/** Each id on its own: one failing (unknown id, upstream refusal) fails nothing else. */
async function perId(c: ActionContext, action: string, alertIds: readonly string[], details: Record<string, unknown>, act: (alertId: string) => Promise<void>): Promise<AlertUpdateResult[]> {
  checkBulk(alertIds);
  const results: AlertUpdateResult[] = [];
  for (const raw of alertIds) {
    const alertId = raw.trim();
    const entry = await c.services.audit.begin({ actor: c.actor, action, target: `alert:${alertId}`, requestId: c.requestId, details });
    try {
      await act(alertId);
      await entry.succeeded();
      results.push({ alertId, alert: await alertById(c.services, alertId), error: null });
    } catch (e) {
      const code = errorCodeOf(e) ?? 'INTERNAL';
      await entry.failed(code);
      if (code === 'INTERNAL') c.logger.error({ err: e, alertId, action }, 'alert update failed');
      results.push({ alertId, alert: null, error: { code, message: code === 'INTERNAL' ? 'internal error' : (e as Error).message } });
    }
  }
  return results;
}

async function commentIn(t: TriageTransaction, record: AlertRecord, actor: Actor, body: string): Promise<AlertComment> {
  const comment = await t.rows.addComment(t.trx, record.alertId, actor, body, t.at);
  await t.rows.addActivity(t.trx, record.alertId, [{ at: t.at, actor, field: 'comment', from: null, to: comment.id, note: null }]);
  t.update('COMMENTED', record);
  return comment;
}

function checkBody(body: string): string {
  const b = body.trim();
  if (!b) throw badInput('a comment needs a body', 'body');
  if (b.length > MAX_COMMENT_CHARS) throw badInput(`a comment has at most ${MAX_COMMENT_CHARS} characters`, 'body');
  return b;
}

/** The status (and optional comment) in one transaction: for what has no upstream effect, or after it. */
function setStatus(c: ActionContext, alertId: string, to: TriageStatus, comment: string | null): Promise<void> {
  return c.services.triage.run(async (t) => {
    const row = await t.changeStatus(await lockedRow(t, alertId), to, c.actor, comment);
    if (comment) await commentIn(t, row, c.actor, comment);
  });
}

export interface UpdateStatusArgs {
  alertIds: readonly string[];
  status: TriageStatus;
  comment?: string | null;
  closeCategory?: CloseCategory | null;
  removeUserFromGroup?: boolean | null;
}

export function updateAlertStatus(c: ActionContext, args: UpdateStatusArgs): Promise<AlertUpdateResult[]> {
  const to = args.status;
  const comment = args.comment == null ? null : checkBody(args.comment);
  const details = { status: to, closeCategory: args.closeCategory ?? null, removeUserFromGroup: args.removeUserFromGroup ?? null };
  return perId(c, 'updateAlertStatus', args.alertIds, details, async (alertId) => {
    const ref = refOf(alertId);
    if (args.removeUserFromGroup && (ref.source !== 'STA_ALERT' || !isClosedStatus(to))) {
      throw badInput('removeUserFromGroup applies when closing (RESOLVED, CLOSED) an STA alert', 'removeUserFromGroup');
    }
    if (args.closeCategory && (ref.source !== 'SAAS_INCIDENT' || to !== 'RESOLVED')) {
      throw badInput('closeCategory applies when resolving a SaaS Security incident (CLOSED is always misidentified)', 'closeCategory');
    }
    const row = await c.services.triage.rows.get(alertId);
    if (!row) throw notFound(`no alert ${alertId} is in the queue`);
    if (ref.source === 'SAAS_INCIDENT') await saasStatus(c, row, to, args.closeCategory ?? null);
    else if (ref.source === 'STA_ALERT' && isClosedStatus(to)) await staClose(c, row, to, args.removeUserFromGroup ?? false);
    await setStatus(c, alertId, to, comment);
  });
}

/** A SaaS Security incident: a closed status is closed upstream first, with its category. */
async function saasStatus(c: ActionContext, row: AlertRecord, to: TriageStatus, closeCategory: CloseCategory | null): Promise<void> {
  // The incident's own tenant (its alert id names it): the close goes there.
  const ref = parseAlertId(row.alertId);
  const tenant = c.services.saasInstances?.find(ref?.source === 'SAAS_INCIDENT' ? ref.instance : DEFAULT_SAAS_INSTANCE);
  const sync = tenant?.sync;
  const record = await sync?.store.get(Number(row.sourceId));
  if (!tenant || !sync || !record) throw notFound(`SaaS Security incident ${row.sourceId} is not stored by this gateway`);
  if (!isClosedStatus(to)) {
    if (record.gateway.gatewayState === 'CLOSED' || isClosedStatus(row.status)) {
      throw new GatewayError('UPSTREAM_REJECTED', `SaaS Security incident ${row.sourceId} is closed and the SaaS Security API cannot reopen it`);
    }
    return;
  }
  if (to === 'RESOLVED' && closeCategory !== 'BUSINESS_JUSTIFIED' && closeCategory !== 'NO_REASON') {
    throw badInput('RESOLVED closes the incident upstream: closeCategory BUSINESS_JUSTIFIED or NO_REASON is needed (CLOSED is misidentified)', 'closeCategory');
  }
  if (row.status === to) return;
  const category: CloseCategory = to === 'CLOSED' ? 'MISIDENTIFIED' : closeCategory!;
  // closeIncident's path: upstream first; the incident's commit moves the triage status (by this analyst).
  await closeFetchedIncident({ ...sync.deps, connector: tenant.connector, logger: c.logger, actor: c.actor }, record, category);
}

/** An STA alert whose run is still open: the run is cancelled (with the post-processing question). */
async function staClose(c: ActionContext, row: AlertRecord, to: TriageStatus, removeUserFromGroup: boolean): Promise<void> {
  const alert = await c.services.staAlerts.store.get(row.sourceId);
  if (!alert) throw notFound(`STA alert ${row.sourceId} is not stored`);
  if (!alert.run || !isOpen(alert.run)) {
    if (removeUserFromGroup) throw badInput(`the playbook run of ${row.alertId} is over: no user is parked`, 'removeUserFromGroup');
    return;
  }
  await c.services.staAlerts.cancel(alert.id, c.actor.id, { removeUserFromGroup, triage: { actor: c.actor, status: to } });
}

export function assignAlerts(c: ActionContext, args: { alertIds: readonly string[]; assignee?: string | null }): Promise<AlertUpdateResult[]> {
  const assignee = args.assignee == null || args.assignee.trim() === '' ? null : args.assignee.trim();
  if (assignee && assignee.length > MAX_ASSIGNEE_CHARS) throw badInput(`an assignee has at most ${MAX_ASSIGNEE_CHARS} characters`, 'assignee');
  return perId(c, 'assignAlerts', args.alertIds, { assignee }, async (alertId) => {
    refOf(alertId);
    await c.services.triage.run(async (t) => {
      const row = await lockedRow(t, alertId);
      if (row.assignee === assignee) return;
      await t.rows.patch(t.trx, alertId, { assignee, updated_at: t.at, updated_by: JSON.stringify(c.actor) });
      await t.rows.addActivity(t.trx, alertId, [{ at: t.at, actor: c.actor, field: 'assignee', from: row.assignee, to: assignee }]);
      t.update('ASSIGNED', { ...row, assignee, updatedAt: t.at, updatedBy: c.actor });
    });
  });
}

export async function addAlertComment(c: ActionContext, args: { alertId: string; body: string }): Promise<AlertComment> {
  const alertId = args.alertId.trim();
  const body = checkBody(args.body);
  refOf(alertId);
  const entry = await c.services.audit.begin({ actor: c.actor, action: 'addAlertComment', target: `alert:${alertId}`, requestId: c.requestId });
  try {
    const comment = await c.services.triage.run(async (t) => commentIn(t, await lockedRow(t, alertId), c.actor, body));
    await entry.succeeded({ commentId: comment.id });
    return comment;
  } catch (e) {
    await entry.failed(errorCodeOf(e) ?? 'INTERNAL');
    throw e;
  }
}

/** Only its author may edit a comment; the earlier body is kept in its edits. */
export async function editAlertComment(c: ActionContext, args: { commentId: string; body: string }): Promise<AlertComment> {
  const body = checkBody(args.body);
  const ref = parseAlertCommentId(args.commentId.trim());
  if (!ref) throw badInput(`"${args.commentId}" is not a comment id`, 'commentId');
  const entry = await c.services.audit.begin({ actor: c.actor, action: 'editAlertComment', target: `alert:${ref.alertId}`, requestId: c.requestId, details: { commentId: args.commentId } });
  try {
    const comment = await c.services.triage.run(async (t) => {
      const row = await lockedRow(t, ref.alertId);
      const found = await t.rows.comment(ref.alertId, ref.seq, t.trx);
      if (!found) throw notFound(`no comment ${args.commentId}`);
      if (actorKey(found.author) !== actorKey(c.actor)) throw new GatewayError('FORBIDDEN', 'only the author of a comment may edit it');
      if (found.body === body) return found;
      const edited: AlertComment = { ...found, body, editedAt: t.at, edits: [...found.edits, { body: found.body, replacedAt: t.at }] };
      await t.rows.saveCommentEdit(t.trx, edited);
      await t.rows.addActivity(t.trx, ref.alertId, [{ at: t.at, actor: c.actor, field: 'comment', from: found.id, to: found.id, note: 'edited' }]);
      t.update('COMMENTED', row);
      return edited;
    });
    await entry.succeeded();
    return comment;
  } catch (e) {
    await entry.failed(errorCodeOf(e) ?? 'INTERNAL');
    throw e;
  }
}
