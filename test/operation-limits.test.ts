// With API keys: introspection and suggestions off (unless SECGRAPH_INTROSPECTION=true), every rejection with
// a stable extensions.code, argument lengths bounded, the per-key rate limit (shared through Redis when
// REDIS_URL is set) and failed-authentication throttling per client address.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { postGraphQL, startServedGateway, type ServedGateway } from './helpers/server.js';

const KEY = 'limits-key-000001';
const OTHER = 'limits-key-000002';
const codes = (r: { body: { errors?: Array<{ extensions?: Record<string, any> }> } }) => (r.body.errors ?? []).map((e) => e.extensions?.['code']);
const nested = (depth: number): string => (depth === 0 ? 'leaf' : `f${depth} { ${nested(depth - 1)} }`);

describe('operation limits with API keys', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ fixtures: true, env: { SECGRAPH_API_KEYS: `${KEY}=read,${OTHER}=read`, SECGRAPH_MAX_ARGUMENT_LENGTH: '64' } });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('refuses introspection (INTROSPECTION_DISABLED), even with a valid key', async () => {
    const r = await gw.gql('{ __schema { types { name } } }', undefined, KEY);
    expect(r.body.data).toBeUndefined();
    expect(new Set(codes(r))).toEqual(new Set(['INTROSPECTION_DISABLED']));
  });

  it('hides field and enum suggestions', async () => {
    const field = await gw.gql('{ incident { incidentId } incidentz }', undefined, KEY);
    expect(codes(field)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(field.body.errors)).not.toMatch(/Did you mean/);
    const literal = await gw.gql('{ incidents(filter: { state: OPN }) { edges { node { incidentId } } } }', undefined, KEY);
    expect(codes(literal)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(literal.body.errors)).not.toMatch(/Did you mean|OPEN/);
    const variable = await gw.gql('query($s: IncidentState) { incidents(filter: { state: $s }) { edges { node { incidentId } } } }', { s: 'OPN' }, KEY);
    expect(codes(variable)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(variable.body.errors)).not.toMatch(/Did you mean|OPEN/);
  });

  it('gives every rejection its own code: parse, depth, aliases, cost, tokens, directives', async () => {
    expect(codes(await gw.gql('{ incidents(', undefined, KEY))).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(codes(await gw.gql(`{ ${nested(14)} }`, undefined, KEY))).toContain('QUERY_TOO_DEEP');
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: gateway { version }`).join(' ');
    expect(codes(await gw.gql(`{ ${aliases} }`, undefined, KEY))).toContain('TOO_MANY_ALIASES');
    const costly = '{ incidents(first: 1000) { edges { node { incidentId assetName severity status updatedAt createdAt assetId appId category state } } } }';
    const tooComplex = await gw.gql(costly, undefined, KEY);
    expect(codes(tooComplex)).toEqual(['QUERY_TOO_COMPLEX']);
    // A well-formed document over a limit is not called a syntax error.
    expect(tooComplex.body.errors?.[0]?.message).toMatch(/^Query Cost limit of 20000 exceeded/);
    const tokens = Array.from({ length: 5100 }, (_, i) => `f${i}`).join(' ');
    expect(codes(await gw.gql(`{ ${tokens} }`, undefined, KEY))).toEqual(['TOO_MANY_TOKENS']);
    const directives = Array.from({ length: 51 }, () => '@include(if: true)').join(' ');
    expect(codes(await gw.gql(`{ gateway ${directives} { version } }`, undefined, KEY))).toContain('TOO_MANY_DIRECTIVES');
  });

  it('bounds string arguments and variables (BAD_USER_INPUT)', async () => {
    const long = 'x'.repeat(65);
    const literal = await gw.gql(`{ incident(id: "${long}") { incidentId } }`, undefined, KEY);
    expect(literal.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
    const variable = await gw.gql('query($id: ID!) { incident(id: $id) { incidentId } }', { id: long }, KEY);
    expect(variable.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
    expect(gw.emulator.requests.filter((r) => r.path.includes(long))).toEqual([]);
  });
});

describe('SECGRAPH_INTROSPECTION=true', () => {
  it('turns introspection and suggestions back on for a gateway with keys', async () => {
    const gw = await startTestGateway({ env: { SECGRAPH_API_KEYS: `${KEY}=read`, SECGRAPH_INTROSPECTION: 'true' } });
    try {
      const r = await gw.gql('{ __schema { queryType { name } } }', undefined, KEY);
      expect(r.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      const field = await gw.gql('{ incidentz }', undefined, KEY);
      expect(JSON.stringify(field.body.errors)).toMatch(/Did you mean/);
    } finally {
      await gw.close();
    }
  });
});

describe('rate limits', () => {
  const gateways: ServedGateway[] = [];
  let redis: TestRedis | null = null;
  afterEach(async () => {
    for (const g of gateways.splice(0)) await g.close();
    await redis?.stop();
    redis = null;
  });

  it('refuses a key past SECGRAPH_RATE_LIMIT_PER_MINUTE with RATE_LIMITED, retryAfter and Retry-After; other keys go on', async () => {
    const served = await startServedGateway({ SECGRAPH_API_KEYS: `${KEY}=read,${OTHER}=read`, SECGRAPH_RATE_LIMIT_PER_MINUTE: '3' });
    gateways.push(served);
    for (let i = 0; i < 3; i += 1) expect((await postGraphQL(served.gateway.url, '{ gateway { version } }', undefined, KEY)).body.errors).toBeUndefined();
    const res = await fetch(`${served.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query: '{ gateway { version } }' }),
    });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    const body = (await res.json()) as any;
    expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter });
    expect((await postGraphQL(served.gateway.url, '{ gateway { version } }', undefined, OTHER)).body.errors).toBeUndefined();
  });

  it('shares the budget between gateways through Redis', async () => {
    redis = await startRedis();
    const env = { SECGRAPH_API_KEYS: `${KEY}=read`, SECGRAPH_RATE_LIMIT_PER_MINUTE: '4', REDIS_URL: redis.url };
    const a = await startServedGateway(env);
    gateways.push(a);
    const b = await startServedGateway(env);
    gateways.push(b);
    const results: Array<string | undefined> = [];
    for (const g of [a, b, a, b, a, b]) {
      const r = await postGraphQL(g.gateway.url, '{ gateway { version } }', undefined, KEY);
      results.push(r.body.errors?.[0]?.extensions?.code);
    }
    expect(results).toEqual([undefined, undefined, undefined, undefined, 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('throttles an address after SECGRAPH_AUTH_FAILURES_PER_MINUTE wrong keys, whatever key it sends next', async () => {
    const served = await startServedGateway({ SECGRAPH_API_KEYS: `${KEY}=read`, SECGRAPH_AUTH_FAILURES_PER_MINUTE: '3' });
    gateways.push(served);
    for (let i = 0; i < 3; i += 1) {
      const r = await postGraphQL(served.gateway.url, '{ gateway { version } }', undefined, `wrong-guess-${i}-0000`);
      expect(r.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const guess = await postGraphQL(served.gateway.url, '{ gateway { version } }', undefined, 'wrong-guess-3-0000');
    expect(guess.status).toBe(429);
    expect(guess.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    // Even the right key: a guesser must not learn that it has found one.
    const right = await postGraphQL(served.gateway.url, '{ gateway { version } }', undefined, KEY);
    expect(right.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('counts wrong keys on POST /ingest/cloudtrail toward the same throttle, and refuses the address there too', async () => {
    const served = await startServedGateway({ SECGRAPH_API_KEYS: `${KEY}=read+ingest`, SECGRAPH_AUTH_FAILURES_PER_MINUTE: '3' });
    gateways.push(served);
    const ingest = (key: string) =>
      fetch(`${served.gateway.url}/ingest/cloudtrail`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"Records":[]}' });
    for (let i = 0; i < 3; i += 1) expect((await ingest(`wrong-guess-${i}-0000`)).status).toBe(401);
    const guess = await ingest('wrong-guess-3-0000');
    expect(guess.status).toBe(429);
    expect(((await guess.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect((await ingest(KEY)).status).toBe(429);
    // The throttle is per address, shared with GraphQL.
    const gql = await postGraphQL(served.gateway.url, '{ gateway { version } }', undefined, KEY);
    expect(gql.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });
});
