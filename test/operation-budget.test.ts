// The per-key operation budget is a token bucket: SECGRAPH_RATE_LIMIT_BURST operations at once, refilled
// continuously at SECGRAPH_RATE_LIMIT_PER_MINUTE; a refusal's Retry-After (and extensions.retryAfter) is the
// whole seconds until the next token, after which the call is served. A batch job that honours Retry-After
// completes every operation exactly once. With REDIS_URL two gateways spend one bucket.
import { afterEach, describe, expect, it } from 'vitest';
import { memoryTokenBucket } from '../src/security/token-bucket.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { startServedGateway, type ServedGateway } from './helpers/server.js';

const KEY = 'budget-key-000001';
const OTHER = 'budget-key-000002';
const VERSION = '{ gateway { version } }';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One operation over HTTP: served, or refused with its Retry-After (header and extensions, checked equal). */
async function call(g: ServedGateway, query = VERSION, variables?: Record<string, unknown>, key = KEY): Promise<{ served: true } | { served: false; retryAfter: number }> {
  const res = await fetch(`${g.gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { errors?: Array<{ extensions?: Record<string, unknown> }> };
  if (res.status !== 429) {
    expect(body.errors).toBeUndefined();
    return { served: true };
  }
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(body.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter });
  return { served: false, retryAfter };
}

describe('the token bucket', () => {
  it('serves a burst up to its size, then refills continuously; the wait is to the next token', async () => {
    let now = 1_000_000;
    const bucket = memoryTokenBucket({ perMinute: 60, burst: 3 }, () => now);
    expect([await bucket.take('k'), await bucket.take('k'), await bucket.take('k')]).toEqual([0, 0, 0]);
    expect(await bucket.take('k')).toBe(1000);
    now += 400;
    expect(await bucket.take('k')).toBe(600);
    now += 600;
    expect(await bucket.take('k')).toBe(0);
    // Two and a half intervals later two tokens are back, and the third is half an interval away.
    now += 2500;
    expect([await bucket.take('k'), await bucket.take('k'), await bucket.take('k')]).toEqual([0, 0, 500]);
    // Idle long enough, the bucket is full again, and no fuller.
    now += 60_000;
    expect([await bucket.take('k'), await bucket.take('k'), await bucket.take('k'), await bucket.take('k')]).toEqual([0, 0, 0, 1000]);
    expect(await bucket.take('another key')).toBe(0);
  });
});

describe('operation budget', () => {
  const gateways: ServedGateway[] = [];
  let redis: TestRedis | null = null;
  afterEach(async () => {
    for (const g of gateways.splice(0)) await g.close();
    await redis?.stop();
    redis = null;
  });
  const served = async (env: Record<string, string>) => {
    const g = await startServedGateway({ SECGRAPH_API_KEYS: `${KEY}=read+respond,${OTHER}=read`, ...env });
    gateways.push(g);
    return g;
  };

  it('serves a burst up to SECGRAPH_RATE_LIMIT_BURST; past it Retry-After names the next token, after which the call is served', async () => {
    const g = await served({ SECGRAPH_RATE_LIMIT_PER_MINUTE: '60', SECGRAPH_RATE_LIMIT_BURST: '5' });
    const burst = await Promise.all(Array.from({ length: 5 }, () => call(g)));
    expect(burst.every((r) => r.served)).toBe(true);
    const refused = await call(g);
    // One token a second: the next one is less than a second away.
    expect(refused).toEqual({ served: false, retryAfter: 1 });
    expect((await call(g, VERSION, undefined, OTHER)).served).toBe(true);
    await sleep(1000 * (refused as { retryAfter: number }).retryAfter);
    expect((await call(g)).served).toBe(true);
  });

  it('a batch job at several concurrent requests that honours Retry-After completes every operation exactly once', async () => {
    const g = await served({ SECGRAPH_RATE_LIMIT_PER_MINUTE: '120', SECGRAPH_RATE_LIMIT_BURST: '4' });
    const N = 12;
    const CONCURRENCY = 4;
    const queue = Array.from({ length: N }, (_, i) => `batch-asset-${i}`);
    const retryAfters: number[] = [];
    let completed = 0;
    const worker = async () => {
      for (let asset = queue.shift(); asset; asset = queue.shift()) {
        for (;;) {
          const r = await call(g, 'mutation($a: ID!) { remediateAsset(assetId: $a, type: QUARANTINE) { status } }', { a: asset });
          if (r.served) break;
          retryAfters.push(r.retryAfter);
          await sleep(r.retryAfter * 1000);
        }
        completed += 1;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(completed).toBe(N);
    // Refused operations never ran: each asset was remediated upstream exactly once.
    const sent = g.emulator.requestsTo('/remediation/api/assets', 'POST').map((r) => (JSON.parse(r.body) as { asset_id: string }).asset_id);
    expect(sent.sort()).toEqual(Array.from({ length: N }, (_, i) => `batch-asset-${i}`).sort());
    // The job outran its bucket, and each refusal named the next token (at most half a second away): 1 s.
    expect(retryAfters.length).toBeGreaterThan(0);
    expect(new Set(retryAfters)).toEqual(new Set([1]));
  });

  it('two gateways on one Redis spend one bucket; each honours the other’s Retry-After', async () => {
    redis = await startRedis();
    const env = { SECGRAPH_RATE_LIMIT_PER_MINUTE: '60', SECGRAPH_RATE_LIMIT_BURST: '3', REDIS_URL: redis.url };
    const a = await served(env);
    const b = await served(env);
    expect([(await call(a)).served, (await call(b)).served, (await call(a)).served]).toEqual([true, true, true]);
    const refused = await call(b);
    expect(refused).toEqual({ served: false, retryAfter: 1 });
    expect(await call(a)).toEqual({ served: false, retryAfter: 1 });
    await sleep(1000);
    expect((await call(a)).served).toBe(true);
  });

  it('with Redis down, each gateway goes on with a bucket of its own rather than no limit', async () => {
    redis = await startRedis();
    // One token a minute: calls that wait on the lost connection before falling back refill nothing meanwhile.
    const g = await served({ SECGRAPH_RATE_LIMIT_PER_MINUTE: '1', SECGRAPH_RATE_LIMIT_BURST: '2', REDIS_URL: redis.url });
    expect((await call(g)).served).toBe(true);
    await redis.down();
    const results = [];
    for (let i = 0; i < 3; i += 1) results.push(await call(g));
    expect(results.map((r) => r.served)).toEqual([true, true, false]);
    expect((results[2] as { retryAfter: number }).retryAfter).toBeGreaterThan(1);
    expect((results[2] as { retryAfter: number }).retryAfter).toBeLessThanOrEqual(60);
  });
});
