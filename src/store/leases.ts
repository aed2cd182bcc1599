// Which instance runs which background job. One lease row per job, with a holder and an expiry: the holder
// renews it every third of SECGRAPH_LEADER_LEASE_MS; an instance that finds it expired takes it over. So when
// the holder dies (kill -9), another instance takes the job within 1⅓ lease periods and carries on from the
// cursor the job keeps in the database. A row rather than a PostgreSQL advisory lock: it works the same on
// both engines, shows who holds what (Query.gateway), and survives a dropped connection without flapping.
//
// SQLite is the one-process engine: there the lease is simply taken (a previous process on the same file is
// gone or will be refused by its own expired lease), so a restart never waits for an old lease to expire.
//
// Expiry is read on the database's clock on PostgreSQL (clock_timestamp()), not on each host's: instances
// whose clocks disagree by more than a lease period would otherwise take a live lease from each other (a
// host running ahead) or hold a dead one too long (a host running behind). SQLite has one host.
//
// Work made of many rows (the alert outbox) is claimed a row at a time with the same idea: `claimRows` stamps
// each row with a holder and an expiry (columns claimed_by, claim_expires_ms); a row whose claim expired (its
// holder died) may be claimed again. On PostgreSQL the candidate rows are selected FOR UPDATE SKIP LOCKED, so
// instances claiming at once each take different rows without waiting for each other.
//
// A job that writes its progress fences the write with `fence(trx)`: the write commits only if this
// instance still holds the lease at that moment (on PostgreSQL the lease row is locked until the commit, so
// a takeover waits for it). A holder that stalled past its expiry therefore cannot write over its successor.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { DEFAULT_SAAS_INSTANCE } from '../domain/alert.js';
import type { Database } from './database.js';
import type { Tables } from './tables.js';

export const LEASED_JOBS = ['incident-fetch', 'sta-playbook-timers', 'cloudtrail-folder-watcher', 'sta-alert-mail', 'audit-retention'] as const;
/** A job, or one tenant's share of a per-tenant job (`incident-fetch:<instance>`, see incidentFetchJob). */
export type LeasedJob = (typeof LEASED_JOBS)[number] | `incident-fetch:${string}`;

/**
 * The incident-fetch job of one SaaS Security tenant: each tenant is fetched by whichever instance holds its
 * own lease, so tenants spread over instances and a stalled one holds up no other. The default tenant's job
 * keeps the name it had before there were several (`incident-fetch`).
 */
export function incidentFetchJob(instance: string): LeasedJob {
  return instance === DEFAULT_SAAS_INSTANCE ? 'incident-fetch' : `incident-fetch:${instance}`;
}

/** Tables whose rows are claimed one by one (columns id, claimed_by, claim_expires_ms). */
export type ClaimableTable = 'alert_deliveries';

export interface LeaseInfo {
  job: string;
  holder: string;
  expiresAt: string;
  acquiredAt: string;
  renewedAt: string;
}

export class LeaseLostError extends Error {
  constructor(job: string) {
    super(`this instance no longer holds the ${job} lease: another instance runs the job now`);
  }
}

export const newInstanceId = (): string => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export class Leases {
  constructor(
    private readonly database: Database,
    readonly instanceId: string,
    readonly leaseMs: number,
    /** Milliseconds since the epoch; absent: the database's clock on PostgreSQL, Date.now on SQLite. */
    private readonly clock?: () => number,
  ) {}

  /** "Now" for lease arithmetic: see the header on whose clock. */
  private async now(db: Kysely<Tables> = this.database.db): Promise<number> {
    if (this.clock) return this.clock();
    if (this.database.engine !== 'postgres') return Date.now();
    const r = await sql<{ ms: string }>`select (extract(epoch from clock_timestamp()) * 1000)::bigint as ms`.execute(db);
    return Number(r.rows[0]!.ms);
  }

  /** Takes the lease if it is free, expired or already ours; true when this instance holds it now. */
  async tryAcquire(job: string): Promise<boolean> {
    const now = await this.now();
    const at = new Date(now).toISOString();
    const row = { name: job, holder: this.instanceId, expires_ms: now + this.leaseMs, acquired_at: at, renewed_at: at };
    const force = this.database.engine === 'sqlite';
    const r = await this.database.db
      .insertInto('leases')
      .values(row)
      .onConflict((oc) => {
        const update = oc.column('name').doUpdateSet((eb) => ({
          holder: eb.ref('excluded.holder'),
          expires_ms: eb.ref('excluded.expires_ms'),
          renewed_at: eb.ref('excluded.renewed_at'),
          // A renewal keeps the time it was first taken.
          acquired_at: eb.case().when('leases.holder', '=', this.instanceId).then(eb.ref('leases.acquired_at')).else(eb.ref('excluded.acquired_at')).end(),
        }));
        return force ? update : update.where((eb) => eb.or([eb('leases.holder', '=', this.instanceId), eb('leases.expires_ms', '<', now)]));
      })
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Gives the lease up (at shutdown), so another instance need not wait for it to expire. */
  async release(job: string): Promise<void> {
    await this.database.db.deleteFrom('leases').where('name', '=', job).where('holder', '=', this.instanceId).execute();
  }

  /** Throws LeaseLostError unless this instance holds `job`'s lease, inside `trx` (see the header). */
  async fence(trx: Transaction<Tables>, job: string): Promise<void> {
    let q = trx.selectFrom('leases').select(['holder', 'expires_ms']).where('name', '=', job);
    if (this.database.engine === 'postgres') q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row || row.holder !== this.instanceId || Number(row.expires_ms) < (await this.now(trx))) throw new LeaseLostError(job);
  }

  /**
   * Claims up to `limit` rows of `table` matching `filter(now)` whose claim is free or expired, for `ms`
   * (default: the lease period), in `order`; returns their ids. The caller writes the outcome of its work
   * with `where claimed_by = instanceId` and clears the claim; a claim it never clears expires.
   */
  async claimRows(table: ClaimableTable, opts: { filter: (nowMs: number) => RawBuilder<unknown>; order: RawBuilder<unknown>; limit: number; ms?: number }): Promise<string[]> {
    if (opts.limit <= 0) return [];
    const now = await this.now();
    const lock = this.database.engine === 'postgres' ? sql`for update skip locked` : sql``;
    const t = sql.table(table);
    const r = await sql<{ id: string }>`
      update ${t} set claimed_by = ${this.instanceId}, claim_expires_ms = ${now + (opts.ms ?? this.leaseMs)}
      where id in (
        select id from ${t}
        where (${opts.filter(now)}) and (claim_expires_ms is null or claim_expires_ms < ${now})
        order by ${opts.order} limit ${opts.limit} ${lock}
      )
      returning id`.execute(this.database.db);
    return r.rows.map((row) => row.id);
  }

  async list(): Promise<LeaseInfo[]> {
    const rows = await this.database.db.selectFrom('leases').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ job: r.name, holder: r.holder, expiresAt: new Date(Number(r.expires_ms)).toISOString(), acquiredAt: r.acquired_at, renewedAt: r.renewed_at }));
  }
}

export interface LeaseKeeperOptions {
  /** Called when this instance takes the lease: start the job. */
  onAcquired?: () => void | Promise<void>;
  /** Called when it loses (or gives up) the lease: stop the job. */
  onLost?: () => void | Promise<void>;
  onError?: (error: unknown) => void;
}

/** Holds one job's lease: tries to take it, renews it while held, every third of the lease period. */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private current: Promise<void> = Promise.resolve();
  private opts: LeaseKeeperOptions = {};
  held = false;

  constructor(
    readonly leases: Leases,
    readonly job: LeasedJob,
  ) {}

  /** Resolves after the first attempt, so a job that wins at start runs at once. */
  async start(opts: LeaseKeeperOptions = {}): Promise<void> {
    this.opts = opts;
    this.running = true;
    await this.beat();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
    if (this.held) {
      this.held = false;
      await this.opts.onLost?.();
      await this.leases.release(this.job).catch((e: unknown) => this.opts.onError?.(e));
    }
  }

  private beat(): Promise<void> {
    this.current = (async () => {
      let holds = false;
      try {
        holds = await this.leases.tryAcquire(this.job);
      } catch (e) {
        // The database is unreachable: whoever we were, we cannot prove the lease is ours.
        this.opts.onError?.(e);
      }
      if (!this.running) return;
      if (holds && !this.held) {
        this.held = true;
        await this.opts.onAcquired?.();
      } else if (!holds && this.held) {
        this.held = false;
        await this.opts.onLost?.();
      }
    })();
    return this.current.finally(() => {
      if (this.running) this.timer = setTimeout(() => void this.beat(), Math.max(100, Math.floor(this.leases.leaseMs / 3))).unref();
    });
  }
}

/** Starts a job's lease keeper with logging hooks (the composition root's; stopped before the job at close). */
export type LeaseHolder = ((keeper: LeaseKeeper, hooks?: Omit<LeaseKeeperOptions, 'onError'>) => Promise<LeaseKeeper>) & { leases: Leases };
