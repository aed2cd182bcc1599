// The incident event log and `incidentEvents(after:)`: a client that was away (disconnected, dropped,
// or the gateway restarted) resumes from the last event id it saw and receives exactly what it missed, once,
// then the live events. Driven with runOnce() (no fetch timer) over SSE through yoga.fetch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { IncidentStore } from '../src/fetch/incident-store.js';
import { openDatabase } from '../src/store/database.js';
import { configErrorOf } from './helpers/config.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { sseSubscribe, waitUntil, type Result } from './helpers/subscribers.js';

const EVENTS = `subscription($after: ID, $filter: IncidentEventFilter) {
  incidentEvents(after: $after, filter: $filter) { id kind at incident { incidentId severity createdAt updatedAt } }
}`;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function gateway(env: Record<string, string> = {}, sharedEmulator?: SaasSecurityEmulator): Promise<TestGateway> {
  const gw = await startTestGateway({ env, ...(sharedEmulator ? { sharedEmulator } : {}) });
  cleanups.push(() => gw.close());
  return gw;
}

async function subscribe(gw: TestGateway, variables: Record<string, unknown> = {}, opts: { paused?: boolean } = {}) {
  const sub = await sseSubscribe(gw.yoga, EVENTS, { variables, ...opts });
  cleanups.push(() => sub.cancel());
  return sub;
}

const events = (results: Result[]) =>
  results.map((r) => r.data.incidentEvents as { id: string; kind: string; incident: { incidentId: number; severity: string } });
const incidentIds = (results: Result[]) => events(results).map((e) => e.incident.incidentId);

/** Creates `n` incidents upstream and runs one fetch; returns their ids. */
async function createAndFetch(gw: TestGateway, n: number, partial = {}): Promise<number[]> {
  const ids = Array.from({ length: n }, () => gw.emulator.createIncident(partial).incident_id);
  await gw.services.incidentSync!.runOnce();
  return ids;
}

describe('resuming with after', () => {
  it('a client that reconnects with the last id it saw receives exactly the missed events, once, then live ones', async () => {
    const gw = await gateway();
    const first = await subscribe(gw);
    const seen = await createAndFetch(gw, 2);
    await waitUntil(() => first.results.length === 2, 'the first two events');
    expect(incidentIds(first.results)).toEqual(seen);
    const lastId = events(first.results)[1]!.id;
    await first.cancel();

    // Away: the emulator creates incidents, a fetch runs, nobody is listening.
    const missed = await createAndFetch(gw, 3);
    const resumed = await subscribe(gw, { after: lastId });
    await waitUntil(() => resumed.results.length === 3, 'the three missed events');
    expect(incidentIds(resumed.results)).toEqual(missed);

    const live = await createAndFetch(gw, 1);
    await waitUntil(() => resumed.results.length === 4, 'the live event');
    expect(incidentIds(resumed.results)).toEqual([...missed, ...live]);
    const ids = events(resumed.results).map((e) => Number(e.id));
    expect(ids).toEqual([Number(lastId) + 1, Number(lastId) + 2, Number(lastId) + 3, Number(lastId) + 4]);
  });

  it('applies the filter to the replayed events as to the live ones', async () => {
    const gw = await gateway();
    await createAndFetch(gw, 1, { severity: 'Low' });
    const critical = await createAndFetch(gw, 1, { severity: 'Critical' });
    const sub = await subscribe(gw, { after: '0', filter: { severities: ['CRITICAL'] } });
    await waitUntil(() => sub.results.length === 1, 'the replayed critical event');
    expect(incidentIds(sub.results)).toEqual(critical);
  });

  it('the seam: an event published while the replay is undelivered comes once, after the replay', async () => {
    const gw = await gateway();
    const old = await createAndFetch(gw, 3);
    // A paused client: subscribed (live listener and replay snapshot taken) but reading nothing yet.
    const sub = await subscribe(gw, { after: '0' }, { paused: true });
    const during = await createAndFetch(gw, 2);
    // An event logged before the snapshot whose publish arrives late (as through Redis): replay has it, so
    // the live copy must be skipped.
    const [late] = await gw.services.incidentSync!.store.events.since(0, 1);
    gw.services.pubsub.publish('incident:event', late!);
    sub.resume();
    await waitUntil(() => sub.results.length >= 5, 'the replayed and the live events');
    const after = await createAndFetch(gw, 1);
    await waitUntil(() => sub.results.length >= 6, 'one more live event');
    expect(incidentIds(sub.results)).toEqual([...old, ...during, ...after]);
    expect(events(sub.results).map((e) => Number(e.id))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('without after, a subscriber receives live events only', async () => {
    const gw = await gateway();
    await createAndFetch(gw, 2);
    const sub = await subscribe(gw);
    const live = await createAndFetch(gw, 1);
    await waitUntil(() => sub.results.length === 1, 'the live event');
    expect(incidentIds(sub.results)).toEqual(live);
  });
});

describe('the log bound', () => {
  it('keeps the last SECGRAPH_INCIDENT_EVENT_LOG_SIZE events; asking for older ones is BAD_USER_INPUT', async () => {
    const gw = await gateway({ SECGRAPH_INCIDENT_EVENT_LOG_SIZE: '100', SAAS_SECURITY_MAX_FETCH: '200' });
    const ids = await createAndFetch(gw, 130);
    const log = gw.services.incidentSync!.store.events;
    expect([await log.size(), await log.oldestId(), await log.lastId()]).toEqual([100, 31, 130]);

    const page = await gw.gql('query($after: ID) { incidentEvents(after: $after, first: 1000) { id incident { incidentId } } }', { after: '30' });
    expect(page.body.data.incidentEvents.map((e: { id: string }) => Number(e.id))).toEqual(Array.from({ length: 100 }, (_, i) => 31 + i));
    expect(page.body.data.incidentEvents.map((e: { incident: { incidentId: number } }) => e.incident.incidentId)).toEqual(ids.slice(30));

    const tooOld = await gw.gql('query { incidentEvents(after: "29") { id } }');
    expect(tooOld.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooOld.body.errors?.[0]?.message).toMatch(/no longer kept.*oldest kept is 31/);
    const future = await gw.gql('query { incidentEvents(after: "131") { id } }');
    expect(future.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const sub = await subscribe(gw, { after: '5' });
    await waitUntil(() => sub.ended !== null || sub.results.length > 0, 'the error');
    expect(sub.results[0]?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(sub.results[0]?.data?.incidentEvents).toBeFalsy();
    expect(gw.logs.text).toContain('no longer kept');
  });

  it('SECGRAPH_INCIDENT_EVENT_LOG_SIZE defaults to 10000 and is checked at start', () => {
    expect(loadConfig({}).incidentFetch.eventLogSize).toBe(10_000);
    for (const value of ['99', 'lots']) expect(configErrorOf({ SECGRAPH_INCIDENT_EVENT_LOG_SIZE: value }).variable).toBe('SECGRAPH_INCIDENT_EVENT_LOG_SIZE');
  });

  it('rejects a malformed after', async () => {
    const gw = await gateway();
    const res = await gw.gql('query { incidentEvents(after: "abc") { id } }');
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('across restarts', () => {
  it('ids keep increasing, nothing from the log is published again, and a client resumes with an id from before', async () => {
    const emulator = new SaasSecurityEmulator();
    await emulator.start();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-replay-'));
    cleanups.push(async () => {
      await emulator.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const env = { SECGRAPH_DATA_DIR: dataDir };

    const firstLife = await startTestGateway({ env, sharedEmulator: emulator });
    const seenBefore = Array.from({ length: 2 }, () => emulator.createIncident().incident_id);
    await firstLife.services.incidentSync!.runOnce();
    const unseen = Array.from({ length: 2 }, () => emulator.createIncident().incident_id);
    await firstLife.services.incidentSync!.runOnce();
    await firstLife.close();

    const gw = await gateway(env, emulator);
    const liveOnly = await subscribe(gw);
    const resumed = await subscribe(gw, { after: '2' });
    const afterRestart = Array.from({ length: 1 }, () => emulator.createIncident().incident_id);
    await gw.services.incidentSync!.runOnce();
    await waitUntil(() => resumed.results.length === 3 && liveOnly.results.length === 1, 'the events after the restart');
    expect(seenBefore).toHaveLength(2);
    expect(incidentIds(resumed.results)).toEqual([...unseen, ...afterRestart]);
    expect(events(resumed.results).map((e) => e.id)).toEqual(['3', '4', '5']);
    expect(events(liveOnly.results).map((e) => [e.id, e.incident.incidentId])).toEqual([['5', afterRestart[0]]]);
  });

  it('the sandbox store starts empty but its event ids go on from the last run', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-replay-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const event = { kind: 'CLOSED' as const, changedFields: [], at: new Date(0).toISOString(), incident: { incidentId: 1 } as never };
    const db1 = await openDatabase({ dataDir });
    const first = await IncidentStore.open(db1, { sandbox: true });
    expect((await first.commit([], undefined, [event, event])).map((e) => e.id)).toEqual([1, 2]);
    await db1.close();
    const db2 = await openDatabase({ dataDir });
    const second = await IncidentStore.open(db2, { sandbox: true });
    expect([await second.events.size(), await second.events.lastId()]).toEqual([0, 2]);
    expect((await second.commit([], undefined, [event])).map((e) => e.id)).toEqual([3]);
    await db2.close();
  });
});
