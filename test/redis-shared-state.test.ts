// With REDIS_URL, gateway instances share the cache and the pub/sub through a real Redis: an incident closed
// on one instance is pushed to subscribers of another, and one instance's upstream reads serve the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import type { IncidentEvent } from '../src/domain/incident-event.js';
import { AppsDocument, CloseIncidentDocument } from './gql/graphql.js';
import { recordedFixture } from './helpers/fixtures.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

let redis: TestRedis;
let emulator: SaasSecurityEmulator;
let a: TestGateway;
let b: TestGateway;

beforeAll(async () => {
  redis = await startRedis();
  emulator = new SaasSecurityEmulator();
  emulator.load(recordedFixture<{ resources: any[] }>('saas-security/get-incidents.json').resources);
  await emulator.start();
  a = await startTestGateway({ sharedEmulator: emulator, env: { REDIS_URL: redis.url } });
  b = await startTestGateway({ sharedEmulator: emulator, env: { REDIS_URL: redis.url } });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await emulator?.stop();
  await redis?.stop();
});

describe('shared state through Redis', () => {
  it('one instance reads the apps upstream; the other is served from the shared cache', async () => {
    expect((await a.gql(AppsDocument)).body.data!.apps).toHaveLength(6);
    expect((await b.gql(AppsDocument)).body.data!.apps).toHaveLength(6);
    expect(emulator.requestsTo('/incident/api/apps')).toHaveLength(1);
  });

  it('an incident closed on one instance reaches subscribers of the other', async () => {
    const iterator = b.services.pubsub.subscribe('incident:event')[Symbol.asyncIterator]();
    const received = iterator.next();
    // The Redis SUBSCRIBE is asynchronous: give it a moment, then act on the other instance.
    await new Promise((r) => setTimeout(r, 200));
    const close = await a.gql(CloseIncidentDocument, { id: '7', category: 'NO_REASON' });
    expect(close.body.errors).toBeUndefined();
    const { value } = (await received) as { value: IncidentEvent };
    expect(value.kind).toBe('CLOSED');
    expect(value.incident.incidentId).toBe(7);
    expect(value.incident.state).toBe('CLOSED');
    await iterator.return?.();
  });
});
