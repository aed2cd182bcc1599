// The incident tables: every fetched incident (the upstream copy plus the gateway's record), the fetch and
// mirror cursors, and the incident event log. A page's incidents, the cursor that follows them and their
// events are written in ONE transaction, so after any crash either all are there or none is: nothing
// fetched twice, nothing skipped, no event lost. Nothing is held in memory: reads go through the primary
// key or an index.
import type { Kysely, Transaction } from 'kysely';
import type { WireIncident } from '../connectors/saas-security/wire.js';
import { DEFAULT_SAAS_INSTANCE } from '../domain/alert.js';
import type { IncidentEvent, NewIncidentEvent } from '../domain/incident-event.js';
import type { Actor } from '../identity/actor.js';
import { mirrorsIncoming, type GatewayIncidentFields } from '../domain/incident-record.js';
import type { Database } from './database.js';
import { EventLog } from './event-log.js';
import type { IncidentsTable, Tables } from './tables.js';

export interface StoredIncident {
  /** The upstream's copy as last fetched or mirrored in, exactly as it travelled. */
  wire: WireIncident;
  gateway: GatewayIncidentFields;
}

export interface FetchState {
  /** Start of the first-fetch window: incidents created before it are never fetched. */
  windowStart: string;
  /** `from` of the next fetch query (inclusive), ISO with ms. */
  cursor: string;
  /** `from` of the next incoming-mirror query (inclusive). */
  mirrorCursor: string;
  fetchedTotal: number;
  lastRunAt: string | null;
  lastError: string | null;
}

/**
/**
 * Whose incidents a store holds: a tenant (configured instance) of the configured upstream, or of the built-in
 * sandbox (regenerated on every start, so kept apart). Incident ids are unique per tenant only.
 */
export function incidentScope(instance: string, sandbox = false): string {
  return `${sandbox ? 'sandbox' : 'saas'}:${instance}`;
}

/** Every tenant's events go to one log per kind of upstream, so one `after` id resumes across all tenants. */
const EVENT_STREAM = { saas: 'incident', sandbox: 'incident:sandbox' } as const;

/**
 * The triage queue's index (src/triage/alert-index.ts), kept in the same transactions as the incidents:
 * `sync` returns what publishes its updates once the transaction has committed. `instance`: the tenant the
 * records are of (their alert ids name it).
 */
export interface IncidentAlertSync {
  sync(trx: Transaction<Tables>, records: readonly StoredIncident[], actor: Actor | null, instance: string): Promise<() => void>;
  /** Drops the queue's SaaS Security alerts (the sandbox's incidents are regenerated at every start). */
  clear(trx: Transaction<Tables>): Promise<void>;
}

const ID_CHUNK = 500;
const LIST_PAGE = 1000;

export class IncidentStore {
  /** Every incident event, with its id; written in the same transactions as the changes that cause them. */
  readonly events: EventLog<IncidentEvent>;

  /** The incidents' and fetch state's `scope`: see incidentScope. */
  readonly scope: string;

  private constructor(
    private readonly db: Kysely<Tables>,
    /** The tenant whose incidents these are. */
    readonly instance: string,
    sandbox: boolean,
    maxEvents?: number,
    /** Checked inside every commit that writes the fetch state: the job's lease (see leases.ts). */
    private readonly fence?: (trx: Transaction<Tables>) => Promise<void>,
    private readonly alerts?: IncidentAlertSync,
    events?: EventLog<IncidentEvent>,
  ) {
    this.scope = incidentScope(instance, sandbox);
    this.events = events ?? new EventLog<IncidentEvent>(db, EVENT_STREAM[sandbox ? 'sandbox' : 'saas'], 'incident events', maxEvents);
  }

  /**
   * The store of one tenant (`instance`, default DEFAULT_SAAS_INSTANCE). The sandbox starts empty (every
   * sandbox tenant: with `clearSandbox`, which the first sandbox tenant opened passes), but its event ids go
   * on from the last run's: a client resuming with an id from before the restart must not receive different
   * events under ids it has seen.
   */
  static async open(
    database: Database,
    opts: {
      instance?: string;
      sandbox?: boolean;
      clearSandbox?: boolean;
      maxEvents?: number;
      fence?: (trx: Transaction<Tables>) => Promise<void>;
      alerts?: IncidentAlertSync;
      /** The event log object another tenant's store already has: its append hooks then see every tenant's events. */
      events?: EventLog<IncidentEvent>;
    } = {},
  ): Promise<IncidentStore> {
    const sandbox = opts.sandbox ?? false;
    const store = new IncidentStore(database.db, opts.instance ?? DEFAULT_SAAS_INSTANCE, sandbox, opts.maxEvents, opts.fence, opts.alerts, opts.events);
    if (sandbox && (opts.clearSandbox ?? true)) {
      await database.db.transaction().execute(async (trx) => {
        // Every sandbox tenant's, also those of a run that had more sandbox tenants than this one.
        await trx.deleteFrom('incidents').where('scope', 'like', 'sandbox:%').execute();
        await trx.deleteFrom('fetch_state').where('scope', 'like', 'sandbox:%').execute();
        await store.events.clear(trx);
        await opts.alerts?.clear(trx);
      });
    }
    return store;
  }

  async size(): Promise<number> {
    const row = await this.db.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).where('scope', '=', this.scope).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Whether any stored incident mirrors in: the incoming cycle is skipped while none does. */
  async hasIncomingIncidents(): Promise<boolean> {
    const row = await this.db.selectFrom('incidents').select('incident_id').where('scope', '=', this.scope).where('incoming', '=', 1).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async get(id: number): Promise<StoredIncident | undefined> {
    const row = await this.db.selectFrom('incidents').select('body').where('scope', '=', this.scope).where('incident_id', '=', id).executeTakeFirst();
    return row ? (JSON.parse(row.body) as StoredIncident) : undefined;
  }

  async has(id: number): Promise<boolean> {
    return (await this.known([id])).has(id);
  }

  /** Which of `ids` are stored. */
  async known(ids: readonly number[]): Promise<Set<number>> {
    const out = new Set<number>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      if (!chunk.length) continue;
      const rows = await this.db.selectFrom('incidents').select('incident_id').where('scope', '=', this.scope).where('incident_id', 'in', chunk).execute();
      for (const r of rows) out.add(Number(r.incident_id));
    }
    return out;
  }

  /** The stored copies of `ids` that exist, by id. */
  async getMany(ids: readonly number[]): Promise<Map<number, StoredIncident>> {
    const out = new Map<number, StoredIncident>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      if (!chunk.length) continue;
      const rows = await this.db.selectFrom('incidents').select(['incident_id', 'body']).where('scope', '=', this.scope).where('incident_id', 'in', chunk).execute();
      for (const r of rows) out.set(Number(r.incident_id), JSON.parse(r.body) as StoredIncident);
    }
    return out;
  }

  async state(): Promise<FetchState | undefined> {
    const row = await this.db.selectFrom('fetch_state').select('body').where('scope', '=', this.scope).executeTakeFirst();
    return row ? (JSON.parse(row.body) as FetchState) : undefined;
  }

  /** Every stored incident in id order, read a page at a time. */
  async *incidents(): AsyncGenerator<StoredIncident> {
    let after = -1;
    for (;;) {
      const rows = await this.db
        .selectFrom('incidents')
        .select(['incident_id', 'body'])
        .where('scope', '=', this.scope)
        .where('incident_id', '>', after)
        .orderBy('incident_id', 'asc')
        .limit(LIST_PAGE)
        .execute();
      for (const r of rows) yield JSON.parse(r.body) as StoredIncident;
      if (rows.length < LIST_PAGE) return;
      after = Number(rows[rows.length - 1]!.incident_id);
    }
  }

  /**
   * Writes the incidents, (optionally) the new state and the events they cause in one transaction; returns
   * the events with their ids, to be published by the caller. A commit with a state is the fetch job's and
   * is fenced by its lease: it throws LeaseLostError (writing nothing) once another instance runs the job.
   */
  async commit(
    records: readonly StoredIncident[],
    state?: FetchState,
    events: readonly NewIncidentEvent[] = [],
    /** Who closed the incidents, when an analyst did (closeIncident): their triage status change names them. */
    opts: { actor?: Actor | null } = {},
  ): Promise<IncidentEvent[]> {
    let publishAlerts: (() => void) | undefined;
    const logged = await this.db.transaction().execute(async (trx) => {
      if (state && this.fence) await this.fence(trx);
      for (let i = 0; i < records.length; i += ID_CHUNK) {
        const rows = records.slice(i, i + ID_CHUNK).map((r) => incidentRow(this.scope, r));
        await trx
          .insertInto('incidents')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['scope', 'incident_id']).doUpdateSet((eb) => ({
              incoming: eb.ref('excluded.incoming'),
              fetched_at: eb.ref('excluded.fetched_at'),
              last_activity_at: eb.ref('excluded.last_activity_at'),
              open: eb.ref('excluded.open'),
              body: eb.ref('excluded.body'),
            })),
          )
          .execute();
      }
      if (state) {
        await trx
          .insertInto('fetch_state')
          .values({ scope: this.scope, body: JSON.stringify(state) })
          .onConflict((oc) => oc.column('scope').doUpdateSet((eb) => ({ body: eb.ref('excluded.body') })))
          .execute();
      }
      const appended = await this.events.append(trx, events);
      // After the incident stream's row: every transaction takes the alert stream's last (no lock cycle).
      if (records.length) publishAlerts = await this.alerts?.sync(trx, records, opts.actor ?? null, this.instance);
      return appended;
    });
    publishAlerts?.();
    return logged;
  }

  /**
   * Drops closed incidents with no activity (fetch or mirror sync) since `beforeIso`, and the events logged
   * before it (SECGRAPH_INCIDENT_RETENTION): an incident still mirrored stays however long ago it was first
   * fetched, and an open one stays until it is closed.
   */
  async pruneBefore(beforeIso: string): Promise<{ incidents: number; events: number }> {
    const r = await this.db
      .deleteFrom('incidents')
      .where('scope', '=', this.scope)
      .where('open', '=', 0)
      .where('last_activity_at', '<', beforeIso)
      .executeTakeFirst();
    return { incidents: Number(r.numDeletedRows), events: await this.events.pruneBefore(beforeIso) };
  }

  /** Nothing to release: the Database is closed by whoever opened it. Kept so callers need not know. */
  close(): void {}
}

/** The incidents row of a record (also written by the one-time JSON-lines import). */
export function incidentRow(scope: string, r: StoredIncident): IncidentsTable {
  const synced = r.gateway.lastMirroredAt;
  return {
    scope,
    incident_id: r.wire.incident_id,
    incoming: mirrorsIncoming(r.gateway.mirrorDirection) ? 1 : 0,
    fetched_at: r.gateway.fetchedAt,
    // ISO-8601 strings of one format compare as their times do.
    last_activity_at: synced && synced > r.gateway.fetchedAt ? synced : r.gateway.fetchedAt,
    open: r.gateway.gatewayState === 'CLOSED' ? 0 : 1,
    body: JSON.stringify(r),
  };
}
