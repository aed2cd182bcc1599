// Failed-authentication throttling that does not lock a whole address out (issue 28, finding 2), on real
// gateways on loopback (every client here is 127.0.0.1, as colleagues behind one NAT or proxy are):
// - a script repeating one wrong key is refused alone after SECGRAPH_AUTH_FAILURES_PER_CREDENTIAL tries, and a
//   colleague's valid key from the same address goes on working (HTTP, WebSocket, /ingest/cloudtrail);
// - a brute force of distinct keys is refused past SECGRAPH_AUTH_FAILURES_PER_MINUTE, a correct guess made then
//   is refused too, and no more guesses than the limit ever reach the key comparison;
// - a key that authenticated from the address before the attack (known good) keeps working during it;
// - with Redis, two gateways share all of it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { ApiKeys } from '../src/identity/api-keys.js';
import { forgeToken, startOidcProvider, type TestOidcProvider } from './helpers/oidc-provider.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { postGraphQL, startServedGateway, type ServedGateway } from './helpers/server.js';

const KEY = 'throttle-key-00001'; // the key a guesser is after: never used from this address before the attack
const COLLEAGUE = 'throttle-key-00002'; // a colleague's key, used from the address before (known good)
const NEWCOMER = 'throttle-key-00003'; // a colleague's key never used from the address
const WRONG = 'misconfigured-script-key';
const QUERY = '{ gateway { version } }';
const KEYS = `${KEY}=read+ingest,${COLLEAGUE}=read+ingest,${NEWCOMER}=read+ingest`;

const codeOf = (r: { body: { errors?: Array<{ extensions?: Record<string, any> }> } }) => r.body.errors?.[0]?.extensions?.['code'] ?? 'OK';
const gql = async (g: ServedGateway, key: string) => codeOf(await postGraphQL(g.gateway.url, QUERY, undefined, key));

async function ingest(g: ServedGateway, key: string): Promise<number> {
  const res = await fetch(`${g.gateway.url}/ingest/cloudtrail`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"Records":[]}' });
  await res.arrayBuffer();
  return res.status;
}

/** A graphql-ws connection_init with this key: `ack`, or the close code it got instead. */
function wsConnect(g: ServedGateway, key: string): Promise<'ack' | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(g.wsUrl, 'graphql-transport-ws');
    socket.on('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type !== 'connection_ack') return;
      socket.close();
      resolve('ack');
    });
    socket.on('close', (code) => resolve(code));
  });
}

/** Counts the credentials that reach the API key comparison (what a guesser needs to reach). */
function countKeyComparisons() {
  const spy = vi.spyOn(ApiKeys.prototype, 'find');
  return { of: (keys: string[]) => spy.mock.calls.filter(([k]) => keys.includes(k)).length, restore: () => spy.mockRestore() };
}

describe('failed-authentication throttle', () => {
  const gateways: ServedGateway[] = [];
  let redis: TestRedis | null = null;
  let idp: TestOidcProvider | null = null;
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(gateways.splice(0).map((g) => g.close()));
    await redis?.stop();
    redis = null;
    await idp?.close();
    idp = null;
  });
  const start = async (env: Record<string, string>) => {
    const g = await startServedGateway({ SECGRAPH_API_KEYS: KEYS, SECGRAPH_AUTH_FAILURES_PER_MINUTE: '3', SECGRAPH_AUTH_FAILURES_PER_CREDENTIAL: '2', ...env });
    gateways.push(g);
    return g;
  };

  it('refuses a script repeating one wrong key alone: a colleague at the same address is served, on every transport', async () => {
    const g = await start({});
    const script: string[] = [];
    for (let i = 0; i < 10; i += 1) script.push(await gql(g, WRONG));
    // Two tries are refused as unauthenticated, then the key itself is throttled.
    expect(script).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', ...Array(8).fill('RATE_LIMITED')]);
    // The same script over WebSocket and /ingest/cloudtrail: throttled there too.
    expect(await wsConnect(g, WRONG)).toBe(4429);
    expect(await ingest(g, WRONG)).toBe(429);
    // A colleague whose key was never used from this address: served everywhere.
    expect(await gql(g, NEWCOMER)).toBe('OK');
    expect(await wsConnect(g, NEWCOMER)).toBe('ack');
    expect(await ingest(g, NEWCOMER)).toBe(200);
    // The script's repeats counted once toward the address: two more wrong keys do not throttle it.
    expect(await gql(g, 'another-wrong-key-1')).toBe('UNAUTHENTICATED');
    expect(await gql(g, KEY)).toBe('OK');
  });

  it('throttles a brute force of distinct keys after the limit: a correct guess is refused unverified, a known-good key is served (HTTP, WebSocket, ingest)', async () => {
    const g = await start({});
    expect(await gql(g, COLLEAGUE)).toBe('OK');
    const comparisons = countKeyComparisons();
    const guesses = Array.from({ length: 12 }, (_, i) => `guess-${String(i).padStart(4, '0')}-wrong`);
    const answers: string[] = [];
    for (const guess of guesses) answers.push(await gql(g, guess));
    expect(answers).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', ...Array(9).fill('RATE_LIMITED')]);
    // The right key, guessed now: refused as every guess is, on every transport.
    expect(await gql(g, KEY)).toBe('RATE_LIMITED');
    expect(await wsConnect(g, KEY)).toBe(4429);
    expect(await ingest(g, KEY)).toBe(429);
    // More guesses over the other transports: refused too.
    expect(await wsConnect(g, 'guess-ws-wrong-0001')).toBe(4429);
    expect(await ingest(g, 'guess-ingest-wrong-01')).toBe(429);
    // Only the first three guesses were ever compared with the keys; the right key never was.
    expect(comparisons.of([...guesses, KEY, 'guess-ws-wrong-0001', 'guess-ingest-wrong-01'])).toBe(3);
    // The colleague's key authenticated from here before the attack: served on every transport.
    expect(await gql(g, COLLEAGUE)).toBe('OK');
    expect(await wsConnect(g, COLLEAGUE)).toBe('ack');
    expect(await ingest(g, COLLEAGUE)).toBe(200);
    // One log line for the throttled address, not one per refused request.
    expect(g.logs.lines.filter((l) => l.includes('too many failing credentials from this address'))).toHaveLength(1);
    expect(g.logs.text).not.toContain('guess-0');
    expect(g.logs.text).not.toContain(KEY);
  });

  it('bounds the guesses compared when they are sent all at once (HTTP connections, subscribe messages on one socket)', async () => {
    const g = await start({});
    const comparisons = countKeyComparisons();
    const guesses = Array.from({ length: 40 }, (_, i) => `burst-guess-${String(i).padStart(4, '0')}`);
    const answers = await Promise.all([...guesses, KEY].map((k) => gql(g, k)));
    expect(comparisons.of([...guesses, KEY])).toBeLessThanOrEqual(3);
    expect(answers.filter((a) => a !== 'RATE_LIMITED').length).toBeLessThanOrEqual(3);
    expect(answers.filter((a) => a === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(38);

    // The same over one WebSocket authenticated by a known-good key: operations carrying keys of their own.
    const h = await start({});
    expect(await gql(h, COLLEAGUE)).toBe('OK');
    const wsComparisons = countKeyComparisons();
    const socket = new WebSocket(h.wsUrl, 'graphql-transport-ws');
    const messages: any[] = [];
    socket.on('message', (d) => messages.push(JSON.parse(String(d))));
    await new Promise((r) => socket.on('open', r));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${COLLEAGUE}` } }));
    for (let i = 0; i < 500 && !messages.some((m) => m.type === 'connection_ack'); i += 1) await new Promise((r) => setTimeout(r, 10));
    const wsGuesses = Array.from({ length: 40 }, (_, i) => `ws-burst-guess-${String(i).padStart(4, '0')}`);
    wsGuesses.forEach((k, i) => socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: QUERY, extensions: { headers: { authorization: `Bearer ${k}` } } } })));
    for (let i = 0; i < 500 && messages.filter((m) => m.type === 'error').length < 40; i += 1) await new Promise((r) => setTimeout(r, 10));
    socket.close();
    const codes = messages.filter((m) => m.type === 'error').map((m) => m.payload[0].extensions.code);
    expect(codes).toHaveLength(40);
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(37);
    expect(wsComparisons.of(wsGuesses)).toBeLessThanOrEqual(3);
  });

  it('counts WebSocket and ingest failures toward the same address', async () => {
    const g = await start({});
    expect(await wsConnect(g, 'guess-ws-wrong-0001')).toBe(4403);
    expect(await ingest(g, 'guess-ingest-wrong-01')).toBe(401);
    expect(await gql(g, 'guess-http-wrong-001')).toBe('UNAUTHENTICATED');
    expect(await gql(g, 'guess-http-wrong-002')).toBe('RATE_LIMITED');
    expect(await wsConnect(g, KEY)).toBe(4429);
  });

  it("serves an identity provider's valid token while the address is throttled, never comparing a token-shaped guess with the keys", async () => {
    idp = await startOidcProvider({ users: [{ sub: 'alice', groups: ['soc'] }] });
    const g = await start({ SECGRAPH_OIDC_ISSUER: idp.issuer, SECGRAPH_OIDC_AUDIENCE: idp.audience, SECGRAPH_OIDC_ROLE_SCOPES: 'soc=read' });
    for (let i = 0; i < 3; i += 1) expect(await gql(g, `guess-${i}-wrong-0000`)).toBe('UNAUTHENTICATED');
    expect(await gql(g, KEY)).toBe('RATE_LIMITED');
    const comparisons = countKeyComparisons();
    // A token nobody signed (the key id is the provider's): refused, and not compared with the API keys.
    const forged = await forgeToken({ iss: idp.issuer, aud: idp.audience, sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 300 }, { kid: idp.currentKid });
    expect(await gql(g, forged)).toBe('RATE_LIMITED');
    expect(await wsConnect(g, forged)).toBe(4429);
    expect(comparisons.of([forged])).toBe(0);
    // A token the provider signed: it cannot have been guessed, so it is served, on every transport.
    const token = await idp.mint('alice');
    expect(await gql(g, token)).toBe('OK');
    expect(await wsConnect(g, token)).toBe('ack');
  });

  it('shares the throttle and the known-good keys between two gateways through Redis', async () => {
    redis = await startRedis();
    // One deployment: one database (where the fingerprint key is generated once) and one Redis.
    const shared = { REDIS_URL: redis.url, SECGRAPH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'secgraph-throttle-')) };
    const a = await start(shared);
    const b = await start(shared);
    expect(await gql(a, COLLEAGUE)).toBe('OK');
    // One wrong key repeated across both: throttled after two tries in all.
    expect([await gql(a, WRONG), await gql(b, WRONG), await gql(a, WRONG), await gql(b, WRONG)]).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'RATE_LIMITED']);
    // Distinct guesses across both: the address is throttled after three in all (the script's key was one).
    expect([await gql(b, 'guess-0001-wrong'), await gql(a, 'guess-0002-wrong'), await gql(b, 'guess-0003-wrong')]).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
    expect(await gql(b, KEY)).toBe('RATE_LIMITED');
    expect(await wsConnect(a, KEY)).toBe(4429);
    // The colleague authenticated at a; b knows the key is good at this address.
    expect(await gql(b, COLLEAGUE)).toBe('OK');
    expect(await wsConnect(b, COLLEAGUE)).toBe('ack');
    // Nothing in Redis holds a credential, only their keyed fingerprints.
    const client = new Redis(redis.url);
    const stored = (await client.keys('*')).join('\n');
    await client.quit();
    expect(stored).toContain('secgraph:authgood');
    for (const k of [COLLEAGUE, WRONG, KEY, 'guess-0001-wrong']) expect(stored).not.toContain(k);
  });
});
