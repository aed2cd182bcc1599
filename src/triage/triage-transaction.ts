// One triage write: the row changes, their activity entries and the queue's live updates, inside one database
// transaction (the source's own when a source changes an alert, the triage mutation's otherwise). The updates
// are logged in the transaction (ids agree on every instance) and published once it has committed.
import type { Transaction } from 'kysely';
import type { TriageStatus } from '../domain/alert.js';
import { isClosedStatus, type AlertRecord, type AlertUpdateEvent, type AlertUpdateKind, type NewAlertUpdateEvent } from '../domain/triage.js';
import type { Actor } from '../identity/actor.js';
import type { AlertRows } from '../store/alerts.js';
import type { EventLog } from '../store/event-log.js';
import type { Tables } from '../store/tables.js';
import type { AlertNotice } from '../domain/alert-delivery.js';
import { statusNotice } from './status-notice.js';

/** The destinations outbox's enqueue: writes the notice's deliveries in the transaction it is given. */
export type EnqueueNotice = (trx: Transaction<Tables>, notice: AlertNotice) => Promise<unknown>;

export class TriageTransaction {
  private readonly pending: NewAlertUpdateEvent[] = [];

  constructor(
    readonly trx: Transaction<Tables>,
    readonly rows: AlertRows,
    private readonly log: EventLog<AlertUpdateEvent>,
    /** ISO time of the change. */
    readonly at: string,
    private readonly enqueue: EnqueueNotice | null = null,
  ) {}

  /** A live update about `record` as it now is. */
  update(kind: AlertUpdateKind, record: AlertRecord): void {
    this.pending.push({
      kind,
      alertId: record.alertId,
      source: record.source,
      status: record.status,
      severity: record.severity,
      assignee: record.assignee,
      createdAt: record.createdAt,
      at: this.at,
    });
  }

  /**
   * THE place an alert's status changes, whoever moves it (an analyst, a source closing or reopening it): the
   * row, its activity entry and the STATUS_CHANGED update, in this transaction. `record` must be locked by it.
   */
  async changeStatus(record: AlertRecord, to: TriageStatus, actor: Actor, note: string | null = null): Promise<AlertRecord> {
    if (record.status === to) return record;
    const next: AlertRecord = {
      ...record,
      status: to,
      updatedAt: this.at,
      updatedBy: actor,
      triagedAt: record.triagedAt ?? (to !== 'OPEN' ? this.at : null),
      resolvedAt: isClosedStatus(to) ? this.at : null,
    };
    await this.rows.patch(this.trx, record.alertId, {
      status: to,
      updated_at: this.at,
      updated_by: JSON.stringify(actor),
      triaged_at: next.triagedAt,
      resolved_at: next.resolvedAt,
    });
    await this.rows.addActivity(this.trx, record.alertId, [{ at: this.at, actor, field: 'status', from: record.status, to, note }]);
    this.update('STATUS_CHANGED', next);
    // The destinations outbox: the STATUS_CHANGED notice is written in the same transaction as the change.
    await this.enqueue?.(this.trx, statusNotice(next, record.status, actor, note, this.at));
    return next;
  }

  /** Logs the updates (inside the transaction): what to publish once it has committed. */
  finish(): Promise<AlertUpdateEvent[]> {
    return this.log.append(this.trx, this.pending.splice(0));
  }
}
