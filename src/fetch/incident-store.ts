// The durable side of fetching: every fetched incident (the upstream copy plus the gateway's record) and the
// fetch/mirror cursors, and the incident event log, in one DurableStore under SECGRAPH_DATA_DIR. A page's
// incidents, the cursor that follows them and their events are written in ONE batch, so after any crash
// either all are there or none is: nothing fetched twice, nothing skipped, no event lost.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { toIncident } from '../connectors/saas-security/map.js';
import type { WireIncident } from '../connectors/saas-security/wire.js';
import { mirrorsIncoming, type GatewayIncidentFields } from '../domain/incident-record.js';
import type { IncidentEvent, NewIncidentEvent } from '../domain/incident-event.js';
import type { Incident } from '../domain/saas-security.js';
import { DurableStore } from '../store/durable-store.js';
import { EVENT_SEQ_KEY, IncidentEventLog } from './incident-event-log.js';

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

type Value = StoredIncident | FetchState | IncidentEvent | number;
const STATE_KEY = 'state';
const INCIDENT_PREFIX = 'incident:';
const incidentKey = (id: number) => `${INCIDENT_PREFIX}${id}`;

export const INCIDENT_STORE_FILE = 'saas-security-incidents.jsonl';
/** The sandbox regenerates its incidents on every start, so its records are kept apart and start empty. */
export const SANDBOX_INCIDENT_STORE_FILE = 'saas-security-sandbox-incidents.jsonl';

export class IncidentStore {
  private readonly log: DurableStore<Value>;
  /** Every incident event, with its id; written in the same batches as the changes that cause them. */
  readonly events: IncidentEventLog;
  /** How many stored incidents mirror in: the incoming cycle is skipped while there are none. */
  private incoming = 0;
  private count = 0;

  private constructor(file: string, maxEvents?: number) {
    this.log = DurableStore.open<Value>(file);
    for (const r of this.incidents()) {
      this.count += 1;
      if (mirrorsIncoming(r.gateway.mirrorDirection)) this.incoming += 1;
    }
    this.events = new IncidentEventLog(this.log, maxEvents);
  }

  static open(dataDir: string, opts: { sandbox?: boolean; maxEvents?: number } = {}): IncidentStore {
    if (!opts.sandbox) return new IncidentStore(path.join(dataDir, INCIDENT_STORE_FILE), opts.maxEvents);
    const file = path.join(dataDir, SANDBOX_INCIDENT_STORE_FILE);
    // The sandbox starts empty, but its event ids go on from the last run's: a client resuming with an id
    // from before the restart must not receive different events under ids it has already seen.
    let lastEventId = 0;
    if (existsSync(file)) {
      const previous = DurableStore.open<Value>(file);
      lastEventId = (previous.get(EVENT_SEQ_KEY) as number | undefined) ?? 0;
      previous.close();
    }
    rmSync(file, { force: true });
    if (lastEventId) {
      const fresh = DurableStore.open<Value>(file);
      fresh.set(EVENT_SEQ_KEY, lastEventId);
      fresh.close();
    }
    return new IncidentStore(file, opts.maxEvents);
  }

  get size(): number {
    return this.count;
  }

  get hasIncomingIncidents(): boolean {
    return this.incoming > 0;
  }

  get(id: number): StoredIncident | undefined {
    return this.log.get(incidentKey(id)) as StoredIncident | undefined;
  }

  has(id: number): boolean {
    return this.log.has(incidentKey(id));
  }

  state(): FetchState | undefined {
    return this.log.get(STATE_KEY) as FetchState | undefined;
  }

  *incidents(): IterableIterator<StoredIncident> {
    for (const [key, value] of this.log.entries()) if (key.startsWith(INCIDENT_PREFIX)) yield value as StoredIncident;
  }

  /**
   * Writes the incidents, (optionally) the new state and the events they cause as one durable, all-or-nothing
   * batch; returns the events with their ids, to be published by the caller.
   */
  commit(records: readonly StoredIncident[], state?: FetchState, events: readonly NewIncidentEvent[] = []): IncidentEvent[] {
    const entries: Array<[string, Value]> = records.map((r) => [incidentKey(r.wire.incident_id), r]);
    if (state) entries.push([STATE_KEY, state]);
    const { logged, entries: eventEntries } = this.events.prepare(events);
    entries.push(...eventEntries);
    let incomingDelta = 0;
    let added = 0;
    for (const r of records) {
      const before = this.get(r.wire.incident_id);
      if (!before) added += 1;
      if (before && mirrorsIncoming(before.gateway.mirrorDirection)) incomingDelta -= 1;
      if (mirrorsIncoming(r.gateway.mirrorDirection)) incomingDelta += 1;
    }
    this.log.setMany(entries);
    this.incoming += incomingDelta;
    this.count += added;
    this.events.appended(logged);
    return logged;
  }

  close(): void {
    this.log.close();
  }
}

/** The domain incident for a stored record: the upstream copy with the gateway's record attached. */
export function storedIncident(r: StoredIncident): Incident {
  return { ...toIncident(r.wire), gateway: r.gateway };
}
