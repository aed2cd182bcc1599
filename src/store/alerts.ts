// The triage tables (migrations/007-triage.ts): one row per alert of any source, its comments and activity.
// Every change to an alert's triage locks its row first (SELECT … FOR UPDATE on PostgreSQL; SQLite has one
// writer), so two analysts changing one alert at once on two instances are applied one after the other and
// both land in the activity, each with its own number.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AlertSeverity, AlertSource, TriageStatus } from '../domain/alert.js';
import {
  alertActivityId,
  alertCommentId,
  type AlertActivity,
  type AlertActivityField,
  type AlertComment,
  type AlertQuery,
  type AlertRecord,
  type SourceAlert,
} from '../domain/triage.js';
import type { Actor } from '../identity/actor.js';
import type { Database } from './database.js';
import type { AlertsTable, Tables } from './tables.js';

type Db = Kysely<Tables> | Transaction<Tables>;
const ID_CHUNK = 500;

/** A keyset position in the queue's newest-first order. */
export interface AlertPosition {
  createdAt: string;
  alertId: string;
}

export type TriagePatch = Partial<Pick<AlertsTable, 'status' | 'assignee' | 'updated_at' | 'updated_by' | 'triaged_at' | 'resolved_at'>>;

export interface NewActivity {
  at: string;
  actor: Actor;
  field: AlertActivityField;
  from: string | null;
  to: string | null;
  note?: string | null;
}

/** How many of the newest alerts a text filter walks in order before it asks the trigram index (SQLite). */
const TEXT_WINDOW = 5000;

export class AlertRows {
  constructor(
    private readonly database: Database,
    /** TEXT_WINDOW; tests make it small to walk past its edge. */
    private readonly textWindow = TEXT_WINDOW,
  ) {}

  get db(): Kysely<Tables> {
    return this.database.db;
  }

  async get(alertId: string, db: Db = this.db): Promise<AlertRecord | undefined> {
    const row = await db.selectFrom('alerts').selectAll().where('alert_id', '=', alertId).executeTakeFirst();
    return row ? recordOf(row) : undefined;
  }

  /** The row, locked until `trx` ends (PostgreSQL; SQLite's one writer serialises anyway). */
  async lock(trx: Transaction<Tables>, alertId: string): Promise<AlertRecord | undefined> {
    let q = trx.selectFrom('alerts').selectAll().where('alert_id', '=', alertId);
    if (this.database.engine === 'postgres') q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row ? recordOf(row) : undefined;
  }

  /** The rows of `ids` that exist, locked when in a transaction on PostgreSQL, in id order (no deadlock). */
  async getMany(ids: readonly string[], trx?: Transaction<Tables>): Promise<Map<string, AlertRecord>> {
    const out = new Map<string, AlertRecord>();
    const sorted = [...new Set(ids)].sort();
    for (let i = 0; i < sorted.length; i += ID_CHUNK) {
      const chunk = sorted.slice(i, i + ID_CHUNK);
      let q = (trx ?? this.db).selectFrom('alerts').selectAll().where('alert_id', 'in', chunk).orderBy('alert_id');
      if (trx && this.database.engine === 'postgres') q = q.forUpdate();
      for (const row of await q.execute()) out.set(row.alert_id, recordOf(row));
    }
    return out;
  }

  async insert(trx: Transaction<Tables>, a: SourceAlert, triage: { status: TriageStatus; at: string; by: Actor | null }): Promise<boolean> {
    const r = await trx
      .insertInto('alerts')
      .values({
        ...sourceColumns(a),
        alert_id: a.alertId,
        status: triage.status,
        assignee: null,
        updated_at: triage.by ? triage.at : null,
        updated_by: triage.by ? JSON.stringify(triage.by) : null,
        triaged_at: triage.status === 'OPEN' ? null : triage.at,
        resolved_at: triage.status === 'RESOLVED' || triage.status === 'CLOSED' ? triage.at : null,
        comment_seq: 0,
        activity_seq: 0,
      })
      .onConflict((oc) => oc.column('alert_id').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Rewrites what the source says about an alert (never its triage). */
  async updateSource(trx: Transaction<Tables>, a: SourceAlert): Promise<void> {
    await trx.updateTable('alerts').set(sourceColumns(a)).where('alert_id', '=', a.alertId).execute();
  }

  async patch(trx: Transaction<Tables>, alertId: string, patch: TriagePatch): Promise<void> {
    if (Object.keys(patch).length) await trx.updateTable('alerts').set(patch).where('alert_id', '=', alertId).execute();
  }

  /** Appends activity entries (numbered after the alert's last); the row must be locked by `trx`. */
  async addActivity(trx: Transaction<Tables>, alertId: string, entries: readonly NewActivity[]): Promise<AlertActivity[]> {
    if (!entries.length) return [];
    const row = await trx
      .updateTable('alerts')
      .set((eb) => ({ activity_seq: eb('activity_seq', '+', entries.length) }))
      .where('alert_id', '=', alertId)
      .returning('activity_seq')
      .executeTakeFirstOrThrow();
    const first = Number(row.activity_seq) - entries.length + 1;
    const rows = entries.map((e, i) => ({
      alert_id: alertId,
      seq: first + i,
      at: e.at,
      actor: JSON.stringify(e.actor),
      field: e.field,
      from_value: e.from,
      to_value: e.to,
      note: e.note ?? null,
    }));
    await trx.insertInto('alert_activity').values(rows).execute();
    return rows.map(activityOf);
  }

  async addComment(trx: Transaction<Tables>, alertId: string, author: Actor, body: string, at: string): Promise<AlertComment> {
    const row = await trx
      .updateTable('alerts')
      .set((eb) => ({ comment_seq: eb('comment_seq', '+', 1) }))
      .where('alert_id', '=', alertId)
      .returning('comment_seq')
      .executeTakeFirstOrThrow();
    const values = { alert_id: alertId, seq: Number(row.comment_seq), author: JSON.stringify(author), author_key: actorKey(author), body, created_at: at, edited_at: null, edits: '[]' };
    await trx.insertInto('alert_comments').values(values).execute();
    return commentOf(values);
  }

  async comment(alertId: string, seq: number, db: Db = this.db): Promise<AlertComment | undefined> {
    const row = await db.selectFrom('alert_comments').selectAll().where('alert_id', '=', alertId).where('seq', '=', seq).executeTakeFirst();
    return row ? commentOf(row) : undefined;
  }

  async saveCommentEdit(trx: Transaction<Tables>, c: AlertComment): Promise<void> {
    await trx
      .updateTable('alert_comments')
      .set({ body: c.body, edited_at: c.editedAt, edits: JSON.stringify(c.edits) })
      .where('alert_id', '=', c.alertId)
      .where('seq', '=', c.seq)
      .execute();
  }

  /** Comments newest first, before the numbered one (exclusive), at most `limit`. */
  async comments(alertId: string, beforeSeq: number | null, limit: number): Promise<AlertComment[]> {
    let q = this.db.selectFrom('alert_comments').selectAll().where('alert_id', '=', alertId);
    if (beforeSeq !== null) q = q.where('seq', '<', beforeSeq);
    return (await q.orderBy('seq', 'desc').limit(limit).execute()).map(commentOf);
  }

  async activity(alertId: string, beforeSeq: number | null, limit: number): Promise<AlertActivity[]> {
    let q = this.db.selectFrom('alert_activity').selectAll().where('alert_id', '=', alertId);
    if (beforeSeq !== null) q = q.where('seq', '<', beforeSeq);
    return (await q.orderBy('seq', 'desc').limit(limit).execute()).map(activityOf);
  }

  /** The queue: alerts matching `q`, newest first by (createdAt, alertId), strictly after `after`, at most `limit`. */
  async list(q: AlertQuery, after: AlertPosition | null, limit: number): Promise<AlertRecord[]> {
    const text = q.text?.trim().toLowerCase() || null;
    if (!text || this.database.engine !== 'sqlite' || /[\\%_]/.test(text)) return this.select(q, text ? { like: text } : null, after, limit);
    // SQLite has no statistics to choose between the two ways a text filter can go, so it is done here. Words
    // most alerts have are found soonest walking the newest alerts in order: first the newest TEXT_WINDOW
    // (a full page there is the answer: every alert outside is older). Rare words are found through the
    // trigram index (migration 010), whose matches are few to sort.
    const recent = await this.select(q, { like: text, window: true }, after, limit);
    return recent.length === limit ? recent : this.select(q, { trigram: text }, after, limit);
  }

  private async select(q: AlertQuery, text: { like: string; window?: boolean } | { trigram: string } | null, after: AlertPosition | null, limit: number): Promise<AlertRecord[]> {
    let query = this.db.selectFrom('alerts').selectAll();
    if (q.sources?.length) query = query.where('source', 'in', [...q.sources]);
    if (q.statuses?.length) query = query.where('status', 'in', [...q.statuses]);
    if (q.severities?.length) query = query.where('severity', 'in', [...q.severities]);
    if (q.assignee) query = query.where('assignee', '=', q.assignee);
    if (q.unassigned) query = query.where('assignee', 'is', null);
    if (q.from) query = query.where('created_at', '>=', q.from);
    if (q.to) query = query.where('created_at', '<=', q.to);
    // PostgreSQL's planner takes pg_trgm's index (migration 010) for this LIKE when the words are rare.
    if (text && 'like' in text) query = query.where(sql<boolean>`search_text like ${`%${escapeLike(text.like)}%`} escape '\\'`);
    if (text && 'trigram' in text) query = query.where(sql<boolean>`rowid in (select rowid from alerts_text where search_text like ${`%${text.trigram}%`})`);
    if (text && 'like' in text && text.window) {
      const edge = sql`(select created_at from alerts ${after ? sql`where (created_at, alert_id) < (${after.createdAt}, ${after.alertId})` : sql``} order by created_at desc, alert_id desc limit 1 offset ${this.textWindow - 1})`;
      query = query.where(sql<boolean>`created_at >= coalesce(${edge}, '')`);
    }
    if (after) {
      // A row-value comparison, not created_at < x OR (= x AND id < y): both engines walk the index from the
      // position (the OR made SQLite merge two scans and sort, 300 ms at 100,000 alerts).
      query = query.where((eb) => eb(eb.refTuple('created_at', 'alert_id'), '<', eb.tuple(after.createdAt, after.alertId)));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('alert_id', 'desc').limit(limit).execute();
    return rows.map(recordOf);
  }

  /** Every row whose alert was created in [from, to] (ISO; null: unbounded) of the sources, for alertStats. */
  async statsRows(from: string | null, to: string | null, sources: readonly AlertSource[] | null): Promise<Array<Pick<AlertRecord, 'status' | 'severity' | 'source' | 'assignee' | 'createdAt' | 'triagedAt' | 'resolvedAt'>>> {
    let q = this.db.selectFrom('alerts').select(['status', 'severity', 'source', 'assignee', 'created_at', 'triaged_at', 'resolved_at']);
    if (from) q = q.where('created_at', '>=', from);
    if (to) q = q.where('created_at', '<=', to);
    if (sources?.length) q = q.where('source', 'in', [...sources]);
    const rows = await q.execute();
    return rows.map((r) => ({
      status: r.status as TriageStatus,
      severity: r.severity as AlertSeverity,
      source: r.source as AlertSource,
      assignee: r.assignee,
      createdAt: r.created_at,
      triagedAt: r.triaged_at,
      resolvedAt: r.resolved_at,
    }));
  }

  /** How many alerts have each status (metrics). */
  async countByStatus(): Promise<Array<{ source: string; status: string; n: number }>> {
    const rows = await this.db
      .selectFrom('alerts')
      .select((eb) => ['source', 'status', eb.fn.countAll<number>().as('n')])
      .groupBy(['source', 'status'])
      .execute();
    return rows.map((r) => ({ source: r.source, status: r.status, n: Number(r.n) }));
  }

  /** Drops the rows (with comments and activity) of alerts whose id starts with `prefix` (the sandbox's incidents). */
  async clearPrefix(trx: Transaction<Tables>, prefix: string): Promise<void> {
    // A range on the primary key rather than LIKE: the prefix ends in ':' and ';' sorts right after it.
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    for (const table of ['alert_comments', 'alert_activity', 'alerts'] as const) {
      await trx.deleteFrom(table).where('alert_id', '>=', prefix).where('alert_id', '<', end).execute();
    }
  }

  /** Ids among `ids` that have no row yet. */
  async missing(ids: readonly string[]): Promise<string[]> {
    const have = new Set<string>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      if (!chunk.length) continue;
      for (const r of await this.db.selectFrom('alerts').select('alert_id').where('alert_id', 'in', chunk).execute()) have.add(r.alert_id);
    }
    return ids.filter((id) => !have.has(id));
  }
}

/** A source document the alert queue does not hold yet, and its key in its table (where the next page starts). */
export interface UnindexedBody {
  key: string | number;
  body: string;
}

/**
 * Source documents (JSON bodies) with no alerts row yet, at most `limit`, in key order after `after` (null: from
 * the first): the backfill's reads. Keyset paging, so each page reads on from where the last stopped instead of
 * walking past every row already indexed (a million-incident store made that quadratic: minutes at start).
 * `prefix` is the alert id before the source's id (`saas:<tenant>:`, `sta:`, `saml:`).
 */
export async function unindexedBodies(
  db: Kysely<Tables>,
  source: { table: 'incidents'; scope: string } | { table: 'sta_alerts' } | { table: 'saml_windows'; threshold: number },
  prefix: string,
  limit: number,
  after: string | number | null = null,
): Promise<UnindexedBody[]> {
  if (source.table === 'incidents') {
    const rows = await sql<UnindexedBody>`select incident_id as key, body from incidents i where scope = ${source.scope}
      ${after === null ? sql`` : sql`and i.incident_id > ${after}`}
      and not exists (select 1 from alerts a where a.alert_id = ${prefix} || i.incident_id) order by i.incident_id limit ${limit}`.execute(db);
    return rows.rows.map((r) => ({ key: Number(r.key), body: r.body }));
  }
  if (source.table === 'sta_alerts') {
    const rows = await sql<UnindexedBody>`select id as key, body from sta_alerts s where ${after === null ? sql`1 = 1` : sql`s.id > ${after}`}
      and not exists (select 1 from alerts a where a.alert_id = ${prefix} || s.id) order by s.id limit ${limit}`.execute(db);
    return rows.rows;
  }
  const rows = await sql<UnindexedBody>`select id as key, body from saml_windows w where event_count >= ${source.threshold}
    ${after === null ? sql`` : sql`and w.id > ${after}`}
    and not exists (select 1 from alerts a where a.alert_id = ${prefix} || w.id) order by w.id limit ${limit}`.execute(db);
  return rows.rows;
}

/** Who may edit a comment: the same kind and id of actor. */
export const actorKey = (a: Actor): string => `${a.kind}:${a.id}`;

/** LIKE's own characters matched literally (with `escape '\\'`: SQLite has no default escape character). */
function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function sourceColumns(a: SourceAlert) {
  return {
    source: a.source,
    source_id: a.sourceId,
    severity: a.severity,
    title: a.title,
    created_at: a.createdAt,
    search_text: a.searchText,
    source_state: a.sourceState,
  };
}

function recordOf(r: AlertsTable): AlertRecord {
  return {
    alertId: r.alert_id,
    source: r.source as AlertSource,
    sourceId: r.source_id,
    severity: r.severity as AlertSeverity,
    title: r.title,
    createdAt: r.created_at,
    searchText: r.search_text,
    sourceState: r.source_state,
    status: r.status as TriageStatus,
    assignee: r.assignee,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by ? (JSON.parse(r.updated_by) as Actor) : null,
    triagedAt: r.triaged_at,
    resolvedAt: r.resolved_at,
  };
}

function commentOf(r: Tables['alert_comments']): AlertComment {
  return {
    id: alertCommentId(r.alert_id, Number(r.seq)),
    alertId: r.alert_id,
    seq: Number(r.seq),
    author: JSON.parse(r.author) as Actor,
    body: r.body,
    createdAt: r.created_at,
    editedAt: r.edited_at,
    edits: JSON.parse(r.edits) as AlertComment['edits'],
  };
}

function activityOf(r: Tables['alert_activity']): AlertActivity {
  return {
    id: alertActivityId(r.alert_id, Number(r.seq)),
    alertId: r.alert_id,
    seq: Number(r.seq),
    at: r.at,
    actor: JSON.parse(r.actor) as Actor,
    field: r.field as AlertActivityField,
    from: r.from_value,
    to: r.to_value,
    note: r.note,
  };
}
