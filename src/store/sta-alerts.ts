// The STA alert table: one row per alert with its playbook run as JSON, and beside it the columns the
// playbook runner and the alert listing query by (when a run is due, its user, its state), each indexed.
//
// Every row has a version. A read hands it out with the alert (hidden, see versionOf); a write based on it
// succeeds only if the row still has that version. So of two instances (or a timer and an analyst's retry)
// acting on the same run, exactly one claims a step; the other is told with StaleAlertError and re-reads.
import type { Kysely, Transaction } from 'kysely';
import type { StaAlert, StaAlertKind, StaAlertState, StaRunState } from '../domain/sta-alert.js';
import type { Tables } from './tables.js';

const VERSION = Symbol('sta-alert-version');
type Versioned = StaAlert & { [VERSION]?: number };

/** The alert was changed by someone else since it was read: nothing was written. */
export class StaleAlertError extends Error {
  constructor(readonly alertId: string) {
    super(`STA alert ${alertId} was changed meanwhile (by another instance or request): read it again`);
  }
}

export interface StaAlertQuery {
  kinds?: readonly StaAlertKind[] | null;
  states?: readonly StaAlertState[] | null;
  runStates?: readonly StaRunState[] | null;
  /** Case-insensitive exact user name. */
  userName?: string | null;
  /** ISO-8601, inclusive. */
  recordedFrom?: string | null;
  recordedTo?: string | null;
  /** Strictly older than this (recordedAt, id) position, for keyset paging. */
  before?: { recordedAt: string; id: string } | null;
}

export const userKey = (name: string | null | undefined): string | null => (name ? name.trim().toLowerCase() : null);

export class StaAlertRows {
  constructor(
    private readonly db: Kysely<Tables>,
    /** When the run has work due (null when inactive): decided by the playbook rules, stored for the index. */
    private readonly dueAtOf: (a: StaAlert) => string | null,
  ) {}

  async get(id: string): Promise<StaAlert | undefined> {
    const row = await this.db.selectFrom('sta_alerts').select(['body', 'version']).where('id', '=', id).executeTakeFirst();
    return row ? withVersion(JSON.parse(row.body) as StaAlert, row.version) : undefined;
  }

  /** The alerts of `ids` that exist, by id, in one query per 500 (a page of the triage queue). */
  async getMany(ids: readonly string[]): Promise<Map<string, StaAlert>> {
    const out = new Map<string, StaAlert>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      if (!chunk.length) continue;
      const rows = await this.db.selectFrom('sta_alerts').select(['id', 'body', 'version']).where('id', 'in', chunk).execute();
      for (const r of rows) out.set(r.id, withVersion(JSON.parse(r.body) as StaAlert, r.version));
    }
    return out;
  }

  async has(id: string): Promise<boolean> {
    return (await this.db.selectFrom('sta_alerts').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  /**
   * Writes the alerts in one transaction. A new alert is inserted unless one with its id exists (then the
   * call returns false and writes nothing); a read alert is written only if unchanged since it was read.
   */
  async save(alerts: readonly StaAlert[], opts: { insert?: boolean; alsoInTransaction?: (trx: Transaction<Tables>) => Promise<void> } = {}): Promise<boolean> {
    if (alerts.length === 0) return true;
    const ok = await this.db.transaction().execute(async (trx) => {
      for (const a of alerts as Versioned[]) {
        const columns = this.columns(a);
        const version = a[VERSION];
        if (version === undefined) {
          const r = await trx
            .insertInto('sta_alerts')
            .values({ id: a.id, version: 1, ...columns })
            .onConflict((oc) => oc.column('id').doNothing())
            .executeTakeFirst();
          if (Number(r.numInsertedOrUpdatedRows ?? 0) === 0) {
            if (opts.insert) return false;
            throw new StaleAlertError(a.id);
          }
        } else {
          const r = await trx
            .updateTable('sta_alerts')
            .set({ ...columns, version: version + 1 })
            .where('id', '=', a.id)
            .where('version', '=', version)
            .executeTakeFirst();
          if (Number(r.numUpdatedRows) === 0) throw new StaleAlertError(a.id);
        }
      }
      await opts.alsoInTransaction?.(trx);
      return true;
    });
    if (ok) for (const a of alerts as Versioned[]) a[VERSION] = (a[VERSION] ?? 0) + 1;
    return ok;
  }

  /** Alerts matching the query, newest first by (recordedAt, id), at most `limit`. */
  async list(q: StaAlertQuery, limit: number): Promise<StaAlert[]> {
    let query = this.db.selectFrom('sta_alerts').select(['body', 'version']);
    if (q.kinds?.length) query = query.where('kind', 'in', [...q.kinds]);
    if (q.states?.length) query = query.where('state', 'in', [...q.states]);
    if (q.runStates?.length) query = query.where('run_state', 'in', [...q.runStates]);
    if (q.userName) query = query.where('user_key', '=', userKey(q.userName));
    if (q.recordedFrom) query = query.where('recorded_at', '>=', q.recordedFrom);
    if (q.recordedTo) query = query.where('recorded_at', '<=', q.recordedTo);
    const before = q.before;
    if (before) {
      query = query.where((eb) => eb.or([eb('recorded_at', '<', before.recordedAt), eb.and([eb('recorded_at', '=', before.recordedAt), eb('id', '<', before.id)])]));
    }
    const rows = await query.orderBy('recorded_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => withVersion(JSON.parse(r.body) as StaAlert, r.version));
  }

  /** How many alerts have a run in each state. */
  async countByRunState(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('sta_alerts')
      .select((eb) => ['run_state', eb.fn.countAll<number>().as('n')])
      .where('run_state', 'is not', null)
      .groupBy('run_state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.run_state as string, Number(r.n)]));
  }

  /** Ids of the runs due at `nowIso`, the longest overdue first. */
  async dueIds(nowIso: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('sta_alerts')
      .select('id')
      .where('due_at', 'is not', null)
      .where('due_at', '<=', nowIso)
      .orderBy('due_at', 'asc')
      .orderBy('recorded_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map((r) => r.id);
  }

  /** When the next run is due (ISO), or null when none is. */
  async nextDueAt(): Promise<string | null> {
    const row = await this.db.selectFrom('sta_alerts').select('due_at').where('due_at', 'is not', null).orderBy('due_at', 'asc').limit(1).executeTakeFirst();
    return row?.due_at ?? null;
  }

  /** Whether some run was superseded by alert `id`'s. */
  async supersedesAnother(id: string): Promise<boolean> {
    return (await this.db.selectFrom('sta_alerts').select('id').where('superseded_by', '=', id).limit(1).executeTakeFirst()) !== undefined;
  }

  /** The user's alerts of `kind` whose run is not over, newest first. */
  async openRunsOf(userName: string, kind: StaAlertKind, openStates: readonly StaRunState[]): Promise<StaAlert[]> {
    const rows = await this.db
      .selectFrom('sta_alerts')
      .select(['body', 'version'])
      .where('user_key', '=', userKey(userName))
      .where('kind', '=', kind)
      .where('run_state', 'in', [...openStates])
      .orderBy('recorded_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map((r) => withVersion(JSON.parse(r.body) as StaAlert, r.version));
  }

  private columns(a: StaAlert) {
    return {
      recorded_at: a.recordedAt,
      kind: a.kind,
      state: a.state,
      user_key: userKey(a.userName),
      run_state: a.run?.state ?? null,
      due_at: this.dueAtOf(a),
      superseded_by: a.run?.supersededBy ?? null,
      body: JSON.stringify(a),
    };
  }
}

function withVersion(a: StaAlert, version: number): StaAlert {
  (a as Versioned)[VERSION] = version;
  return a;
}
