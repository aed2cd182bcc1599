// kill -9 in the middle of a fetch: a real gateway process (tsx src/server.ts) fetches a backlog page by
// page from an emulator in this process; it is killed while a page is in flight, then started again on the
// same SECGRAPH_DATA_DIR. Every incident must end up fetched, and none announced twice; the events of the
// first life (stored with their pages, published to nobody) reach a client resuming with `after`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from '../src/emulators/saas-security/emulator.js';
import { IncidentStore } from '../src/fetch/incident-store.js';
import { openDatabase } from '../src/store/database.js';
import { GatedEmulator } from './helpers/gated-emulator.js';
import { waitUntil, wsClient, wsSubscribe } from './helpers/subscribers.js';


const children: ChildProcess[] = [];
let dataDir = '';
let emulator: GatedEmulator;
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await emulator?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `tsx src/server.ts` as its own process; resolves with its URL once it listens. */
async function startChild(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/server.ts')], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'secgraph is listening' && entry.url) resolve(entry.url);
    });
  });
  return { child, url };
}

const storedIds = async (): Promise<number[]> => {
  const database = await openDatabase({ dataDir });
  const ids: number[] = [];
  for await (const r of (await IncidentStore.open(database)).incidents()) ids.push(r.wire.incident_id);
  await database.close();
  return ids.sort((a, b) => a - b);
};

/** The incident ids of the logged events, in event id order; checks the event ids run 1, 2, 3, … */
const loggedIncidentIds = async (): Promise<number[]> => {
  const database = await openDatabase({ dataDir });
  const events = await (await IncidentStore.open(database)).events.since(0, 100_000);
  await database.close();
  expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
  return events.map((e) => e.incident.incidentId);
};

it('after kill -9 mid-fetch and a restart, every incident is fetched and none is announced twice', async () => {
  emulator = new GatedEmulator();
  const url = await emulator.start();
  const all = Array.from({ length: 600 }, () => emulator.createIncident().incident_id);
  dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-crash-'));
  const env = {
    PORT: '0',
    LOG_LEVEL: 'info',
    SAAS_SECURITY_URL: url,
    SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
    SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    SECGRAPH_DATA_DIR: dataDir,
    SAAS_SECURITY_MAX_FETCH: '1000',
    SAAS_SECURITY_MIRROR_DIRECTION: 'None',
    SAAS_SECURITY_FETCH_INTERVAL: '200ms',
  };
  const deltaRequests = () => emulator.requestsTo('/incident/api/incidents/delta').length;

  // First life: killed while its third page is in flight (two pages are committed by then).
  const first = await startChild(env);
  await waitUntil(() => deltaRequests() >= 3, 'the third page request', 20_000);
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const beforeCrash = await storedIds();
  expect(beforeCrash.length).toBeGreaterThan(0);
  expect(beforeCrash.length).toBeLessThan(all.length);
  // Each stored page was logged with its events in the same write.
  expect(await loggedIncidentIds()).toEqual(beforeCrash);

  // Second life: pages are held until a subscriber is listening, so it sees every event of this life.
  let open: () => void = () => {};
  emulator.gate = new Promise((r) => (open = r));
  const second = await startChild(env);
  const client = wsClient(second.url);
  const sub = wsSubscribe(client, 'subscription { incidentEvents { kind incident { incidentId } } }');
  // A client that saw nothing before the crash resumes from the start of the log: the first life's events
  // (replayed) and this life's (live), each once, in order.
  const resumed = wsSubscribe(client, 'subscription { incidentEvents(after: "0") { id incident { incidentId } } }');
  await new Promise<void>((r) => client.on('connected', () => r()));
  await new Promise((r) => setTimeout(r, 300));
  open();
  const expected = all.filter((id) => !beforeCrash.includes(id));
  await waitUntil(() => sub.results.length >= expected.length, `${expected.length} FETCHED events`, 20_000);
  await waitUntil(() => resumed.results.length >= all.length, `${all.length} events to the resuming client`, 20_000);
  // Later runs (every 200 ms) must add nothing: no repeats.
  await new Promise((r) => setTimeout(r, 300));
  const announced = sub.results.map((r) => r.data.incidentEvents.incident.incidentId as number);
  expect(sub.results.every((r) => r.data.incidentEvents.kind === 'FETCHED')).toBe(true);
  expect(announced).toEqual(expected);
  const replayed = resumed.results.map((r) => r.data.incidentEvents as { id: string; incident: { incidentId: number } });
  expect(replayed.map((e) => e.incident.incidentId)).toEqual([...beforeCrash, ...expected]);
  expect(replayed.map((e) => Number(e.id))).toEqual(all.map((_, i) => i + 1));
  await client.dispose();
  second.child.kill('SIGTERM');
  await new Promise((r) => second.child.once('exit', r));
  expect(await storedIds()).toEqual(all);
  expect(await loggedIncidentIds()).toEqual([...beforeCrash, ...expected]);
}, 60_000);
