// Several real gateway processes on one PostgreSQL database behave as one: the fetch runs on the instance
// holding its lease (each upstream page is requested once), every FETCHED event reaches the subscribers of
// every instance once with the same id (through Redis, or through PostgreSQL LISTEN/NOTIFY without it), and
// a kill -9 of the lease holder mid-fetch hands the job to another instance that finishes from the stored
// cursor, losing and repeating nothing, for live subscribers too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from '../src/emulators/saas-security/emulator.js';
import { IncidentStore } from '../src/store/incident-store.js';
import { openDatabase } from '../src/store/database.js';
import { postgresCluster } from './helpers/databases.js';
import { GatedEmulator } from './helpers/gated-emulator.js';
import { killGatewayProcesses, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { waitUntil, wsClient, wsSubscribe } from './helpers/subscribers.js';

const BACKLOG = 2500;
const dirs: string[] = [];
let emulator: GatedEmulator | null = null;
let redis: TestRedis | null = null;
afterEach(async () => {
  await killGatewayProcesses();
  await emulator?.stop();
  emulator = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(async () => {
  await redis?.stop();
});

async function deployment(instances: number, extra: Record<string, string>) {
  emulator = new GatedEmulator();
  let open: () => void = () => {};
  emulator.gate = new Promise((r) => (open = r));
  const url = await emulator.start();
  const all = Array.from({ length: BACKLOG }, () => emulator!.createIncident().incident_id);
  const databaseUrl = await (await postgresCluster()).freshDatabase();
  const env = (i: number) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), `secgraph-instance-${i}-`));
    dirs.push(dataDir);
    return {
      SECGRAPH_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      SAAS_SECURITY_URL: url,
      SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
      SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
      SAAS_SECURITY_MAX_FETCH: '1000',
      SAAS_SECURITY_MIRROR_DIRECTION: 'None',
      SAAS_SECURITY_FETCH_INTERVAL: '200ms',
      SECGRAPH_LEADER_LEASE_MS: '3000',
      ...extra,
    };
  };
  // One after the other: the first to start takes the lease, so which one leads is known.
  const gateways: GatewayProcess[] = [];
  for (let i = 0; i < instances; i++) gateways.push(await startGatewayProcess(env(i)));
  return { gateways, all, databaseUrl, open, deltaRequests: () => emulator!.requestsTo('/incident/api/incidents/delta') };
}

const LEASES = '{ gateway { instance leases { job holder heldHere } } }';
const fetchHolder = async (g: GatewayProcess) => {
  const { gateway } = await g.gql(LEASES);
  return { instance: gateway.instance as string, holder: gateway.leases.find((l: { job: string }) => l.job === 'incident-fetch')?.holder as string | undefined };
};

function subscribeEvents(g: GatewayProcess, after?: string) {
  const client = wsClient(g.url);
  const sub = wsSubscribe(client, `subscription { incidentEvents${after ? `(after: "${after}")` : ''} { id kind incident { incidentId } } }`);
  const connected = new Promise<void>((r) => client.on('connected', () => r()));
  const events = () => sub.results.map((r) => ({ id: Number(r.data.incidentEvents.id), incidentId: r.data.incidentEvents.incident.incidentId as number }));
  return { client, sub, connected, events };
}

it('two instances on PostgreSQL + Redis fetch a backlog once, and both announce every incident once with the same ids', async () => {
  redis ??= await startRedis();
  const d = await deployment(2, { REDIS_URL: redis.url });
  const [a, b] = d.gateways as [GatewayProcess, GatewayProcess];
  // Exactly one instance runs the fetch, and both say which.
  const [ha, hb] = [await fetchHolder(a), await fetchHolder(b)];
  expect(ha.holder).toBe(ha.instance);
  expect(hb.holder).toBe(ha.instance);
  expect(hb.instance).not.toBe(ha.instance);

  const subs = [subscribeEvents(a), subscribeEvents(b)];
  await Promise.all(subs.map((s) => s.connected));
  await new Promise((r) => setTimeout(r, 300));
  d.open();
  for (const s of subs) await waitUntil(() => s.sub.results.length >= BACKLOG, `${BACKLOG} FETCHED events`, 90_000);
  // Later runs (every 200 ms) must add nothing.
  await new Promise((r) => setTimeout(r, 600));
  const [ea, eb] = [subs[0]!.events(), subs[1]!.events()];
  expect(ea).toEqual(eb);
  expect(ea.map((e) => e.id)).toEqual(d.all.map((_, i) => i + 1));
  expect(ea.map((e) => e.incidentId).sort((x, y) => x - y)).toEqual(d.all);

  // Each page of the backlog was asked for once; only the tail (the cursor that idle runs poll) repeats.
  const queries = d.deltaRequests().map((r) => r.query.toString());
  const tail = queries[queries.length - 1];
  const repeated = [...new Set(queries)].filter((q) => q !== tail && queries.filter((x) => x === q).length > 1);
  expect(repeated).toEqual([]);
  expect(new Set(queries).size).toBeGreaterThanOrEqual(BACKLOG / 100);
  for (const s of subs) await s.client.dispose();
}, 180_000);

it('three instances without Redis: kill -9 of the fetch lease holder mid-fetch, another finishes, nothing lost or repeated', async () => {
  const d = await deployment(3, {});
  const leader = d.gateways[0]!;
  expect((await fetchHolder(leader)).holder).toBe((await fetchHolder(leader)).instance);
  const survivors = d.gateways.slice(1);
  // A subscriber on each survivor, live from before the fetch: events reach it through LISTEN/NOTIFY.
  const live = survivors.map((g) => subscribeEvents(g));
  await Promise.all(live.map((s) => s.connected));
  await new Promise((r) => setTimeout(r, 300));
  d.open();
  await waitUntil(() => d.deltaRequests().length >= 5, 'the fifth page request', 30_000);
  await leader.kill();

  // Another instance takes the lease over (within two lease periods) and drains the rest.
  const resumed = subscribeEvents(survivors[0]!, '0');
  await waitUntil(() => resumed.sub.results.length >= BACKLOG, `${BACKLOG} events to a client resuming from 0`, 90_000);
  await new Promise((r) => setTimeout(r, 600));
  const replayed = resumed.events();
  expect(replayed.map((e) => e.id)).toEqual(d.all.map((_, i) => i + 1));
  expect(replayed.map((e) => e.incidentId).sort((x, y) => x - y)).toEqual(d.all);
  const holders = await Promise.all(survivors.map(fetchHolder));
  expect(holders.filter((h) => h.holder === h.instance)).toHaveLength(1);
  expect(holders[0]!.holder).toBe(holders[1]!.holder);
  // The live subscribers, too, saw every event once and in order: those the killed leader committed but never
  // published came from the event log (src/pubsub-catch-up.ts), before the new leader's.
  for (const s of live) {
    await waitUntil(() => s.sub.results.length >= BACKLOG, `${BACKLOG} events to a live subscriber`, 30_000);
    expect(s.events().map((e) => e.id)).toEqual(d.all.map((_, i) => i + 1));
  }

  // The database holds every incident once and one FETCHED event per incident.
  const database = await openDatabase({ dataDir: dirs[0]!, databaseUrl: d.databaseUrl });
  const store = await IncidentStore.open(database);
  const stored: number[] = [];
  for await (const r of store.incidents()) stored.push(r.wire.incident_id);
  const logged = await store.events.since(0, BACKLOG * 2);
  await database.close();
  expect(stored).toEqual(d.all);
  expect(logged.map((e) => e.incident.incidentId).sort((x, y) => x - y)).toEqual(d.all);
  for (const s of [...live, resumed]) await s.client.dispose();
}, 180_000);
