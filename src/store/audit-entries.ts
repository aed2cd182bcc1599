// The audit trail's table (migrations/006-audit-log.ts). Append-only: rows are inserted, and an ATTEMPTED row
// is completed once (outcome, error code, completed_at, and details merged) — the only update there is, and
// only from ATTEMPTED, so a completed entry never changes again. No code path edits or deletes an entry;
// retention (pruneBefore, SECGRAPH_AUDIT_RETENTION) drops whole entries older than the period.
//
// Ids come from event_streams like the event logs' (allocateIds): in commit order and the same on every
// instance. Every write (begin, record, completion) also takes the next number of the same stream as the
// row's `seq`: the audit stream that Subscription.auditEvents replays and the pub/sub catch-up follows reads
// rows by seq, so an entry completed after a subscriber's resume point is delivered again with its outcome.
import type { Kysely, Selectable } from 'kysely';
import type { AuditOutcome } from '../audit/audit-log.js';
import type { AuditEntry, AuditEvent } from '../domain/audit-entry.js';
import type { ActorKind } from '../identity/actor.js';
import { allocateIds, lastAllocatedId, type ReplayableLog } from './event-log.js';
import type { AuditEntriesTable, Tables } from './tables.js';

/** The event_streams row the trail's ids and sequence numbers come from. */
export const AUDIT_STREAM = 'audit';
const REPLAY_PAGE = 500;

export interface NewAuditEntry {
  at: string;
  actor: AuditEntry['actor'];
  action: string;
  target: string | null;
  requestId: string | null;
  instance: string;
  details: Record<string, unknown> | null;
  /** ATTEMPTED for a begun action; SUCCEEDED/FAILED for one recorded whole. */
  outcome: AuditOutcome;
  errorCode?: string | null;
}

export interface AuditFilter {
  actorId?: string | null;
  action?: string | null;
  target?: string | null;
  outcome?: AuditOutcome | null;
  /** at ≥ from (ISO-8601). */
  from?: string | null;
  /** at ≤ to (ISO-8601). */
  to?: string | null;
}

type Row = Selectable<AuditEntriesTable>;

function entryOf(r: Row): AuditEntry {
  return {
    id: Number(r.id),
    sequence: Number(r.seq),
    at: r.at,
    completedAt: r.completed_at,
    actor: { kind: r.actor_kind as ActorKind, id: r.actor_id, name: r.actor_name, email: r.actor_email },
    action: r.action,
    target: r.target,
    outcome: r.outcome as AuditOutcome,
    errorCode: r.error_code,
    requestId: r.request_id,
    instance: r.instance,
    details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
  };
}

export const auditEventOf = (entry: AuditEntry): AuditEvent => ({ id: entry.sequence, at: entry.completedAt ?? entry.at, entry });

/** Thrown inside a completion's transaction to roll its sequence number back when there is nothing to complete. */
class NothingToComplete extends Error {}

export class AuditEntries implements ReplayableLog<AuditEvent> {
  constructor(private readonly db: Kysely<Tables>) {}

  /** Appends an entry (ATTEMPTED, or already finished) and returns it with its id. */
  async append(e: NewAuditEntry): Promise<AuditEntry> {
    return this.db.transaction().execute(async (trx) => {
      const id = await allocateIds(trx, AUDIT_STREAM, 1);
      const done = e.outcome !== 'ATTEMPTED';
      const row: Row = {
        id,
        seq: id,
        at: e.at,
        completed_at: done ? e.at : null,
        actor_kind: e.actor.kind,
        actor_id: e.actor.id,
        actor_name: e.actor.name,
        actor_email: e.actor.email,
        action: e.action,
        target: e.target,
        outcome: e.outcome,
        error_code: e.errorCode ?? null,
        request_id: e.requestId,
        instance: e.instance,
        details: e.details && Object.keys(e.details).length ? JSON.stringify(e.details) : null,
      };
      await trx.insertInto('audit_entries').values(row).execute();
      return entryOf(row);
    });
  }

  /**
   * Completes an ATTEMPTED entry: outcome, error code, completion time, and `details` merged into the begun
   * ones. Null (and nothing written) when the entry is no longer ATTEMPTED or no longer kept.
   */
  async complete(id: number, outcome: Exclude<AuditOutcome, 'ATTEMPTED'>, errorCode: string | null, at: string, details: Record<string, unknown> | null): Promise<AuditEntry | null> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const current = await trx.selectFrom('audit_entries').selectAll().where('id', '=', id).where('outcome', '=', 'ATTEMPTED').executeTakeFirst();
        if (!current) throw new NothingToComplete();
        const seq = await allocateIds(trx, AUDIT_STREAM, 1);
        const merged = details && Object.keys(details).length ? { ...(current.details ? JSON.parse(current.details) : {}), ...details } : null;
        const r = await trx
          .updateTable('audit_entries')
          .set({ seq, outcome, error_code: errorCode, completed_at: at, ...(merged ? { details: JSON.stringify(merged) } : {}) })
          .where('id', '=', id)
          .where('outcome', '=', 'ATTEMPTED')
          .returningAll()
          .executeTakeFirst();
        if (!r) throw new NothingToComplete();
        return entryOf(r);
      });
    } catch (e) {
      if (e instanceof NothingToComplete) return null;
      throw e;
    }
  }

  async get(id: number): Promise<AuditEntry | null> {
    const r = await this.db.selectFrom('audit_entries').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? entryOf(r) : null;
  }

  /** Up to `first` entries matching `filter` with id < before (all when null), newest first. */
  async page(filter: AuditFilter, first: number, before: number | null): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_entries').selectAll();
    if (filter.actorId != null) q = q.where('actor_id', '=', filter.actorId);
    if (filter.action != null) q = q.where('action', '=', filter.action);
    if (filter.target != null) q = q.where('target', '=', filter.target);
    if (filter.outcome != null) q = q.where('outcome', '=', filter.outcome);
    if (filter.from != null) q = q.where('at', '>=', filter.from);
    if (filter.to != null) q = q.where('at', '<=', filter.to);
    if (before !== null) q = q.where('id', '<', before);
    const rows = await q.orderBy('id', 'desc').limit(first).execute();
    return rows.map(entryOf);
  }

  /** Entries begun at or after `sinceIso`, oldest first, as they are now; read a page at a time. */
  async *since(sinceIso: string): AsyncGenerator<AuditEntry> {
    let at = sinceIso;
    let id = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom('audit_entries')
        .selectAll()
        .where((eb) => eb.or([eb('at', '>', at), eb.and([eb('at', '=', at), eb('id', '>', id)])]))
        .orderBy('at', 'asc')
        .orderBy('id', 'asc')
        .limit(REPLAY_PAGE)
        .execute();
      for (const r of rows) yield entryOf(r);
      if (rows.length < REPLAY_PAGE) return;
      at = rows[rows.length - 1]!.at;
      id = Number(rows[rows.length - 1]!.id);
    }
  }

  /** The audit stream's newest sequence number (0 before the first write). */
  lastId(): Promise<number> {
    return lastAllocatedId(this.db, AUDIT_STREAM);
  }

  /** The entries whose latest write has after < seq ≤ upTo, in sequence order (what auditEvents replays). */
  async *replay(after: number, upTo: number): AsyncGenerator<AuditEvent> {
    let from = after;
    for (;;) {
      const rows = await this.db.selectFrom('audit_entries').selectAll().where('seq', '>', from).where('seq', '<=', upTo).orderBy('seq', 'asc').limit(REPLAY_PAGE).execute();
      for (const r of rows) yield auditEventOf(entryOf(r));
      if (rows.length < REPLAY_PAGE) return;
      from = Number(rows[rows.length - 1]!.seq);
    }
  }

  /** Drops the entries begun before `beforeIso` (SECGRAPH_AUDIT_RETENTION); the only deletion there is. */
  async pruneBefore(beforeIso: string): Promise<number> {
    const r = await this.db.deleteFrom('audit_entries').where('at', '<', beforeIso).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
