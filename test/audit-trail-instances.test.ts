// One audit trail for a deployment: two gateway processes on one PostgreSQL database write it, a third reads
// it in order (auditLog newest first, auditEvents resuming with `after`), ids and sequences the same whichever
// instance wrote an entry. kill -9 of a gateway while its mutation is at the upstream leaves that entry
// ATTEMPTED, never missing; every completed action has exactly one entry.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { print } from 'graphql';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { EmulatorResponse, RecordedRequest } from '../src/emulators/http-emulator.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { AuditEventsDocument } from './gql/graphql.js';
import { postgresCluster } from './helpers/databases.js';
import { killGatewayProcesses, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.js';
import { waitUntil, wsClient, wsSubscribe } from './helpers/subscribers.js';

const KEY = 'audit-instances-key-0001';

/** The SaaS Security emulator, but an incident close waits for `gate`: the mutation is held at the upstream. */
class CloseGatedEmulator extends SaasSecurityEmulator {
  gate: Promise<void> = Promise.resolve();
  protected override async handle(req: RecordedRequest): Promise<EmulatorResponse> {
    if (req.method === 'POST' && /\/state$/.test(req.path)) await this.gate;
    return super.handle(req);
  }
}

let emulator: CloseGatedEmulator | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await killGatewayProcesses();
  await emulator?.stop();
  emulator = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(async () => {
  await (await postgresCluster()).stop();
});

async function gql(g: GatewayProcess, query: string, variables?: Record<string, unknown>): Promise<{ data?: any; errors?: any[] }> {
  const res = await fetch(`${g.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as { data?: any; errors?: any[] };
}

const TRAIL = `query($first: Int, $after: String, $filter: AuditFilter) { auditLog(first: $first, after: $after, filter: $filter) {
  edges { node { id sequence action target outcome errorCode instance actor { kind id } } } pageInfo { hasNextPage endCursor } } }`;

/** The whole trail as `g` reads it, newest first, a page of 3 at a time (so the cursors are used). */
async function wholeTrail(g: GatewayProcess, filter: Record<string, unknown> = {}): Promise<any[]> {
  const all: any[] = [];
  let after: string | null = null;
  for (;;) {
    const r = await gql(g, TRAIL, { first: 3, after, filter });
    expect(r.errors).toBeUndefined();
    all.push(...r.data.auditLog.edges.map((e: any) => e.node));
    if (!r.data.auditLog.pageInfo.hasNextPage) return all;
    after = r.data.auditLog.pageInfo.endCursor;
  }
}

const CLOSE = `mutation($id: ID!) { closeIncident(id: $id, category: MISIDENTIFIED) { id } }`;

it('two instances write one trail that a third reads in order; kill -9 at the upstream leaves the entry ATTEMPTED', async () => {
  emulator = new CloseGatedEmulator();
  const url = await emulator.start();
  const incidents = Array.from({ length: 5 }, () => emulator!.createIncident().incident_id);
  const databaseUrl = await (await postgresCluster()).freshDatabase();
  const env = () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-audit-instance-'));
    const cloudtrail = mkdtempSync(path.join(tmpdir(), 'secgraph-audit-ct-'));
    dirs.push(dataDir, cloudtrail);
    return {
      SECGRAPH_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      SECGRAPH_API_KEYS: `${KEY}=read+respond+audit`,
      SAAS_SECURITY_URL: url,
      SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
      SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
      SAAS_SECURITY_FETCH: 'false',
      STA_SANDBOX_ALERTS: 'false',
      CLOUDTRAIL_DIR: cloudtrail,
      SECGRAPH_PUBSUB_CATCH_UP: '200ms',
    };
  };
  const [a, b, reader] = [await startGatewayProcess(env()), await startGatewayProcess(env()), await startGatewayProcess(env())];
  const instanceOf = async (g: GatewayProcess) => (await gql(g, '{ gateway { instance } }')).data.gateway.instance as string;
  const [instanceA, instanceB] = [await instanceOf(a), await instanceOf(b)];

  // The reader follows the trail live from before the actions.
  const client = wsClient(reader.url, KEY);
  const live = wsSubscribe(client, print(AuditEventsDocument), { filter: { action: 'closeIncident' } });
  await new Promise<void>((r) => client.on('connected', () => r()));
  await new Promise((r) => setTimeout(r, 300));

  // Interleaved: a, b, a, b.
  for (const [g, id] of [[a, incidents[0]], [b, incidents[1]], [a, incidents[2]], [b, incidents[3]]] as const) {
    expect((await gql(g, CLOSE, { id: String(id) })).errors).toBeUndefined();
  }
  const closes = (await wholeTrail(reader, { action: 'closeIncident' })).reverse();
  expect(closes.map((e) => e.target)).toEqual(incidents.slice(0, 4).map((id) => `incident:${id}`));
  expect(closes.map((e) => e.instance)).toEqual([instanceA, instanceB, instanceA, instanceB]);
  expect(closes.every((e) => e.outcome === 'SUCCEEDED' && e.actor.kind === 'API_KEY')).toBe(true);
  // Ids increase in the order the actions were begun, whichever instance wrote them.
  const ids = closes.map((e) => Number(e.id));
  expect(ids).toEqual([...ids].sort((x, y) => x - y));
  // The other two read the same trail.
  for (const g of [a, b]) expect((await wholeTrail(g, { action: 'closeIncident' })).reverse()).toEqual(closes);

  // Live on the reader: each close as ATTEMPTED then SUCCEEDED, in sequence order, from both writers.
  await waitUntil(() => live.results.length >= 8, 'the eight live writes', 20_000);
  const got = live.results.map((r) => r.data.auditEvents);
  expect(got.map((e: any) => Number(e.sequence))).toEqual(got.map((e: any) => Number(e.sequence)).sort((x: number, y: number) => x - y));
  for (const c of closes) expect(got.filter((e: any) => e.id === c.id).map((e: any) => e.outcome)).toEqual(['ATTEMPTED', 'SUCCEEDED']);
  live.stop();

  // Resuming on another instance after the 3rd write: the entries written after it, in sequence order.
  const resumeAfter = got[2].sequence;
  const resumed = wsSubscribe(wsClient(a.url, KEY), print(AuditEventsDocument), { after: resumeAfter, filter: { action: 'closeIncident' } });
  const expected = got.filter((e: any) => Number(e.sequence) > Number(resumeAfter));
  // An entry completed after the resume point is replayed once, as it is now (its latest write).
  const latest = [...new Map(expected.map((e: any) => [e.id, e])).values()].sort((x: any, y: any) => Number(x.sequence) - Number(y.sequence));
  await waitUntil(() => resumed.results.length >= latest.length, 'the replayed entries');
  await new Promise((r) => setTimeout(r, 200));
  expect(resumed.results.map((r) => [r.data.auditEvents.id, r.data.auditEvents.outcome])).toEqual(latest.map((e: any) => [e.id, e.outcome]));
  resumed.stop();

  // kill -9 of a while its close is held at the upstream.
  let open: () => void = () => {};
  emulator.gate = new Promise((r) => (open = r));
  const statePosts = () => emulator!.requestsTo(/\/state$/, 'POST').length;
  const before = statePosts();
  void gql(a, CLOSE, { id: String(incidents[4]) }).catch(() => undefined);
  await waitUntil(() => statePosts() > before, 'the close to reach the upstream');
  await a.kill();
  open();
  const held = (await wholeTrail(reader, { target: `incident:${incidents[4]}` }))[0];
  expect(held).toMatchObject({ action: 'closeIncident', outcome: 'ATTEMPTED', errorCode: null, instance: instanceA });

  // Every completed action has exactly one entry; nothing else is ATTEMPTED.
  const trail = await wholeTrail(reader);
  const completed = trail.filter((e) => e.outcome !== 'ATTEMPTED' && e.action === 'closeIncident');
  expect(completed.map((e) => e.target).sort()).toEqual(incidents.slice(0, 4).map((id) => `incident:${id}`).sort());
  expect(trail.filter((e) => e.outcome === 'ATTEMPTED').map((e) => e.target)).toEqual([`incident:${incidents[4]}`]);
  expect(new Set(trail.map((e) => e.id)).size).toBe(trail.length);
}, 120_000);
