// Event logs: every published event (incident, STA alert, SAML detection) with its id, one stream per kind.
// Ids come from the stream's row in event_streams, bumped inside the transaction that writes the change
// causing the events: the row lock (PostgreSQL) or the single writer (SQLite) orders writers, so ids are
// handed out in commit order, never reused, and the same on every instance. A client resuming with
// `after: <id>` reads the log from the database on whichever instance it reaches.
//
// A stream keeps its last `maxEvents` events (pruned in the same transaction); asking for events after an id
// older than that is a BAD_USER_INPUT error rather than a silent gap.
import type { Kysely, Transaction } from 'kysely';
import { badInput } from '../errors.js';
import type { Tables } from './tables.js';

export const DEFAULT_EVENT_LOG_SIZE = 10_000;
/** Rows read per query while replaying a long stretch of the log. */
const REPLAY_PAGE = 500;
const INSERT_CHUNK = 200;

type Db = Kysely<Tables> | Transaction<Tables>;

/**
 * Hands out the next `count` ids of `stream` inside `trx` and returns the last of them. The stream's row is
 * locked (PostgreSQL) or the writer is single (SQLite) until `trx` commits, so ids follow commit order and
 * are the same on every instance. The event logs and the audit trail (src/store/audit-entries.ts) use it.
 */
export async function allocateIds(trx: Transaction<Tables>, stream: string, count: number): Promise<number> {
  const row = await trx
    .insertInto('event_streams')
    .values({ stream, last_id: count })
    .onConflict((oc) => oc.column('stream').doUpdateSet((eb) => ({ last_id: eb('event_streams.last_id', '+', eb.ref('excluded.last_id')) })))
    .returning('last_id')
    .executeTakeFirstOrThrow();
  return Number(row.last_id);
}

/** The newest id `stream` has handed out (0 before the first). */
export async function lastAllocatedId(db: Db, stream: string): Promise<number> {
  const row = await db.selectFrom('event_streams').select('last_id').where('stream', '=', stream).executeTakeFirst();
  return row ? Number(row.last_id) : 0;
}

/** What a resumable subscription and the pub/sub catch-up read of a log: its newest id and a stretch of it. */
export interface ReplayableLog<E extends { id: number; at: string }> {
  lastId(): Promise<number>;
  /** The kept events with after < id ≤ upTo, oldest first. */
  replay(after: number, upTo: number): AsyncGenerator<E>;
}

/** Runs inside an append's transaction with the events logged (the alert outbox enqueues there). */
export type AppendHook<E> = (trx: Transaction<Tables>, logged: readonly E[]) => Promise<unknown>;

export class EventLog<E extends { id: number; at: string }> implements ReplayableLog<E> {
  // `any`: a log of some event type must still be usable where a log of `{ id, at }` is (pub/sub catch-up).
  private readonly hooks: Array<AppendHook<any>> = [];

  constructor(
    private readonly db: Kysely<Tables>,
    readonly stream: string,
    /** What the events are, for error messages ("incident events"). */
    readonly label: string,
    readonly maxEvents: number = DEFAULT_EVENT_LOG_SIZE,
  ) {}

  /**
   * Gives the events their ids and writes them inside `trx`, the transaction of the change they describe;
   * returns them with their ids, to be published once `trx` has committed.
   */
  async append(trx: Transaction<Tables>, events: ReadonlyArray<Omit<E, 'id'>>): Promise<E[]> {
    if (events.length === 0) return [];
    const last = await allocateIds(trx, this.stream, events.length);
    const first = last - events.length + 1;
    const logged = events.map((e, i) => ({ id: first + i, ...e }) as E);
    for (let i = 0; i < logged.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('events')
        .values(logged.slice(i, i + INSERT_CHUNK).map((e) => ({ stream: this.stream, id: e.id, at: e.at, body: JSON.stringify(e) })))
        .execute();
    }
    await trx.deleteFrom('events').where('stream', '=', this.stream).where('id', '<=', last - this.maxEvents).execute();
    for (const hook of this.hooks) await hook(trx, logged);
    return logged;
  }

  /**
   * Also runs `hook` in every append's transaction: what must be written with the events or not at all (the
   * alert deliveries they cause, src/destinations/).
   */
  onAppend(hook: AppendHook<E>): void {
    this.hooks.push(hook);
  }

  /** The id of the newest event ever logged (0 before the first). */
  async lastId(db: Db = this.db): Promise<number> {
    return lastAllocatedId(db, this.stream);
  }

  /** The id of the oldest event kept, or null when none is. */
  async oldestId(): Promise<number | null> {
    const row = await this.db.selectFrom('events').select('id').where('stream', '=', this.stream).orderBy('id', 'asc').limit(1).executeTakeFirst();
    return row ? Number(row.id) : null;
  }

  /** How many events are kept. */
  async size(): Promise<number> {
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('stream', '=', this.stream).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Throws BAD_USER_INPUT unless every event after `after` is still kept (or `after` is the newest id). */
  async checkAfter(after: number): Promise<void> {
    const last = await this.lastId();
    if (after > last) throw badInput(`no ${this.label.replace(/s$/, '')} ${after} has been logged yet; the newest is ${last}`, 'after');
    if (after === last) return;
    const oldest = await this.oldestId();
    if (oldest === null || oldest > after + 1) {
      throw badInput(
        `${this.label} after ${after} are no longer kept (the log keeps the last ${this.maxEvents}; the oldest kept is ` +
          `${oldest ?? 'none'}): re-read, then subscribe without after or with after: ${last}`,
        'after',
      );
    }
  }

  /** Up to `first` kept events with id > after (and ≤ upTo), oldest first. Call checkAfter first. */
  async since(after: number, first = REPLAY_PAGE, upTo = Number.MAX_SAFE_INTEGER): Promise<E[]> {
    const rows = await this.db
      .selectFrom('events')
      .select('body')
      .where('stream', '=', this.stream)
      .where('id', '>', after)
      .where('id', '<=', upTo)
      .orderBy('id', 'asc')
      .limit(first)
      .execute();
    return rows.map((r) => JSON.parse(r.body) as E);
  }

  /** Every kept event with after < id ≤ upTo, oldest first, read a page at a time as it is consumed. */
  async *replay(after: number, upTo: number): AsyncGenerator<E> {
    let from = after;
    for (;;) {
      const page = await this.since(from, REPLAY_PAGE, upTo);
      yield* page;
      if (page.length < REPLAY_PAGE) return;
      from = page[page.length - 1]!.id;
    }
  }

  /** Drops the events older than `beforeIso` (retention). */
  async pruneBefore(beforeIso: string): Promise<number> {
    const r = await this.db.deleteFrom('events').where('stream', '=', this.stream).where('at', '<', beforeIso).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Drops every kept event; the sequence goes on (ids are never reused). */
  async clear(db: Db = this.db): Promise<void> {
    await db.deleteFrom('events').where('stream', '=', this.stream).execute();
  }
}
