// Live events survive an outage of the pub/sub between instances. Two gateways share one PostgreSQL database
// (so one event log) and a Redis: while the Redis is down, an incident closed on one instance still reaches
// the subscribers of both (each instance delivers what the pub/sub lost from the log), the mutation and
// reads keep working, and once the Redis is back events flow through it again; every event arrives once
// and in order. On PostgreSQL alone, events sent while an instance's LISTEN connection is being re-opened
// reach it too. An instance on SQLite with a Redis has no shared log to catch up from, but while the Redis is
// down its own subscribers still get what it publishes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { IncidentEvent } from '../src/domain/incident-event.js';
import { SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { CloseIncidentDocument } from './gql/graphql.js';
import { postgresCluster } from './helpers/databases.js';
import { recordedFixture } from './helpers/fixtures.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { waitUntil } from './helpers/subscribers.js';

const CATCH_UP = { SECGRAPH_PUBSUB_CATCH_UP: '200ms' };
let emulator: SaasSecurityEmulator;
let redis: TestRedis;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  emulator = new SaasSecurityEmulator();
  emulator.load(recordedFixture<{ resources: any[] }>('saas-security/get-incidents.json').resources);
  await emulator.start();
  redis = await startRedis();
});
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close();
});
afterAll(async () => {
  await emulator?.stop();
  await redis?.stop();
});

/** Two instances on one fresh PostgreSQL database. */
async function twoInstances(env: Record<string, string>): Promise<[TestGateway, TestGateway, string]> {
  const databaseUrl = await (await postgresCluster()).freshDatabase();
  for (let i = 0; i < 2; i++) gateways.push(await startTestGateway({ sharedEmulator: emulator, env: { DATABASE_URL: databaseUrl, ...CATCH_UP, ...env } }));
  return [gateways[0]!, gateways[1]!, databaseUrl];
}

/** How many log lines of the gateway match. */
const logged = (gateway: TestGateway, pattern: RegExp) => gateway.logs.lines.filter((l) => pattern.test(l)).length;
/** Catch-ups of incident events only: an action also writes audit entries and alert updates, streams of their own. */
const incidentCatchUps = (gateway: TestGateway) => gateway.logs.lines.filter((l) => /had lost, from the event log/.test(l) && l.includes('"topic":"incident:event"')).length;

/** Every incident event an instance's subscribers receive, from now on. */
function collect(gateway: TestGateway): IncidentEvent[] {
  const received: IncidentEvent[] = [];
  void (async () => {
    for await (const e of gateway.services.pubsub.subscribe('incident:event')) received.push(e);
  })();
  return received;
}

async function closeIncident(gateway: TestGateway, id: string): Promise<void> {
  const r = await gateway.gql(CloseIncidentDocument, { id, category: 'NO_REASON' });
  expect(r.body.errors).toBeUndefined();
}

const summary = (events: IncidentEvent[]) => events.map((e) => `${e.id}:${e.incident.incidentId}`);

describe('live events across a pub/sub outage', () => {
  it('with Redis down, events reach both instances from the log; after it is back, through Redis again; each once, in order', async () => {
    const [a, b] = await twoInstances({ REDIS_URL: redis.url });
    const [onA, onB] = [collect(a), collect(b)];
    await new Promise((r) => setTimeout(r, 300)); // the Redis SUBSCRIBEs are asynchronous

    await closeIncident(a, '3');
    await waitUntil(() => onA.length === 1 && onB.length === 1, 'the first event on both instances');

    await redis.down();
    await closeIncident(a, '4');
    await waitUntil(() => onA.length === 2 && onB.length === 2, 'the event closed while Redis is down, on both instances', 10_000);
    expect(logged(a, /cannot be published to Redis/)).toBe(1);
    expect(incidentCatchUps(b)).toBeGreaterThan(0);
    // Reads go on without the shared cache (they go to the upstream).
    expect((await b.gql('{ incident(id: "5") { incidentId } }')).body.data).toEqual({ incident: { incidentId: 5 } });

    await redis.start();
    // Once both Redis connections are back, an event goes through Redis again (no catch-up needed for it).
    await new Promise((r) => setTimeout(r, 1_500));
    const caughtUpBefore = incidentCatchUps(b);
    await closeIncident(a, '5');
    await waitUntil(() => onA.length === 3 && onB.length === 3, 'the event closed after Redis is back, on both instances');
    await new Promise((r) => setTimeout(r, 600)); // three catch-up intervals: nothing may come twice
    expect(incidentCatchUps(b)).toBe(caughtUpBefore);
    expect(logged(a, /publishing to Redis works again/)).toBe(1);

    expect(summary(onA)).toEqual(summary(onB));
    expect(onB.map((e) => e.incident.incidentId)).toEqual([3, 4, 5]);
    expect(onB.map((e) => e.kind)).toEqual(['CLOSED', 'CLOSED', 'CLOSED']);
    const ids = onB.map((e) => e.id);
    expect(ids).toEqual([ids[0], ids[0]! + 1, ids[0]! + 2]);
  }, 60_000);

  it('on PostgreSQL alone, an event sent while the LISTEN connections are re-opened still reaches both instances, once', async () => {
    const [a, b, databaseUrl] = await twoInstances({});
    const [onA, onB] = [collect(a), collect(b)];
    await new Promise((r) => setTimeout(r, 300));
    await closeIncident(a, '6');
    await waitUntil(() => onA.length === 1 && onB.length === 1, 'the first event on both instances');

    // Every instance's LISTEN connection is cut; they re-open after 500 ms, and the NOTIFY sent meanwhile is lost.
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const cut = await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where query like 'LISTEN %' and datname = current_database()");
    await admin.end();
    expect(cut.rowCount).toBe(2);
    await closeIncident(a, '7');
    await waitUntil(() => onA.length === 2 && onB.length === 2, 'the event sent while LISTEN was down, on both instances', 10_000);
    await new Promise((r) => setTimeout(r, 1_500)); // the connections are back, and any late copy would have come
    expect(summary(onA)).toEqual(summary(onB));
    expect(onB.map((e) => e.incident.incidentId)).toEqual([6, 7]);
  }, 60_000);

  it('on SQLite with Redis down, an instance\'s own subscribers still get what it publishes', async () => {
    const gateway = await startTestGateway({ sharedEmulator: emulator, env: { REDIS_URL: redis.url, ...CATCH_UP } });
    gateways.push(gateway);
    const received = collect(gateway);
    await new Promise((r) => setTimeout(r, 300));
    await closeIncident(gateway, '8');
    await waitUntil(() => received.length === 1, 'the event through Redis');

    await redis.down();
    try {
      await closeIncident(gateway, '9');
      await waitUntil(() => received.length === 2, 'the event closed while Redis is down', 10_000);
      expect(logged(gateway, /cannot be published to Redis/)).toBe(1);
    } finally {
      await redis.start();
    }
    expect(received.map((e) => e.incident.incidentId)).toEqual([8, 9]);
  }, 60_000);
});
