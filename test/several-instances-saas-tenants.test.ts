// Two SaaS Security tenants (SECGRAPH_CONFIG saasSecurity.instances) served by two real gateway processes on
// one PostgreSQL database: each tenant's fetch runs on the instance holding that tenant's own lease, so each
// tenant's backlog is requested and announced once although its incident ids collide with the other's; the
// events of both tenants share one log, so a client resumes across both with one id, on either instance;
// after kill -9 of the lease holder the other instance takes both tenants over from their stored cursors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from '../src/emulators/saas-security/emulator.js';
import { postgresCluster } from './helpers/databases.js';
import { GatedEmulator } from './helpers/gated-emulator.js';
import { killGatewayProcesses, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.js';
import { waitUntil, wsClient, wsSubscribe } from './helpers/subscribers.js';

const BACKLOG = 400;
const TENANTS = ['us', 'eu'] as const;
const dirs: string[] = [];
const emulators: GatedEmulator[] = [];
afterEach(async () => {
  await killGatewayProcesses();
  for (const e of emulators.splice(0)) await e.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tempDir = (prefix: string) => {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

interface Seen {
  id: number;
  instance: string;
  incidentId: number;
}

function subscribeEvents(g: GatewayProcess, after?: string) {
  const client = wsClient(g.url);
  const sub = wsSubscribe(client, `subscription { incidentEvents${after ? `(after: "${after}")` : ''} { id incident { instance incidentId } } }`);
  const connected = new Promise<void>((r) => client.on('connected', () => r()));
  const events = (): Seen[] =>
    sub.results.map((r) => ({ id: Number(r.data.incidentEvents.id), instance: r.data.incidentEvents.incident.instance, incidentId: r.data.incidentEvents.incident.incidentId }));
  return { client, sub, connected, events };
}

const LEASES = '{ gateway { instance leases { job holder } } }';
async function fetchHolders(g: GatewayProcess): Promise<{ instance: string; holders: Record<string, string | undefined> }> {
  const { gateway } = await g.gql(LEASES);
  const holder = (job: string) => gateway.leases.find((l: { job: string }) => l.job === job)?.holder as string | undefined;
  return { instance: gateway.instance, holders: { us: holder('incident-fetch:us'), eu: holder('incident-fetch:eu') } };
}

/** The incident ids of `instance` among `events`, sorted. */
const idsOf = (events: Seen[], instance: string) => events.filter((e) => e.instance === instance).map((e) => e.incidentId).sort((a, b) => a - b);

it('two tenants on two instances: each tenant fetched once, colliding ids apart, one event log resumable across both, takeover after kill -9', async () => {
  let open: () => void = () => {};
  const gate = new Promise<void>((r) => (open = r));
  const urls: Record<string, string> = {};
  const upstream: Record<string, GatedEmulator> = {};
  for (const name of TENANTS) {
    const e = new GatedEmulator();
    e.gate = gate;
    e.pageDelayMs = 20;
    emulators.push(e);
    upstream[name] = e;
    urls[name] = await e.start();
    // The same ids, 1..BACKLOG, at both tenants.
    for (let i = 0; i < BACKLOG; i++) e.createIncident({ asset_name: `${name}-file` });
  }
  const file = path.join(tempDir('secgraph-tenants-config-'), 'secgraph.yaml');
  writeFileSync(
    file,
    `saasSecurity:\n  instances:\n${TENANTS.map((n) =>
      [`    - name: ${n}`, `      url: ${urls[n]}`, `      clientId: ${EMULATOR_CLIENT_ID}`, `      clientSecret: ${EMULATOR_CLIENT_SECRET}`, '      fetch: { interval: 200ms, maxFetch: 1000 }', '      mirrorDirection: None'].join('\n'),
    ).join('\n')}\n`,
  );
  const databaseUrl = await (await postgresCluster()).freshDatabase();
  const env = () => ({ SECGRAPH_DATA_DIR: tempDir('secgraph-tenant-instance-'), DATABASE_URL: databaseUrl, SECGRAPH_CONFIG: file, SECGRAPH_LEADER_LEASE_MS: '3000' });
  // One after the other: the first to start takes both tenants' leases.
  const a = await startGatewayProcess(env());
  const b = await startGatewayProcess(env());
  const [ha, hb] = [await fetchHolders(a), await fetchHolders(b)];
  expect(ha.holders).toEqual({ us: ha.instance, eu: ha.instance });
  expect(hb.holders).toEqual(ha.holders);

  const subs = [subscribeEvents(a), subscribeEvents(b)];
  await Promise.all(subs.map((s) => s.connected));
  await new Promise((r) => setTimeout(r, 300));
  open();
  for (const s of subs) await waitUntil(() => s.sub.results.length >= 2 * BACKLOG, `${2 * BACKLOG} FETCHED events`, 90_000);
  // Later runs (every 200 ms) must add nothing.
  await new Promise((r) => setTimeout(r, 600));
  const [ea, eb] = [subs[0]!.events(), subs[1]!.events()];
  expect(ea).toEqual(eb);
  expect(ea.map((e) => e.id)).toEqual(Array.from({ length: 2 * BACKLOG }, (_, i) => i + 1));
  const all = Array.from({ length: BACKLOG }, (_, i) => i + 1);
  for (const name of TENANTS) {
    expect(idsOf(ea, name)).toEqual(all);
    // Each page of the tenant's backlog was asked for once; only the tail (the cursor idle runs poll) repeats.
    const queries = upstream[name]!.requestsTo('/incident/api/incidents/delta').map((r) => r.query.toString());
    const tail = queries[queries.length - 1];
    expect([...new Set(queries)].filter((q) => q !== tail && queries.filter((x) => x === q).length > 1)).toEqual([]);
  }
  const lastSeen = String(ea[ea.length - 1]!.id);
  for (const s of subs) await s.client.dispose();

  // The holder dies; the other instance takes both tenants over and fetches what is new at each.
  await a.kill();
  for (const name of TENANTS) upstream[name]!.createIncident({ incident_id: BACKLOG + 1, asset_name: `${name}-late` });
  const resumed = subscribeEvents(b, lastSeen);
  await waitUntil(() => resumed.sub.results.length >= 2, 'the two late incidents, one per tenant', 30_000);
  await new Promise((r) => setTimeout(r, 600));
  const late = resumed.events();
  expect(late.map((e) => e.id)).toEqual([2 * BACKLOG + 1, 2 * BACKLOG + 2]);
  expect(late.map((e) => `${e.instance}:${e.incidentId}`).sort()).toEqual([`eu:${BACKLOG + 1}`, `us:${BACKLOG + 1}`]);
  const after = await fetchHolders(b);
  expect(after.holders).toEqual({ us: after.instance, eu: after.instance });
  // Each tenant's own record of the colliding id.
  const { us, eu } = await b.gql(`{ us: incident(id: "${BACKLOG + 1}", instance: "us") { assetName } eu: incident(id: "${BACKLOG + 1}", instance: "eu") { assetName } }`);
  expect([us.assetName, eu.assetName]).toEqual(['us-late', 'eu-late']);
  await resumed.client.dispose();
}, 180_000);
