// Queries compiled with graphql-jit answer exactly as graphql-js does: the same data, the same typed errors
// (codes, paths) and the same HTTP status, for successes, bad input, upstream failures and missing scopes.
// SECGRAPH_GRAPHQL_JIT=true turns the JIT on (off by default); both gateways run side by side here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const READER = 'reader-key-0001';
const QUERIES: Array<[string, string]> = [
  ['a page with cursors, dates and the app join', '{ incidents(first: 3) { edges { cursor node { incidentId severity createdAt updatedAt app { appName } } } pageInfo { hasNextPage endCursor } } }'],
  ['bad input', '{ incidents(first: 0) { edges { cursor } } }'],
  ['a forged cursor', '{ incidents(first: 2, after: "bm90LWEtY3Vyc29y") { edges { cursor } } }'],
  ['an unknown incident', '{ incident(id: "999999") { incidentId } }'],
  ['a non-numeric id', '{ incident(id: "abc") { incidentId } }'],
  ['a mutation without the respond scope', 'mutation { closeIncident(id: "3", category: MISIDENTIFIED) { incidentId } }'],
];

describe('graphql-jit', () => {
  let jit: TestGateway;
  let plain: TestGateway;
  beforeAll(async () => {
    // One cursor key for both (as for instances of one deployment), so their signed cursors are the same bytes.
    const env = { SECGRAPH_API_KEYS: `${READER}=read`, SECGRAPH_CURSOR_KEY: 'graphql-jit-test-cursor-key-0123456789' };
    jit = await startTestGateway({ env: { ...env, SECGRAPH_GRAPHQL_JIT: 'true' }, fixtures: true });
    plain = await startTestGateway({ env, fixtures: true });
  });
  afterAll(async () => {
    await jit?.close();
    await plain?.close();
  });

  it('is off by default and can be turned on', () => {
    expect(loadConfig({}).graphqlJit).toBe(false);
    expect(loadConfig({ SECGRAPH_GRAPHQL_JIT: 'true' }).graphqlJit).toBe(true);
  });

  it.each(QUERIES)('answers %s exactly as graphql-js does', async (_what, query) => {
    const [a, b] = [await jit.gql(query, undefined, READER), await plain.gql(query, undefined, READER)];
    expect(a).toEqual(b);
  });

  it('answers a variable that does not coerce with BAD_USER_INPUT, as graphql-js does', async () => {
    const query = 'query($s: IncidentState, $n: Int) { incidents(first: $n, filter: { state: $s }) { edges { cursor } } }';
    for (const variables of [{ s: 'OPN', n: 2 }, { s: 'OPEN', n: 'two' }]) {
      const [a, b] = [await jit.gql(query, variables, READER), await plain.gql(query, variables, READER)];
      expect(a.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
      expect(a).toEqual(b);
    }
    const good = await jit.gql(query, { s: 'OPEN', n: 2 }, READER);
    expect(good.body.errors).toBeUndefined();
  });

  it('answers an upstream failure with the same code', async () => {
    for (const gw of [jit, plain]) gw.emulator.injectFault({ kind: 'server-error', status: 500 }, { path: /\/incidents\/delta/, times: 10 });
    const query = '{ incidents(first: 2, filter: { state: CLOSED }) { edges { cursor } } }';
    const [a, b] = [await jit.gql(query, undefined, READER), await plain.gql(query, undefined, READER)];
    expect(a.body.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    expect(a).toEqual(b);
  });
});
