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

/** A status change, as the alert destinations hear of it (inside the transaction of the change). */
export interface StatusChange {
  before: AlertRecord;
  after: AlertRecord;
  actor: Actor;
  note: string | null;
}

export type StatusChangeHook = (trx: Transaction<Tables>, change: StatusChange) => Promise<unknown>;

export class TriageTransaction {
  private readonly pending: NewAlertUpdateEvent[] = [];

  constructor(
    readonly trx: Transaction<Tables>,
    readonly rows: AlertRows,
    private readonly log: EventLog<AlertUpdateEvent>,
    /** ISO time of the change. */
    readonly at: string,
    /** Writes what a status change causes beyond the queue (the destinations' outbox rows). */
    private readonly onStatusChanged: readonly StatusChangeHook[] = [],
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
    // The destinations' STATUS_CHANGED deliveries, in this same transaction (src/destinations/).
    for (const hook of this.onStatusChanged) await hook(this.trx, { before: record, after: next, actor, note });
    return next;
  }

  /** Logs the updates (inside the transaction): what to publish once it has committed. */
  finish(): Promise<AlertUpdateEvent[]> {
    return this.log.append(this.trx, this.pending.splice(0));
  }
}
