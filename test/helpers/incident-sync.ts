// The fetcher and mirror without GraphQL: the SaaS Security emulator on loopback, the real client, a store in
// a temp dir, an in-process pub/sub whose events are collected, and a ManualClock that only moves when told.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { SaasSecurityClient } from '../../src/connectors/saas-security/client.js';
import type { WireIncident } from '../../src/connectors/saas-security/wire.js';
import type { IncidentEvent } from '../../src/domain/incident-event.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../../src/emulators/saas-security/emulator.js';
import { IncidentStore } from '../../src/fetch/incident-store.js';
import { IncidentSync } from '../../src/fetch/incident-sync.js';
import { createLogger } from '../../src/logger.js';
import { createInProcessPubSub } from '../../src/pubsub.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { FAST_RETRY_ENV, LogCapture } from './gateway.js';

export const T0 = Date.parse('2026-03-10T12:00:00.000Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface SyncHarness {
  clock: ManualClock;
  emulator: SaasSecurityEmulator;
  client: SaasSecurityClient;
  config: Config;
  dataDir: string;
  logs: LogCapture;
  events: IncidentEvent[];
  sync: IncidentSync;
  database: Database;
  /** Stops the sync (closing its store) and starts a new one on the same data dir, as a restart does. */
  restart(env?: Record<string, string>): Promise<IncidentSync>;
  deltaRequests(): URLSearchParams[];
  close(): Promise<void>;
}

/** An incident as the upstream would hold it, created and last updated at the given times. */
export function wireIncident(id: number, createdAt: number, updatedAt = createdAt, extra: Partial<WireIncident> = {}): WireIncident {
  return {
    incident_id: id,
    app_id: 'acf49b2389c09f26ad0ccd2b1a603328',
    app_name: 'Box 1',
    asset_name: `file-${id}.txt`,
    asset_sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    severity: 'High',
    state: 'open',
    status: 'Open-New',
    category: 'new',
    created_at: new Date(createdAt).toISOString(),
    updated_at: new Date(updatedAt).toISOString(),
    ...extra,
  };
}

export async function startSyncHarness(env: Record<string, string> = {}, incidents: WireIncident[] = []): Promise<SyncHarness> {
  const clock = new ManualClock(T0);
  const emulator = new SaasSecurityEmulator({ clock });
  emulator.load(incidents);
  const url = await emulator.start();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-sync-'));
  const logs = new LogCapture();
  const logger = createLogger('debug', logs);
  const makeConfig = (extra: Record<string, string>) =>
    loadConfig({
      SAAS_SECURITY_URL: url,
      SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
      SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
      SECGRAPH_DATA_DIR: dataDir,
      ...FAST_RETRY_ENV,
      ...env,
      ...extra,
    });
  const config = makeConfig({});
  const saas = config.saasSecurity as Extract<Config['saasSecurity'], { mode: 'upstream' }>;
  const client = new SaasSecurityClient({ baseUrl: url, clientId: saas.clientId, clientSecret: saas.clientSecret, http: saas.http, logger, clock });
  const { pubsub } = createInProcessPubSub();
  const events: IncidentEvent[] = [];
  // A plain listener on the topic, like any subscriber: records what was published, in order.
  void (async () => {
    for await (const e of pubsub.subscribe('incident:event')) events.push(e);
  })();
  const build = async (c: Config) => {
    const database = await openDatabase({ dataDir, databaseUrl: c.databaseUrl });
    const store = await IncidentStore.open(database, { maxEvents: c.incidentFetch.eventLogSize });
    return { database, sync: new IncidentSync({ source: client, store, pubsub, clock, logger, config: c.incidentFetch }) };
  };
  const first = await build(config);
  const harness: SyncHarness = {
    clock,
    emulator,
    client,
    config,
    dataDir,
    logs,
    events,
    sync: first.sync,
    database: first.database,
    async restart(extra = {}) {
      await harness.sync.stop();
      await harness.database.close();
      ({ sync: harness.sync, database: harness.database } = await build(makeConfig(extra)));
      return harness.sync;
    },
    deltaRequests: () => emulator.requestsTo('/incident/api/incidents/delta').map((r) => r.query),
    async close() {
      await harness.sync.stop();
      await harness.database.close();
      await emulator.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Lets the pub/sub listener above catch up with what was published. */
export const settle = () => new Promise((r) => setImmediate(r));

export const idsOf = (events: IncidentEvent[], kind?: IncidentEvent['kind']) =>
  events.filter((e) => !kind || e.kind === kind).map((e) => e.incident.incidentId);
