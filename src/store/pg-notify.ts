// Pub/sub between instances through PostgreSQL LISTEN/NOTIFY, for deployments with PostgreSQL and no Redis:
// an event target for graphql-yoga's createPubSub, like @graphql-yoga/redis-event-target. Every instance
// (the publisher included) receives each notification once, as with Redis. One dedicated connection
// listens and reconnects with backoff; publishing goes through the pool. A payload over NOTIFY's 8000-byte
// limit is written to pubsub_overflow and the notification carries its id.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

const CHANNEL = 'secgraph_pubsub';
/** Below NOTIFY's 8000 bytes, with room for the envelope. */
const MAX_INLINE = 7000;
const OVERFLOW_KEEP_MS = 10 * 60_000;

type Callback = (event: CustomEvent) => void;

export interface PgEventTarget {
  addEventListener(topic: string, callback: Callback | { handleEvent: Callback } | null): void;
  removeEventListener(topic: string, callback: Callback | { handleEvent: Callback } | null): void;
  dispatchEvent(event: Event & { detail?: unknown }): boolean;
  close(): Promise<void>;
}

export async function createPgEventTarget(
  database: Database,
  url: string,
  onError: (message: string) => void,
  /** A publish that could not be sent (the catch-up delivers it from the event log). */
  onPublishFailed: (topic: string, detail: unknown) => void = () => {},
): Promise<PgEventTarget> {
  const callbacks = new Map<string, Set<Callback>>();
  let client: pg.Client | null = null;
  let closed = false;
  let receiving: Promise<void> = Promise.resolve();
  let sending: Promise<void> = Promise.resolve();

  const deliver = (topic: string, detail: unknown) => {
    const set = callbacks.get(topic);
    if (!set) return;
    const event = new CustomEvent(topic, { detail });
    for (const cb of set) cb(event);
  };

  const onNotification = async (msg: pg.Notification) => {
    if (msg.channel !== CHANNEL || !msg.payload) return;
    try {
      const envelope = JSON.parse(msg.payload) as { t: string; d?: unknown; ref?: string };
      if (!callbacks.has(envelope.t)) return;
      if (envelope.ref === undefined) return deliver(envelope.t, envelope.d ?? null);
      const row = await database.db.selectFrom('pubsub_overflow').select('body').where('id', '=', envelope.ref).executeTakeFirst();
      if (row) deliver(envelope.t, JSON.parse(row.body));
    } catch (e) {
      onError(`a pub/sub notification could not be read: ${(e as Error).message}`);
    }
  };

  const connect = async (attempt = 0): Promise<void> => {
    if (closed) return;
    const c = new pg.Client({ connectionString: url });
    // One after the other: an overflow payload read from the table must not let later events overtake it.
    c.on('notification', (m) => {
      receiving = receiving.then(() => onNotification(m));
    });
    c.on('error', (e) => {
      onError(`PostgreSQL LISTEN connection error: ${e.message}`);
      if (client === c) {
        client = null;
        void c.end().catch(() => undefined);
        setTimeout(() => void connect(0), 500).unref();
      }
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      client = c;
    } catch (e) {
      onError(`PostgreSQL LISTEN connection failed: ${(e as Error).message}`);
      await c.end().catch(() => undefined);
      setTimeout(() => void connect(attempt + 1), Math.min(30_000, 250 * 2 ** attempt)).unref();
    }
  };
  await connect();

  const publish = async (topic: string, detail: unknown) => {
    const d = JSON.stringify(detail ?? null);
    let payload = JSON.stringify({ t: topic, d: JSON.parse(d) });
    if (Buffer.byteLength(payload) > MAX_INLINE) {
      const id = randomUUID();
      const now = Date.now();
      await database.db.insertInto('pubsub_overflow').values({ id, created_ms: now, body: d }).execute();
      await database.db.deleteFrom('pubsub_overflow').where('created_ms', '<', now - OVERFLOW_KEEP_MS).execute();
      payload = JSON.stringify({ t: topic, ref: id });
    }
    await sql`select pg_notify(${CHANNEL}, ${payload})`.execute(database.db);
  };

  const callbackOf = (c: Callback | { handleEvent: Callback }) => ('handleEvent' in c ? c.handleEvent : c);
  return {
    addEventListener(topic, cb) {
      if (!cb) return;
      const set = callbacks.get(topic) ?? new Set();
      set.add(callbackOf(cb));
      callbacks.set(topic, set);
    },
    removeEventListener(topic, cb) {
      if (!cb) return;
      const set = callbacks.get(topic);
      set?.delete(callbackOf(cb));
      if (set?.size === 0) callbacks.delete(topic);
    },
    dispatchEvent(event) {
      // In publish order, like the in-process and Redis targets.
      sending = sending
        .then(() => publish(event.type, event.detail))
        .catch((e: unknown) => {
          onError(`a pub/sub notification could not be sent: ${(e as Error).message}`);
          onPublishFailed(event.type, event.detail);
        });
      return true;
    },
    async close() {
      closed = true;
      await sending;
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
