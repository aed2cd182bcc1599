// Subscription fan-out: 100, 1,000 and 5,000 graphql-ws subscribers (one WebSocket each) to incidentEvents on
// a real gateway port; events published through the gateway's pub/sub. Prints p50/p99 from publish to
// receipt and RSS per subscriber. Clients and server share this process (and its RSS and CPU): the figures
// are an upper bound for the server alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { toIncident } from '../src/connectors/saas-security/map.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { generateIncidents } from '../src/emulators/saas-security/seed.js';
import { createLogger } from '../src/logger.js';
import { startGateway } from '../src/server.js';

const SIZES = [100, 1_000, 5_000];
const EVENTS = 20;
const BATCH = 250;
const QUERY = 'subscription { incidentEvents { kind at incident { incidentId severity appName } } }';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
};

export async function run(): Promise<void> {
  const emulator = new SaasSecurityEmulator();
  const upstream = await emulator.start();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-bench-fanout-'));
  const config = loadConfig({
    PORT: '0',
    SAAS_SECURITY_URL: upstream,
    SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
    SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    SECGRAPH_DATA_DIR: dataDir,
    SAAS_SECURITY_FETCH: 'false',
  });
  const gateway = await startGateway(config, createLogger('silent'));
  const wsUrl = `${gateway.url.replace(/^http/, 'ws')}/graphql`;
  const [wire] = generateIncidents(1, Date.now());
  const incident = toIncident(wire!);

  console.log('subscribers   p50 ms   p99 ms   RSS/subscriber');
  for (const n of SIZES) {
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    let received = 0;
    const reached = new Set<number>();
    let failures = 0;
    let lastFailure = '';
    const clients: Client[] = [];
    const unsubscribe: Array<() => void> = [];
    // Connect in batches (a burst of thousands of handshakes in one process times out); every subscriber of a
    // batch is live once a warm-up event (numbered 0) has reached it.
    for (let first = 0; first < n; first += BATCH) {
      for (let i = first; i < Math.min(n, first + BATCH); i += 1) {
        const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
        clients.push(client);
        unsubscribe.push(
          client.subscribe(
            { query: QUERY },
            {
              next: (r) => {
                const seq = Date.parse((r.data as any).incidentEvents.at);
                if (seq === 0) return void reached.add(i);
                latencies.push(performance.now() - sentAt.get(seq)!);
                received += 1;
              },
              error: (e) => {
                failures += 1;
                lastFailure = e instanceof Error ? e.message : JSON.stringify(e);
              },
              complete: () => {},
            },
          ),
        );
      }
      for (let warm = 0; reached.size < clients.length; warm += 1) {
        if (warm > 60 || failures) throw new Error(`only ${reached.size} of ${clients.length} subscribers connected; ${failures} failed: ${lastFailure}`);
        gateway.services.pubsub.publish('incident:event', { id: 0, kind: 'FETCHED', incident, changedFields: [], at: new Date(0).toISOString() });
        // Long enough for the warm-up to reach every live subscriber before the next one is queued.
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    const rssSubscribed = process.memoryUsage().rss;
    for (let e = 1; e <= EVENTS; e += 1) {
      sentAt.set(e, performance.now());
      // `at` carries the event's number (as epoch ms) so receipts map back to their publish time. Published
      // straight to the pub/sub, not logged: this measures live fan-out only.
      gateway.services.pubsub.publish('incident:event', { id: e, kind: 'FETCHED', incident, changedFields: [], at: new Date(e).toISOString() });
      await until(() => received >= e * n);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `${String(n).padStart(11)}   ${percentile(latencies, 50).toFixed(1).padStart(6)}   ${percentile(latencies, 99).toFixed(1).padStart(6)}   ${((rssSubscribed - rssBefore) / n / 1024).toFixed(1)} KB`,
    );
    for (const u of unsubscribe) u();
    await Promise.all(clients.map((c) => c.dispose()));
    await new Promise((r) => setTimeout(r, 500));
  }
  await gateway.stop();
  await emulator.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
