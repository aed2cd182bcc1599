// The durable side of fetching: every fetched incident (the upstream copy plus the gateway's record) and the
// fetch/mirror cursors, in one DurableStore under SECGRAPH_DATA_DIR. A page's incidents and the cursor that
// follows them are written in ONE batch, so after any crash either both are there or neither is: nothing
// fetched twice, nothing skipped.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { toIncident } from '../connectors/saas-security/map.js';
import type { WireIncident } from '../connectors/saas-security/wire.js';
import { mirrorsIncoming, type GatewayIncidentFields } from '../domain/incident-record.js';
import type { Incident } from '../domain/saas-security.js';
import { DurableStore } from '../store/durable-store.js';

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

type Value = StoredIncident | FetchState;
const STATE_KEY = 'state';
const incidentKey = (id: number) => `incident:${id}`;

export const INCIDENT_STORE_FILE = 'saas-security-incidents.jsonl';
/** The sandbox regenerates its incidents on every start, so its records are kept apart and start empty. */
export const SANDBOX_INCIDENT_STORE_FILE = 'saas-security-sandbox-incidents.jsonl';

export class IncidentStore {
  private readonly log: DurableStore<Value>;
  /** How many stored incidents mirror in: the incoming cycle is skipped while there are none. */
  private incoming = 0;

  private constructor(file: string) {
    this.log = DurableStore.open<Value>(file);
    for (const [key, value] of this.log.entries()) {
      if (key !== STATE_KEY && mirrorsIncoming((value as StoredIncident).gateway.mirrorDirection)) this.incoming += 1;
    }
  }

  static open(dataDir: string, opts: { sandbox?: boolean } = {}): IncidentStore {
    if (!opts.sandbox) return new IncidentStore(path.join(dataDir, INCIDENT_STORE_FILE));
    const file = path.join(dataDir, SANDBOX_INCIDENT_STORE_FILE);
    rmSync(file, { force: true });
    return new IncidentStore(file);
  }

  get size(): number {
    return this.log.size - (this.log.has(STATE_KEY) ? 1 : 0);
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
    for (const [key, value] of this.log.entries()) if (key !== STATE_KEY) yield value as StoredIncident;
  }

  /** Writes the incidents and (optionally) the new state as one durable, all-or-nothing batch. */
  commit(records: readonly StoredIncident[], state?: FetchState): void {
    const entries: Array<[string, Value]> = records.map((r) => [incidentKey(r.wire.incident_id), r]);
    if (state) entries.push([STATE_KEY, state]);
    let incomingDelta = 0;
    for (const r of records) {
      const before = this.get(r.wire.incident_id);
      if (before && mirrorsIncoming(before.gateway.mirrorDirection)) incomingDelta -= 1;
      if (mirrorsIncoming(r.gateway.mirrorDirection)) incomingDelta += 1;
    }
    this.log.setMany(entries);
    this.incoming += incomingDelta;
  }

  close(): void {
    this.log.close();
  }
}

/** The domain incident for a stored record: the upstream copy with the gateway's record attached. */
export function storedIncident(r: StoredIncident): Incident {
  return { ...toIncident(r.wire), gateway: r.gateway };
}
