// Live incident events over both transports: graphql-ws against a real port (startGateway) and SSE through
// yoga.fetch. The fetcher runs on its real timer here (a short interval): a subscriber must receive what the
// emulator creates. Also: authorisation when subscribing, filters, the bounded buffer and its overflow policy,
// and errors staying inside the subscription they happen in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPubSub } from 'graphql-yoga';
import { loadConfig } from '../src/config.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { createLogger } from '../src/logger.js';
import { startGateway, type RunningGateway } from '../src/server.js';
import { boundedSubscription, SubscriptionFailure } from '../src/subscriptions/bounded-subscription.js';
import { FAST_RETRY_ENV, LogCapture, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { sseSubscribe, waitUntil, wsClient, wsSubscribe } from './helpers/subscribers.js';

const READ_KEY = 'reader-key-0001';
const RESPOND_KEY = 'responder-key-0001';
const EVENTS = `subscription($filter: IncidentEventFilter) {
  incidentEvents(filter: $filter) { kind changedFields at incident { incidentId state severity appId mirrorDirection fetchedAt } }
}`;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The real server on a free port, fetching every 200 ms from an emulator in this process. */
async function realGateway(env: Record<string, string> = {}): Promise<{ gateway: RunningGateway; emulator: SaasSecurityEmulator; logs: LogCapture }> {
  const emulator = new SaasSecurityEmulator();
  const url = await emulator.start();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-subs-'));
  const logs = new LogCapture();
  const config = loadConfig({
    PORT: '0',
    SAAS_SECURITY_URL: url,
    SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
    SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    SECGRAPH_DATA_DIR: dataDir,
    SECGRAPH_API_KEYS: `${READ_KEY}=read,${RESPOND_KEY}=respond`,
    SAAS_SECURITY_FETCH_INTERVAL: '200ms',
    ...FAST_RETRY_ENV,
    ...env,
  });
  const gateway = await startGateway(config, createLogger('debug', logs));
  cleanups.push(async () => {
    await gateway.stop();
    await emulator.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { gateway, emulator, logs };
}

describe('graphql-ws', () => {
  it('a subscriber receives FETCHED for an incident the emulator creates, at the next fetch run', async () => {
    const { gateway, emulator } = await realGateway();
    const client = wsClient(gateway.url, READ_KEY);
    cleanups.push(() => client.dispose() as Promise<void>);
    const sub = wsSubscribe(client, EVENTS);
    const other = wsSubscribe(client, EVENTS, { filter: { kinds: ['CLOSED'] } });
    // Proof that the subscription is live: keep creating until one arrives. Then the one under test.
    let lastProbe = 0;
    while (sub.results.length === 0) {
      lastProbe = emulator.createIncident().incident_id;
      await new Promise((r) => setTimeout(r, 250));
    }
    // Incidents are fetched in order: once the last probe is announced, the next event is the one under test.
    const announced = (id: number) => sub.results.some((r) => (r as any).data?.incidentEvents?.incident?.incidentId === id);
    await waitUntil(() => announced(lastProbe), 'the FETCHED event of the last probe');
    const before = sub.results.length;
    const created = emulator.createIncident({ severity: 'Critical' });
    await waitUntil(() => sub.results.length > before, 'the FETCHED event');
    expect(sub.results[before]).toEqual({
      data: {
        incidentEvents: {
          kind: 'FETCHED',
          changedFields: [],
          at: expect.any(String),
          incident: { incidentId: created.incident_id, state: 'OPEN', severity: 'CRITICAL', appId: created.app_id, mirrorDirection: 'Both', fetchedAt: expect.any(String) },
        },
      },
    });
    expect(other.results).toEqual([]);
    sub.stop();
    other.stop();
  });

  it('authorises when subscribing: no key closes the socket (4401), a key without read gets FORBIDDEN, and no events', async () => {
    const { gateway } = await realGateway();
    const anonymous = wsClient(gateway.url, undefined);
    cleanups.push(() => anonymous.dispose() as Promise<void>);
    const refused = wsSubscribe(anonymous, EVENTS);
    await waitUntil(() => refused.ended !== null || refused.results.length > 0, 'the close');
    expect(refused.results).toEqual([]);
    expect((refused.ended?.error as { code?: number } | undefined)?.code).toBe(4401);

    const client = wsClient(gateway.url, RESPOND_KEY);
    cleanups.push(() => client.dispose() as Promise<void>);
    const sub = wsSubscribe(client, EVENTS);
    await waitUntil(() => sub.ended !== null || sub.results.length > 0, 'the FORBIDDEN answer');
    const errors = (sub.ended?.error as Array<{ extensions?: { code?: string } }> | undefined) ?? sub.results[0]?.errors;
    expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('SSE', () => {
  let gw: TestGateway;
  const start = async (env: Record<string, string> = {}) => {
    gw = await startTestGateway({ env: { SAAS_SECURITY_FETCH: 'true', SAAS_SECURITY_FETCH_INTERVAL: '200ms', ...env } });
    cleanups.push(() => gw.close());
    return gw;
  };

  it('a subscriber receives FETCHED for an incident the emulator creates, at the next fetch run', async () => {
    await start();
    const sub = await sseSubscribe(gw.yoga, EVENTS, { variables: { filter: { kinds: ['FETCHED'] } } });
    cleanups.push(() => sub.cancel());
    expect(sub.status).toBe(200);
    const created = gw.emulator.createIncident();
    await waitUntil(() => sub.results.length > 0, 'the FETCHED event');
    expect(sub.results[0]!.data.incidentEvents).toMatchObject({ kind: 'FETCHED', incident: { incidentId: created.incident_id } });
  });

  it('drops a subscriber that falls behind its buffer, without holding up the others', async () => {
    await start({ SECGRAPH_SUBSCRIPTION_BUFFER: '5', SAAS_SECURITY_FETCH: 'false' });
    const slow = await sseSubscribe(gw.yoga, EVENTS, { paused: true });
    const fast = await sseSubscribe(gw.yoga, EVENTS);
    cleanups.push(() => slow.cancel(), () => fast.cancel());
    // One incident per run, each delivered to the reading subscriber before the next: it never falls behind.
    for (let i = 1; i <= 20; i += 1) {
      gw.emulator.createIncident();
      await gw.services.incidentSync!.runOnce();
      await waitUntil(() => fast.results.length === i, `event ${i} at the reading subscriber`);
    }
    slow.resume();
    await waitUntil(() => slow.ended !== null, 'the slow subscriber to be ended');
    const delivered = slow.results.filter((r) => r.data?.incidentEvents);
    const last = slow.results[slow.results.length - 1]!;
    expect(last.errors?.[0]?.extensions?.code).toBe('SUBSCRIPTION_OVERFLOW');
    // What it did get is a gap-free prefix of the stream: nothing silently skipped.
    const ids = delivered.map((r) => r.data.incidentEvents.incident.incidentId);
    const all = fast.results.map((r) => r.data.incidentEvents.incident.incidentId);
    expect(ids).toEqual(all.slice(0, ids.length));
    expect(ids.length).toBeLessThan(20);
    expect(fast.ended).toBeNull();
    expect(gw.logs.text).toContain('incidentEvents subscription ended');
  });

  it('a field error in one subscriber’s results stays in that subscriber’s payloads', async () => {
    await start({ SAAS_SECURITY_FETCH: 'false' });
    const withApp = await sseSubscribe(gw.yoga, 'subscription { incidentEvents { incident { incidentId app { appName } } } }');
    const plain = await sseSubscribe(gw.yoga, 'subscription { incidentEvents { incident { incidentId } } }');
    cleanups.push(() => withApp.cancel(), () => plain.cancel());
    gw.emulator.injectFault({ kind: 'server-error', status: 500 }, { path: /\/apps$/, times: 10 });
    gw.emulator.createIncident();
    await gw.services.incidentSync!.runOnce();
    await waitUntil(() => withApp.results.length === 1 && plain.results.length === 1, 'both subscribers');
    expect(withApp.results[0]!.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(withApp.results[0]!.data.incidentEvents.incident.app).toBeNull();
    expect(plain.results[0]).toEqual({ data: { incidentEvents: { incident: { incidentId: expect.any(Number) } } } });
  });
});

describe('bounded subscription buffer', () => {
  const pubsub = () => createPubSub<{ t: [number] }>();

  it('delivers up to its capacity, then one failure, then completes; the publisher never waits', async () => {
    const ps = pubsub();
    const sub = boundedSubscription(ps.subscribe('t'), { capacity: 3 });
    const first = sub.next(); // subscribes
    await new Promise((r) => setImmediate(r));
    for (let i = 1; i <= 6; i += 1) ps.publish('t', i);
    await new Promise((r) => setImmediate(r));
    const got: unknown[] = [(await first).value];
    for (;;) {
      const r = await sub.next();
      if (r.done) break;
      got.push(r.value);
    }
    expect(got.slice(0, -1)).toEqual([1, 2, 3, 4]);
    expect(got[got.length - 1]).toBeInstanceOf(SubscriptionFailure);
    expect((got[got.length - 1] as SubscriptionFailure).error.message).toMatch(/fell 3 events behind/);
  });

  it('ends only the subscription whose filter throws', async () => {
    const ps = pubsub();
    const bad = boundedSubscription(ps.subscribe('t'), { capacity: 10, accept: () => { throw new Error('bad filter'); } });
    const good = boundedSubscription(ps.subscribe('t'), { capacity: 10 });
    const [b, g] = [bad.next(), good.next()];
    await new Promise((r) => setImmediate(r));
    ps.publish('t', 1);
    ps.publish('t', 2);
    expect(((await b).value as SubscriptionFailure).error.message).toBe('bad filter');
    expect((await bad.next()).done).toBe(true);
    expect((await g).value).toBe(1);
    expect((await good.next()).value).toBe(2);
    await good.return!();
    expect((await good.next()).done).toBe(true);
  });
});
