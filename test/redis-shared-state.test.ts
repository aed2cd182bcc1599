// With REDIS_URL, gateway instances share the cache and the pub/sub through a real Redis: an incident closed
// on one instance is pushed to subscribers of another, and one instance's upstream reads serve the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import KeyvRedis from '@keyv/redis';
import { cached, redisCacheFactory } from '../src/connectors/cache.js';
import { MissClaims, type ClaimRedis } from '../src/connectors/miss-claim.js';
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

  it('a miss of one key on both instances at once makes one upstream call: the second waits for the first', async () => {
    const PAGE = '{ incidents(first: 7) { edges { node { incidentId } } } }';
    const deltas = () => emulator.requestsTo(/\/incident\/api\/incidents\/delta/).length;
    const before = deltas();
    emulator.injectFault({ kind: 'slow', delayMs: 400 }, { times: 1, path: /\/incident\/api\/incidents\/delta/ });
    const first = a.gql(PAGE);
    await new Promise((r) => setTimeout(r, 100)); // a's call is under way, its claim taken
    const [ra, rb] = await Promise.all([first, b.gql(PAGE)]);
    expect(ra.body.errors).toBeUndefined();
    expect(rb.body).toEqual(ra.body);
    expect(ra.body.data!.incidents.edges).toHaveLength(7);
    expect(deltas() - before).toBe(1);
  });

  it("a miss claim whose holder never releases it ends at its expiry, and a late release leaves the next holder's claim alone", async () => {
    const store = new KeyvRedis(redis.url);
    const claims = new MissClaims(() => store.getClient() as unknown as Promise<ClaimRedis>, 200);
    const release = await claims.claim('apps', 'k');
    expect(release).not.toBeNull();
    expect(await claims.claim('apps', 'k')).toBeNull();
    expect(await claims.held('apps', 'k')).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(await claims.held('apps', 'k')).toBe(false);
    const next = await claims.claim('apps', 'k');
    expect(next).not.toBeNull();
    await release!();
    expect(await claims.held('apps', 'k')).toBe(true);
    await next!();
    expect(await claims.held('apps', 'k')).toBe(false);
    await store.disconnect();
  });

  it('with the Redis unreachable, a cached read computes its value instead of waiting for a reconnect', async () => {
    const factory = await redisCacheFactory('redis://127.0.0.1:1');
    const cache = factory('apps', 60_000);
    cache.on('error', () => {});
    // Before, node-redis queued the commands until a reconnect that never came: this never returned.
    await expect(cached(cache, 'apps', async () => ['from upstream'])).resolves.toEqual(['from upstream']);
    await factory.close();
  }, 15_000);

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
