// The STA alerts and their playbook runs, kept in the sta_alerts table (src/store/sta-alerts.ts). A write is
// committed before its events are published, so a subscriber never sees a state a crash could undo.
import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { TriageStatus } from '../domain/alert.js';
import type { Actor } from '../identity/actor.js';
import type { Tables } from '../store/tables.js';
import type { StaAlert, StaAlertEvent, StaAlertEventType, StaStepName } from '../domain/sta-alert.js';
import type { GatewayPubSub } from '../pubsub.js';
import type { Database } from '../store/database.js';
import { EventLog } from '../store/event-log.js';
import { StaAlertRows, type StaAlertQuery } from '../store/sta-alerts.js';
import { isActive, OPEN_RUN_STATES } from './sta-playbooks.js';

export { StaleAlertError, type StaAlertQuery } from '../store/sta-alerts.js';

/**
 * A stable id from the Message-ID (the same email seen twice, even after the mailbox was rebuilt with a new
 * UIDVALIDITY, is one alert), or from the mailbox position when the email has no Message-ID.
 */
export function staAlertId(messageId: string | null, source: string): string {
  const basis = messageId ? `message-id:${messageId}` : `source:${source}`;
  return `sta-${createHash('sha256').update(basis).digest('hex').slice(0, 20)}`;
}

/** Who ended a run and the status asked for, when an analyst did (the triage queue records it). */
export interface StaTriageIntent {
  actor?: Actor | null;
  status?: TriageStatus | null;
}

/** The triage queue's index, kept in the same transaction as the alerts (src/triage/alert-index.ts). */
export type StaAlertSync = (trx: Transaction<Tables>, alerts: readonly StaAlert[], intent: StaTriageIntent) => Promise<() => void>;

export interface StaAlertChange {
  alert: StaAlert;
  events: Array<{ type: StaAlertEventType; step?: StaStepName | null }>;
}

/** The run's next due time, if it is active: what the runner's timer looks for. */
const dueAtOf = (a: StaAlert): string | null => (a.run && isActive(a.run) ? a.run.dueAt : null);

export class StaAlertStore {
  /** Every published event with its id, for staAlertEvents(after:). */
  readonly events: EventLog<StaAlertEvent>;

  private constructor(
    readonly rows: StaAlertRows,
    private readonly pubsub: GatewayPubSub,
    database: Database,
    private readonly alerts?: StaAlertSync,
  ) {
    this.events = new EventLog<StaAlertEvent>(database.db, 'sta-alert', 'STA alert events');
  }

  static open(database: Database, pubsub: GatewayPubSub, alerts?: StaAlertSync): StaAlertStore {
    return new StaAlertStore(new StaAlertRows(database.db, dueAtOf), pubsub, database, alerts);
  }

  has(id: string): Promise<boolean> {
    return this.rows.has(id);
  }

  /** The alert as stored: callers change it and hand it back to save(). */
  get(id: string): Promise<StaAlert | undefined> {
    return this.rows.get(id);
  }

  /** Alerts matching `q`, newest first, at most `limit`. */
  list(q: StaAlertQuery, limit: number): Promise<StaAlert[]> {
    return this.rows.list(q, limit);
  }

  /** The user's push-rejection (or other `kind`) alerts whose run is not over for good. */
  openRunsOf(userName: string, kind: StaAlert['kind']): Promise<StaAlert[]> {
    return this.rows.openRunsOf(userName, kind, OPEN_RUN_STATES);
  }

  /**
   * All changes in one transaction, then their events. Throws StaleAlertError (writing nothing) when one of
   * the alerts changed since it was read. With `insert`, a new alert whose id exists is not an error: the
   * call returns false (another instance recorded the same email) and publishes nothing.
   */
  async save(changes: StaAlertChange[], at: string, opts: { insert?: boolean; triage?: StaTriageIntent } = {}): Promise<boolean> {
    if (changes.length === 0) return true;
    // Snapshots taken before the write: the caller goes on changing its alert objects afterwards.
    const events: Array<Omit<StaAlertEvent, 'id'>> = changes.flatMap((c) => {
      const snapshot = c.events.length ? structuredClone(c.alert) : c.alert;
      return c.events.map((e) => ({ type: e.type, alert: snapshot, step: e.step ?? null, at }));
    });
    let logged: StaAlertEvent[] = [];
    let publishAlerts: (() => void) | undefined;
    const alerts = changes.map((c) => c.alert);
    const saved = await this.rows.save(alerts, {
      insert: opts.insert,
      alsoInTransaction: async (trx) => {
        logged = await this.events.append(trx, events);
        publishAlerts = await this.alerts?.(trx, alerts, opts.triage ?? {});
      },
    });
    if (!saved) return false;
    for (const event of logged) this.pubsub.publish('sta-alert:event', event);
    publishAlerts?.();
    return true;
  }

  close(): void {}
}
