// The SAML alert tables: each dedup window (the detection it becomes, with the key and start that grouping
// looks up) and the matched events of each. Grouping a batch runs in one transaction, serialised across
// instances (a PostgreSQL transaction-level advisory lock; SQLite has one writer anyway), so two instances
// ingesting at once neither open the same window twice nor lose a count.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { SamlDetection, SamlDetectionEvent, SamlMatchedEvent } from '../domain/saml-detection.js';
import type { Database } from './database.js';
import { EventLog } from './event-log.js';
import type { Tables } from './tables.js';

/** A window as stored: the detection it becomes plus what grouping needs. */
export interface AlertWindow {
  key: string;
  /** Panther's alertCount for the key: 1 for its first window. */
  seq: number;
  startMs: number;
  detection: SamlDetection;
}

export interface StoredMatch extends SamlMatchedEvent {
  /** The same match seen again (the file re-read, the body re-posted) has the same key: it counts once. */
  matchKey: string;
}

export interface DetectionQuery {
  threshold: number;
  /** Windows that overlap [from, to] (ISO). */
  from?: string | null;
  to?: string | null;
  accountIds?: readonly string[] | null;
  actorArn?: string | null;
  /** Keyset position: newest window first, then by id. */
  after?: { firstEventAt: string; id: string } | null;
}

/** The triage queue's index, kept in the grouping's transaction (src/triage/alert-index.ts). */
export type SamlAlertSync = (trx: Transaction<Tables>, events: readonly SamlDetectionEvent[]) => Promise<() => void>;

/** Arbitrary but fixed: the advisory lock that serialises SAML grouping on PostgreSQL. */
const GROUPING_LOCK = 0x5a3170;

/** Reads and writes one grouping batch, inside its transaction. */
export interface GroupingTx {
  /** The window of `key` with the latest start at or before `ms`. */
  windowAtOrBefore(key: string, ms: number): Promise<AlertWindow | undefined>;
  maxSeq(key: string): Promise<number>;
  eventCount(alertId: string): Promise<number>;
  hasMatch(alertId: string, matchKey: string): Promise<boolean>;
  write(windows: readonly AlertWindow[], events: readonly StoredMatch[]): Promise<void>;
  /** Logs the detection events of the batch (ids from the database), to publish after the commit. */
  log(events: ReadonlyArray<Omit<SamlDetectionEvent, 'id'>>): Promise<SamlDetectionEvent[]>;
}

export class SamlAlertTables {
  /** Every published detection event with its id, for samlDetectionEvents(after:). */
  readonly log: EventLog<SamlDetectionEvent>;

  constructor(
    private readonly database: Database,
    private readonly alerts?: SamlAlertSync,
  ) {
    this.log = new EventLog<SamlDetectionEvent>(database.db, 'saml-detection', 'SAML detection events');
  }

  private get db(): Kysely<Tables> {
    return this.database.db;
  }

  /** Runs `fn` in one transaction that no other grouping (on any instance) runs alongside. */
  async group<T>(fn: (tx: GroupingTx) => Promise<T>): Promise<T> {
    const afterCommit: Array<() => void> = [];
    const result = await this.db.transaction().execute(async (trx) => {
      if (this.database.engine === 'postgres') await sql`select pg_advisory_xact_lock(${GROUPING_LOCK})`.execute(trx);
      return fn(groupingTx(trx, this.log, this.alerts, afterCommit));
    });
    for (const publish of afterCommit) publish();
    return result;
  }

  async window(id: string): Promise<AlertWindow | undefined> {
    const row = await this.db.selectFrom('saml_windows').select('body').where('id', '=', id).executeTakeFirst();
    return row ? (JSON.parse(row.body) as AlertWindow) : undefined;
  }

  /** Detections (windows at the threshold) matching `q`, newest first, at most `limit`. */
  async detections(q: DetectionQuery, limit: number): Promise<SamlDetection[]> {
    let query = this.db.selectFrom('saml_windows').select('body').where('event_count', '>=', q.threshold);
    if (q.from) query = query.where('last_event_at', '>=', q.from);
    if (q.to) query = query.where('first_event_at', '<=', q.to);
    if (q.accountIds?.length) query = query.where('account_id', 'in', [...q.accountIds]);
    if (q.actorArn) query = query.where('actor_arn', '=', q.actorArn);
    const after = q.after;
    if (after) query = query.where((eb) => eb.or([eb('first_event_at', '<', after.firstEventAt), eb.and([eb('first_event_at', '=', after.firstEventAt), eb('id', '>', after.id)])]));
    const rows = await query.orderBy('first_event_at', 'desc').orderBy('id', 'asc').limit(limit).execute();
    return rows.map((r) => (JSON.parse(r.body) as AlertWindow).detection);
  }

  /** How many windows reached the threshold. */
  async countDetections(threshold: number): Promise<number> {
    const row = await this.db.selectFrom('saml_windows').select((eb) => eb.fn.countAll<number>().as('n')).where('event_count', '>=', threshold).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The matched events of an alert, oldest first (eventTime, then arrival), after a keyset position. */
  async events(alertId: string, after: { eventTime: string; n: number } | null, limit: number): Promise<SamlMatchedEvent[]> {
    let query = this.db.selectFrom('saml_events').select('body').where('alert_id', '=', alertId);
    if (after) query = query.where((eb) => eb.or([eb('event_time', '>', after.eventTime), eb.and([eb('event_time', '=', after.eventTime), eb('n', '>', after.n)])]));
    const rows = await query.orderBy('event_time', 'asc').orderBy('n', 'asc').limit(limit).execute();
    return rows.map((r) => JSON.parse(r.body) as SamlMatchedEvent);
  }
}

function groupingTx(trx: Transaction<Tables>, log: EventLog<SamlDetectionEvent>, alerts: SamlAlertSync | undefined, afterCommit: Array<() => void>): GroupingTx {
  return {
    async log(events) {
      const logged = await log.append(trx, events);
      if (alerts && logged.length) afterCommit.push(await alerts(trx, logged));
      return logged;
    },
    async windowAtOrBefore(key, ms) {
      const row = await trx.selectFrom('saml_windows').select('body').where('key', '=', key).where('start_ms', '<=', ms).orderBy('start_ms', 'desc').limit(1).executeTakeFirst();
      return row ? (JSON.parse(row.body) as AlertWindow) : undefined;
    },
    async maxSeq(key) {
      const row = await trx.selectFrom('saml_windows').select((eb) => eb.fn.max('seq').as('seq')).where('key', '=', key).executeTakeFirst();
      return Number(row?.seq ?? 0);
    },
    async eventCount(alertId) {
      const row = await trx.selectFrom('saml_events').select((eb) => eb.fn.max('n').as('n')).where('alert_id', '=', alertId).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async hasMatch(alertId, matchKey) {
      return (await trx.selectFrom('saml_events').select('n').where('alert_id', '=', alertId).where('match_key', '=', matchKey).executeTakeFirst()) !== undefined;
    },
    async write(windows, events) {
      for (let i = 0; i < events.length; i += 200) {
        await trx
          .insertInto('saml_events')
          .values(
            events.slice(i, i + 200).map(({ matchKey, ...e }) => ({ alert_id: e.alertId, n: e.n, match_key: matchKey, event_time: e.eventTime, body: JSON.stringify(e) })),
          )
          .execute();
      }
      for (const w of windows) {
        const d = w.detection;
        const columns = {
          key: w.key,
          seq: w.seq,
          start_ms: w.startMs,
          event_count: d.eventCount,
          first_event_at: d.firstEventAt,
          last_event_at: d.lastEventAt,
          account_id: d.accountId,
          actor_arn: d.actorArn,
          body: JSON.stringify(w),
        };
        await trx
          .insertInto('saml_windows')
          .values({ id: d.id, ...columns })
          .onConflict((oc) => oc.column('id').doUpdateSet(columns))
          .execute();
      }
    },
  };
}
