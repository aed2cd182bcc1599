// The queue's index of every alert, kept by the sources themselves: each source store calls its sync here
// inside the transaction that writes its own record, so an alert is in the queue exactly when its source has
// it, and a source closing (or reopening) an alert moves its triage status in that same commit.
//
// Source rules (docs/triage.md):
// - SaaS Security: a new incident starts OPEN, or RESOLVED/CLOSED when the gateway record is already closed
//   (close-mirrored); a record the gateway closes (closeIncident, close-mirrored) moves a status that is not
//   closed to the close category's (misidentified: CLOSED), by the analyst who closed it or SYSTEM; an
//   incident open again at the source after being closed there moves a closed status back to OPEN.
// - STA: the run's end (completed, superseded, cancelled) resolves the alert (SYSTEM, or the analyst who
//   cancelled); a cancelled run resumed by a retry reopens it.
// - SAML: a later match joining a detection someone has already triaged is written in its activity; the
//   status stays (a status change never resets the dedup window).
import type { Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { AlertUpdateEvent, AlertRecord, SourceAlert } from '../domain/triage.js';
import { isClosedStatus } from '../domain/triage.js';
import { DEFAULT_SAAS_INSTANCE, type TriageStatus } from '../domain/alert.js';
import type { SamlDetectionEvent } from '../domain/saml-detection.js';
import type { StaAlert } from '../domain/sta-alert.js';
import { systemActor, type Actor } from '../identity/actor.js';
import type { GatewayPubSub } from '../pubsub.js';
import { storedIncident, type StoredIncident } from '../fetch/incident-store.js';
import { AlertRows } from '../store/alerts.js';
import type { Database } from '../store/database.js';
import { EventLog } from '../store/event-log.js';
import type { Tables } from '../store/tables.js';
import { incidentSourceAlert, samlSourceAlert, staSourceAlert, statusOfCloseCategory } from './source-alerts.js';
import { TriageTransaction, type StatusChangeHook } from './triage-transaction.js';

/** Publishes what a committed transaction logged. */
export type AfterCommit = () => void;

/** STA run states after which the alert is closed at its source. */
const STA_ENDED = new Set(['COMPLETED', 'CANCELLED', 'SUPERSEDED', 'CLOSED']);

export interface StaSyncOptions {
  /** Who ended the run, when an analyst did (cancel); SYSTEM otherwise. */
  actor?: Actor | null;
  /** The status an analyst's close asked for (updateAlertStatus); RESOLVED otherwise. */
  status?: TriageStatus | null;
}

export class AlertIndex {
  readonly rows: AlertRows;
  readonly log: EventLog<AlertUpdateEvent>;
  private readonly statusHooks: StatusChangeHook[] = [];

  constructor(
    private readonly database: Database,
    private readonly pubsub: GatewayPubSub,
    private readonly clock: Clock,
    maxEvents?: number,
  ) {
    this.rows = new AlertRows(database);
    this.log = new EventLog<AlertUpdateEvent>(database.db, 'alert', 'alert updates', maxEvents);
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** Also runs `hook` in the transaction of every status change (the alert destinations enqueue there). */
  onStatusChanged(hook: StatusChangeHook): void {
    this.statusHooks.push(hook);
  }

  publish(events: readonly AlertUpdateEvent[]): void {
    for (const e of events) this.pubsub.publish('alert:update', e);
  }

  /** Runs `fn` in `trx` (someone else's transaction); the returned function publishes after its commit. */
  async within(trx: Transaction<Tables>, fn: (t: TriageTransaction) => Promise<void>): Promise<AfterCommit> {
    const t = new TriageTransaction(trx, this.rows, this.log, this.now(), this.statusHooks);
    await fn(t);
    const logged = await t.finish();
    return () => this.publish(logged);
  }

  /** Runs `fn` in a transaction of its own, publishes its updates once committed, returns its result. */
  async run<T>(fn: (t: TriageTransaction) => Promise<T>): Promise<T> {
    let result!: T;
    const after = await this.database.db.transaction().execute((trx) =>
      this.within(trx, async (t) => {
        result = await fn(t);
      }),
    );
    after();
    return result;
  }

  /** Inserts a new alert or rewrites what its source says; returns the row, locked, and whether it is new. */
  private async upsert(t: TriageTransaction, a: SourceAlert, existing: AlertRecord | undefined): Promise<{ record: AlertRecord; created: boolean; changed: boolean }> {
    if (!existing) {
      await this.rows.insert(t.trx, a, { status: 'OPEN', at: t.at, by: null });
      const record: AlertRecord = { ...a, status: 'OPEN', assignee: null, updatedAt: null, updatedBy: null, triagedAt: null, resolvedAt: null };
      t.update('CREATED', record);
      return { record, created: true, changed: true };
    }
    const record: AlertRecord = { ...existing, ...a };
    const changed = (['severity', 'title', 'createdAt', 'searchText', 'sourceState'] as const).some((k) => existing[k] !== a[k]);
    if (changed) {
      await this.rows.updateSource(t.trx, a);
      t.update('UPDATED', record);
    }
    return { record, created: false, changed };
  }

  /** IncidentStore.commit's hook: the incidents it writes, in its transaction. `actor`: who closed them (closeIncident). */
  syncIncidents = (trx: Transaction<Tables>, records: readonly StoredIncident[], actor: Actor | null, instance: string = DEFAULT_SAAS_INSTANCE): Promise<AfterCommit> =>
    this.within(trx, async (t) => {
      if (!records.length) return;
      const alerts = records.map((r) => ({ r, a: incidentSourceAlert(storedIncident(r, instance), r.gateway.fetchedAt) }));
      const existing = await this.rows.getMany(alerts.map((x) => x.a.alertId), trx);
      for (const { r, a } of alerts.sort((x, y) => x.a.alertId.localeCompare(y.a.alertId))) {
        const before = existing.get(a.alertId);
        const { record } = await this.upsert(t, a, before);
        const gatewayClosed = r.gateway.gatewayState === 'CLOSED';
        const wanted = statusOfCloseCategory(r.wire.category ?? r.gateway.closeReason);
        if (gatewayClosed && (!isClosedStatus(record.status) || (actor && record.status !== wanted))) {
          await t.changeStatus(record, wanted, actor ?? systemActor('incident-fetch'), r.gateway.closeReason);
        } else if (!gatewayClosed && isClosedStatus(record.status) && before?.sourceState?.startsWith('CLOSED') && a.sourceState === 'OPEN') {
          await t.changeStatus(record, 'OPEN', systemActor('incident-fetch'), 'Reopened at the source');
        }
      }
    });

  /** StaAlertStore.save's hook. */
  syncStaAlerts = (trx: Transaction<Tables>, alerts: readonly StaAlert[], opts: StaSyncOptions = {}): Promise<AfterCommit> =>
    this.within(trx, async (t) => {
      if (!alerts.length) return;
      const mapped = alerts.map((alert) => ({ alert, a: staSourceAlert(alert) }));
      const existing = await this.rows.getMany(mapped.map((x) => x.a.alertId), trx);
      for (const { alert, a } of mapped.sort((x, y) => x.a.alertId.localeCompare(y.a.alertId))) {
        const before = existing.get(a.alertId);
        const { record } = await this.upsert(t, a, before);
        const ended = alert.state === 'CLOSED';
        const wasEnded = before ? STA_ENDED.has(before.sourceState ?? '') : false;
        if (ended && !wasEnded && !isClosedStatus(record.status)) {
          const by = opts.actor ?? systemActor('sta-playbook');
          const note = [alert.closeReason, alert.closeNotes].filter(Boolean).join(': ') || null;
          await t.changeStatus(record, opts.status && isClosedStatus(opts.status) ? opts.status : 'RESOLVED', by, note);
        } else if (!ended && wasEnded && isClosedStatus(record.status)) {
          await t.changeStatus(record, 'OPEN', opts.actor ?? systemActor('sta-playbook'), 'The playbook run was resumed');
        }
      }
    });

  /** SamlAlertTables' hook: the detections a grouping batch created or grew, in its transaction. */
  syncSamlDetections = (trx: Transaction<Tables>, events: readonly SamlDetectionEvent[]): Promise<AfterCommit> =>
    this.within(trx, async (t) => {
      if (!events.length) return;
      const mapped = events.map((e) => ({ d: e.detection, a: samlSourceAlert(e.detection) }));
      const existing = await this.rows.getMany(mapped.map((x) => x.a.alertId), trx);
      for (const { d, a } of mapped.sort((x, y) => x.a.alertId.localeCompare(y.a.alertId))) {
        const before = existing.get(a.alertId);
        const { record, changed } = await this.upsert(t, a, before);
        if (!before) continue;
        if (record.status !== 'OPEN') {
          // Panther: a status change does not reset the dedup window; the analyst learns that more came in.
          await this.rows.addActivity(trx, a.alertId, [
            { at: t.at, actor: systemActor('saml-detection'), field: 'match', from: null, to: String(d.eventCount), note: `A later match joined this ${record.status} alert (${d.eventCount} events)` },
          ]);
        }
        if (!changed) t.update('UPDATED', record);
      }
    });

  /** Drops the SaaS Security alerts of the sandbox (its incidents are regenerated at every start). */
  async clearSaasAlerts(trx: Transaction<Tables>): Promise<void> {
    await this.rows.clearPrefix(trx, 'saas:');
  }
}
