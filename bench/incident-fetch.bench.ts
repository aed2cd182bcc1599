// Fetch drain: an emulator holding 100,000 and 1,000,000 incidents (all inside the first-fetch window), each
// drained by the real fetcher (real client over loopback HTTP, the SQLite store in a temp folder, one
// transaction per page) in runs of 1,000. Prints time to drain, incidents/s and the fetcher's peak RSS. The
// emulator runs in its own process (bench/servers/saas-emulator.ts), so the RSS is the fetcher's alone and
// must stay flat as the count grows (no table is held in memory; target < 300 MB at both sizes).
// BENCH_FETCH_INCIDENTS=100000 runs one size; the 1,000,000 run takes a few minutes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { SaasSecurityClient } from '../src/connectors/saas-security/client.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from '../src/emulators/saas-security/emulator.js';
import { IncidentStore } from '../src/fetch/incident-store.js';
import { IncidentSync } from '../src/fetch/incident-sync.js';
import { createLogger } from '../src/logger.js';
import { createInProcessPubSub } from '../src/pubsub.js';
import { openDatabase } from '../src/store/database.js';
import { startChild } from './child.js';

const SIZES = (process.env['BENCH_FETCH_INCIDENTS'] ?? '100000,1000000').split(',').map(Number);
const RSS_TARGET_MB = 300;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export async function run(): Promise<void> {
  for (const size of SIZES) await drain(size);
}

async function drain(INCIDENTS: number): Promise<void> {
  globalThis.gc?.();
  const rssStart = process.memoryUsage().rss;
  const emulator = await startChild('bench/servers/saas-emulator.ts', { BENCH_EMULATOR_INCIDENTS: String(INCIDENTS) }, ['--max-old-space-size=16384']);
  const url = emulator.url;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-bench-fetch-'));
  const config = loadConfig({
    SAAS_SECURITY_URL: url,
    SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
    SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    SECGRAPH_DATA_DIR: dataDir,
    SAAS_SECURITY_FIRST_FETCH: '31 days',
    SAAS_SECURITY_MAX_FETCH: '1000',
    SAAS_SECURITY_MIRROR_DIRECTION: 'None',
  });
  const logger = createLogger('silent');
  const saas = config.saasSecurity as { url: string; clientId: string; clientSecret: string; http: typeof config.saasSecurity.http };
  const client = new SaasSecurityClient({ baseUrl: url, clientId: saas.clientId, clientSecret: saas.clientSecret, http: saas.http, logger, clock: systemClock });
  const { pubsub } = createInProcessPubSub();
  let published = 0;
  const counting = (async () => {
    for await (const _ of pubsub.subscribe('incident:event')) published += 1;
  })();
  const database = await openDatabase({ dataDir });
  const sync = new IncidentSync({ source: client, store: await IncidentStore.open(database), pubsub, clock: systemClock, logger, config: config.incidentFetch });

  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  let runs = 0;
  for (;;) {
    runs += 1;
    const r = await sync.runOnce();
    if (r.error) throw new Error(r.error);
    if (r.fetched === 0) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const fetched = (await sync.status()).fetchedTotal;
  const pages = await new Promise<number>((resolve) => {
    emulator.process.once('message', (m) => resolve((m as { pages: number }).pages));
    emulator.process.send('pages');
  });
  console.log(`incidents in emulator      ${INCIDENTS}`);
  console.log(`fetched (stored)           ${fetched} in ${runs} runs, ${pages} page requests`);
  console.log(`FETCHED events published   ${published}`);
  console.log(`time to drain              ${seconds.toFixed(2)} s`);
  console.log(`incidents/s                ${(fetched / seconds).toFixed(0)}`);
  console.log(`fetcher RSS before / peak while draining   ${mb(rssStart)} / ${mb(peak)}`);
  console.log(`RATIO fetch peak RSS / 300 MB, ${INCIDENTS.toLocaleString('en')} incidents: ${(peak / 1024 / 1024 / RSS_TARGET_MB).toFixed(2)} (${mb(peak)}; target < 1.00)`);
  await sync.stop();
  await database.close();
  void counting;
  await emulator.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
