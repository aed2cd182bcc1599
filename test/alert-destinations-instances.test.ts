// Two gateway processes on one PostgreSQL deliver one outbox: both claim rows (FOR UPDATE SKIP LOCKED), the
// one holding the backlog is killed with kill -9 mid-way, and the other delivers the rest once the dead one's
// claims expire. Every alert arrives; a delivery arrives twice only if it was in flight in the killed process,
// and then always with its one idempotency key and the same body.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { eventually, samlRecord } from './helpers/destinations.js';
import { killGatewayProcesses, startGatewayProcess } from './helpers/gateway-process.js';
import { postgresCluster } from './helpers/databases.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';

const ALERTS = 120;
const CONCURRENCY = 3;

let soar: Receiver | null = null;
afterEach(async () => {
  await killGatewayProcesses();
  await soar?.close();
});
afterAll(async () => {
  await (await postgresCluster()).stop().catch(() => {});
});

describe('two instances on PostgreSQL', () => {
  it('deliver every alert after kill -9 of the sender, duplicates only in flight and with the same idempotency key', async () => {
    // Each answer takes a while, so the killed process has deliveries in flight.
    soar = await startReceiver({ status: 200, body: 'ok', delayMs: 150 });
    const dir = mkdtempSync(path.join(tmpdir(), 'secgraph-destinations-instances-'));
    const config = path.join(dir, 'secgraph.yaml');
    writeFileSync(config, stringify({ destinations: [{ name: 'soar', type: 'webhook', url: '${SOAR_URL}', secret: 'instances-secret', concurrency: CONCURRENCY, timeout: '1s' }] }));
    const databaseUrl = await (await postgresCluster()).freshDatabase();
    const env = (i: number) => ({
      SECGRAPH_DATA_DIR: mkdtempSync(path.join(dir, `data-${i}-`)),
      CLOUDTRAIL_DIR: mkdtempSync(path.join(dir, `cloudtrail-${i}-`)),
      STA_SANDBOX_ALERTS: 'false',
      DATABASE_URL: databaseUrl,
      SECGRAPH_CONFIG: config,
      SOAR_URL: soar!.url,
      SECGRAPH_LEADER_LEASE_MS: '1000',
      SECGRAPH_DESTINATION_POLL: '200ms',
    });
    const a = await startGatewayProcess(env(0));
    const b = await startGatewayProcess(env(1));
    // The alerts arrive at A in one file, all in one transaction with their deliveries.
    const res = await fetch(`${a.url}/ingest/cloudtrail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Records: Array.from({ length: ALERTS }, (_, i) => samlRecord(`instances-${i}`)) }),
    });
    expect(res.status).toBe(200);
    await soar.waitFor(15, 30_000);
    await a.kill();
    const killedAt = soar.requests.length;
    expect(killedAt).toBeLessThan(ALERTS);

    // B delivers the rest, including what A had claimed, once A's claims expire.
    await eventually(() => new Set(soar!.requests.map((r) => r.json.alertId)).size === ALERTS, 60_000, 'every alert at the receiver');
    await new Promise((r) => setTimeout(r, 1_500));
    const byKey = new Map<string, string[]>();
    for (const r of soar.requests) byKey.set(String(r.headers['idempotency-key']), [...(byKey.get(String(r.headers['idempotency-key'])) ?? []), r.body]);
    expect(byKey.size).toBe(ALERTS);
    const repeated = [...byKey.values()].filter((bodies) => bodies.length > 1);
    // At most what A had in flight (its concurrency), each at most twice, each time the same message.
    expect(repeated.length).toBeLessThanOrEqual(CONCURRENCY);
    for (const bodies of repeated) {
      expect(bodies).toHaveLength(2);
      expect(JSON.parse(bodies[1]!).alertId).toBe(JSON.parse(bodies[0]!).alertId);
      expect(JSON.parse(bodies[1]!).deliveryId).toBe(JSON.parse(bodies[0]!).deliveryId);
    }
    expect(soar.requests.length).toBe(ALERTS + repeated.length);
    const { destinations } = await b.gql('{ destinations { name delivered failed pending } }');
    expect(destinations).toEqual([{ name: 'soar', delivered: ALERTS, failed: 0, pending: 0 }]);
    // B never wrote over a claim it had lost (its claims outlived its attempts).
    expect(b.logs.some((l) => l['msg'] === 'a delivery outlived its claim (another instance may have sent it too, with the same idempotency key)')).toBe(false);
  }, 120_000);
});
