// The alert outbox: one row per delivery of one alert event to one destination. A row is inserted in the
// transaction of the change that caused it (enqueue(trx, ...)), so an alert committed is an alert that will be
// delivered, and a rolled-back change sends nothing. Workers claim due rows with the row claims of leases.ts
// (FOR UPDATE SKIP LOCKED on PostgreSQL), and every attempt's outcome is written back only by the claim's
// holder, which clears the claim. A holder that died leaves its claim to expire: its rows are then claimed
// again and sent with the same id (the idempotency key), the only way one delivery can be sent twice.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AlertDelivery, AlertNotice, DeliveryEvent, DeliveryStatus } from '../domain/alert-delivery.js';
import type { Database } from './database.js';
import type { Leases } from './leases.js';
import type { AlertDeliveriesTable, Tables } from './tables.js';

export interface NewDelivery {
  id: string;
  destination: string;
  notice: AlertNotice;
  createdMs: number;
}

/** A claimed row: what a sender needs. */
export interface ClaimedDelivery {
  id: string;
  destination: string;
  alertId: string;
  event: DeliveryEvent;
  /** Attempts made before this one. */
  attempt: number;
  createdMs: number;
  notice: AlertNotice;
}

/** What an attempt (or the decision not to make one) leaves on the row. */
export interface AttemptRecord {
  status: DeliveryStatus;
  /** Whether an attempt was made (an expired delivery is failed without one). */
  attempted: boolean;
  nextAtMs: number;
  responseStatus: number | null;
  response: string | null;
  error: string | null;
}

export interface DestinationCounts {
  delivered: number;
  failed: number;
  pending: number;
}

const INSERT_CHUNK = 200;
const PENDING = ['PENDING', 'RETRYING'];

export class OutboxRows {
  constructor(
    private readonly database: Database,
    private readonly leases: Leases,
  ) {}

  private get db(): Kysely<Tables> {
    return this.database.db;
  }

  /** Writes deliveries inside `trx`, the transaction of the change that caused them (null: on their own). */
  async enqueue(trx: Transaction<Tables> | Kysely<Tables> | null, deliveries: readonly NewDelivery[]): Promise<void> {
    const db = trx ?? this.db;
    for (let i = 0; i < deliveries.length; i += INSERT_CHUNK) {
      await db
        .insertInto('alert_deliveries')
        .values(
          deliveries.slice(i, i + INSERT_CHUNK).map((d) => ({
            id: d.id,
            destination: d.destination,
            alert_id: d.notice.alertId,
            event: d.notice.event,
            status: 'PENDING',
            attempt: 0,
            created_ms: d.createdMs,
            next_at_ms: d.createdMs,
            updated_at: new Date(d.createdMs).toISOString(),
            claimed_by: null,
            claim_expires_ms: null,
            response_status: null,
            response: null,
            last_error: null,
            body: JSON.stringify(d.notice),
          })),
        )
        .execute();
    }
  }

  /** Claims up to `limit` of `destination`'s due deliveries for `claimMs`, the longest due first. */
  async claimDue(destination: string, limit: number, claimMs: number): Promise<ClaimedDelivery[]> {
    const ids = await this.leases.claimRows('alert_deliveries', {
      filter: (now) => sql`destination = ${destination} and status in ('PENDING', 'RETRYING') and next_at_ms <= ${now}`,
      order: sql`next_at_ms, created_ms`,
      limit,
      ms: claimMs,
    });
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('alert_deliveries').selectAll().where('id', 'in', ids).where('claimed_by', '=', this.leases.instanceId).execute();
    return rows
      .sort((a, b) => Number(a.next_at_ms) - Number(b.next_at_ms))
      .map((r) => ({ id: r.id, destination: r.destination, alertId: r.alert_id, event: r.event as DeliveryEvent, attempt: r.attempt, createdMs: Number(r.created_ms), notice: JSON.parse(r.body) as AlertNotice }));
  }

  /** Records an attempt's outcome and gives the claim up; false when the claim was no longer ours. */
  async record(id: string, r: AttemptRecord, atMs: number): Promise<boolean> {
    const res = await this.db
      .updateTable('alert_deliveries')
      .set((eb) => ({
        status: r.status,
        attempt: r.attempted ? eb('attempt', '+', 1) : eb.ref('attempt'),
        next_at_ms: r.nextAtMs,
        updated_at: new Date(atMs).toISOString(),
        claimed_by: null,
        claim_expires_ms: null,
        response_status: r.responseStatus,
        response: r.response,
        last_error: r.error,
      }))
      .where('id', '=', id)
      .where('claimed_by', '=', this.leases.instanceId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Gives a claim up without an attempt (the destination's breaker is open, or the worker stops). */
  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('alert_deliveries').set({ claimed_by: null, claim_expires_ms: null }).where('id', 'in', [...ids]).where('claimed_by', '=', this.leases.instanceId).execute();
  }

  async get(id: string): Promise<AlertDelivery | undefined> {
    const row = await this.db.selectFrom('alert_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toDelivery(row) : undefined;
  }

  /** The notice last delivered (or enqueued) for an alert to a destination, for a redelivery. */
  async latestNotice(alertId: string, destination: string): Promise<AlertNotice | undefined> {
    const row = await this.db
      .selectFrom('alert_deliveries')
      .select('body')
      .where('alert_id', '=', alertId)
      .where('destination', '=', destination)
      .where('event', '!=', 'TEST')
      .orderBy('created_ms', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? (JSON.parse(row.body) as AlertNotice) : undefined;
  }

  /** The notice of the alert's newest delivery to any destination. */
  async anyNotice(alertId: string): Promise<AlertNotice | undefined> {
    const row = await this.db.selectFrom('alert_deliveries').select('body').where('alert_id', '=', alertId).orderBy('created_ms', 'desc').limit(1).executeTakeFirst();
    return row ? (JSON.parse(row.body) as AlertNotice) : undefined;
  }

  /** Every delivery of each alert, oldest first. */
  async forAlerts(alertIds: readonly string[]): Promise<Map<string, AlertDelivery[]>> {
    const out = new Map<string, AlertDelivery[]>(alertIds.map((id) => [id, []]));
    if (alertIds.length === 0) return out;
    const rows = await this.db.selectFrom('alert_deliveries').selectAll().where('alert_id', 'in', [...alertIds]).orderBy('created_ms', 'asc').orderBy('id', 'asc').execute();
    for (const r of rows) out.get(r.alert_id)?.push(toDelivery(r));
    return out;
  }

  /** Delivered, failed and pending counts per destination. */
  async counts(): Promise<Map<string, DestinationCounts>> {
    const rows = await this.db
      .selectFrom('alert_deliveries')
      .select((eb) => ['destination', 'status', eb.fn.countAll<number>().as('n')])
      .groupBy(['destination', 'status'])
      .execute();
    const out = new Map<string, DestinationCounts>();
    for (const r of rows) {
      const c = out.get(r.destination) ?? { delivered: 0, failed: 0, pending: 0 };
      const n = Number(r.n);
      if (r.status === 'DELIVERED') c.delivered += n;
      else if (r.status === 'FAILED') c.failed += n;
      else if (PENDING.includes(r.status)) c.pending += n;
      out.set(r.destination, c);
    }
    return out;
  }

  /** The newest error recorded for `destination` (null when none). */
  async lastError(destination: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('alert_deliveries')
      .select('last_error')
      .where('destination', '=', destination)
      .where('last_error', 'is not', null)
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.last_error ?? null;
  }

  /** When `destination`'s next pending delivery is due (epoch ms), or null. */
  async nextDue(destination: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('alert_deliveries')
      .select('next_at_ms')
      .where('destination', '=', destination)
      .where('status', 'in', PENDING)
      .orderBy('next_at_ms', 'asc')
      .limit(1)
      .executeTakeFirst();
    return row ? Number(row.next_at_ms) : null;
  }
}

function toDelivery(r: AlertDeliveriesTable): AlertDelivery {
  return {
    id: r.id,
    destination: r.destination,
    alertId: r.alert_id,
    event: r.event as DeliveryEvent,
    attempt: r.attempt,
    status: r.status as DeliveryStatus,
    at: r.updated_at,
    createdAt: new Date(Number(r.created_ms)).toISOString(),
    responseStatus: r.response_status,
    response: r.response ?? r.last_error,
  };
}
