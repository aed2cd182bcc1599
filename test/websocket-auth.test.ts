// graphql-ws with API keys, spoken message by message over a real socket: only a connection_init with a valid
// key is acknowledged, one without a key or with a wrong one is closed at once and served nothing (wrong keys
// counted by the failed-authentication throttle); the per-address, per-key and payload bounds hold; and a bad
// operation errors only itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { postGraphQL, startServedGateway, type ServedGateway } from './helpers/server.js';

const KEY = 'ws-auth-key-000001';
const OTHER = 'ws-auth-key-000002';
const EVENTS = 'subscription { incidentEvents(filter: { kinds: [CLOSED] }) { kind incident { incidentId } } }';
const CLOSE = 'mutation($id: ID!) { closeIncident(id: $id, category: MISIDENTIFIED) { incidentId } }';

/** One graphql-transport-ws socket: what it received, and how it closed (or how its upgrade was refused). */
class RawSocket {
  readonly messages: any[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly refused: Promise<number | null>;
  readonly socket: WebSocket;
  constructor(url: string) {
    this.socket = new WebSocket(url, 'graphql-transport-ws');
    this.socket.on('message', (d) => this.messages.push(JSON.parse(String(d))));
    this.socket.on('error', () => {});
    this.closed = new Promise((r) => this.socket.on('close', (code, reason) => r({ code, reason: String(reason) })));
    this.refused = new Promise((r) => {
      this.socket.on('unexpected-response', (_req, res) => r(res.statusCode ?? null));
      this.socket.on('open', () => r(null));
    });
  }
  send(message: unknown) {
    this.socket.send(JSON.stringify(message));
  }
  async init(payload?: Record<string, unknown>) {
    await this.refused;
    this.send({ type: 'connection_init', ...(payload ? { payload } : {}) });
    await this.waitFor((m) => m.type === 'connection_ack');
  }
  async waitFor(match: (m: any) => boolean): Promise<any> {
    for (let i = 0; i < 500; i += 1) {
      const hit = this.messages.find(match);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no such message; got ${JSON.stringify(this.messages)}`);
  }
}

let served: ServedGateway;
beforeAll(async () => {
  served = await startServedGateway({
    SECGRAPH_API_KEYS: `${KEY}=read+respond,${OTHER}=read`,
    SECGRAPH_WS_AUTH_TIMEOUT_MS: '300',
    SECGRAPH_WS_MAX_UNAUTHENTICATED_PER_ADDRESS: '3',
    SECGRAPH_MAX_CONNECTIONS_PER_KEY: '2',
    SECGRAPH_WS_MAX_PAYLOAD: '4096',
  });
});
afterAll(async () => {
  await served?.close();
});

const open = () => new RawSocket(served.wsUrl);

describe('WebSocket authentication', () => {
  it('closes a socket whose connection_init has no key at once (4401): never acknowledged, served nothing', async () => {
    const s = open();
    await s.refused;
    s.send({ type: 'connection_init' });
    expect(await s.closed).toMatchObject({ code: 4401, reason: expect.stringContaining('connectionParams.authorization') });
    expect(s.messages).toEqual([]);
    expect(served.logs.text).toContain('WebSocket closed: no API key or token in connection_init');
    // A subscribe sent right behind it with its own key (as stock GraphiQL's) does not authenticate the socket.
    const t = open();
    await t.refused;
    t.send({ type: 'connection_init', payload: {} });
    t.send({ id: '1', type: 'subscribe', payload: { query: '{ gateway { version } }', extensions: { headers: { Authorization: `Bearer ${KEY}` } } } });
    expect(await t.closed).toMatchObject({ code: 4401 });
    expect(t.messages).toEqual([]);
  });

  it('closes a socket that sends no connection_init, having served nothing', async () => {
    const s = open();
    await s.refused;
    s.send({ id: '1', type: 'subscribe', payload: { query: '{ gateway { version } }' } });
    expect((await s.closed).code).toBeGreaterThanOrEqual(4400);
    expect(s.messages).toEqual([]);
  });

  it('closes a socket with a wrong key in connectionParams at once (4403)', async () => {
    const s = open();
    await s.refused;
    s.send({ type: 'connection_init', payload: { authorization: 'Bearer not-the-key-at-all' } });
    expect(await s.closed).toMatchObject({ code: 4403 });
    expect(s.messages).toEqual([]);
    expect(served.logs.text).not.toContain('not-the-key-at-all');
  });

  it("runs an operation with its own key (payload.extensions.headers, as stock GraphiQL sends it) on an authenticated socket", async () => {
    const s = open();
    await s.init({ authorization: `Bearer ${OTHER}` });
    s.send({ id: '1', type: 'subscribe', payload: { query: '{ gateway { version } }', extensions: { headers: { Authorization: `Bearer ${KEY}` } } } });
    const next = await s.waitFor((m) => m.type === 'next' && m.id === '1');
    expect(next.payload.data.gateway.version).toEqual(expect.any(String));
    s.socket.close();
    await s.closed;
  });

  it('refuses the upgrade (429) past the per-address cap of unauthenticated sockets', async () => {
    const idle = [open(), open(), open()];
    expect(await Promise.all(idle.map((s) => s.refused))).toEqual([null, null, null]);
    const fourth = open();
    expect(await fourth.refused).toBe(429);
    for (const s of idle) s.socket.close();
    await Promise.all(idle.map((s) => s.closed));
    // Closed sockets leave the count: a new one is accepted again.
    const again = open();
    expect(await again.refused).toBeNull();
    again.socket.close();
    await again.closed;
  });

  it('closes a key past SECGRAPH_MAX_CONNECTIONS_PER_KEY (4429)', async () => {
    const held = [open(), open()];
    for (const s of held) await s.init({ authorization: `Bearer ${OTHER}` });
    const third = open();
    await third.refused;
    third.send({ type: 'connection_init', payload: { authorization: `Bearer ${OTHER}` } });
    expect(await third.closed).toMatchObject({ code: 4429 });
    for (const s of held) s.socket.close();
    await Promise.all(held.map((s) => s.closed));
  });

  it('closes a socket that sends a message over SECGRAPH_WS_MAX_PAYLOAD (1009)', async () => {
    const s = open();
    await s.init({ authorization: `Bearer ${KEY}` });
    s.send({ id: '1', type: 'subscribe', payload: { query: `{ gateway { version } } # ${'x'.repeat(8192)}` } });
    expect(await s.closed).toMatchObject({ code: 1009 });
  });

  it('a syntax error ends that operation only: the socket and its other subscription stay', async () => {
    const s = open();
    await s.init({ authorization: `Bearer ${KEY}` });
    s.send({ id: 'events', type: 'subscribe', payload: { query: EVENTS } });
    s.send({ id: 'bad', type: 'subscribe', payload: { query: 'subscription { incidentEvents(' } });
    const error = await s.waitFor((m) => m.type === 'error' && m.id === 'bad');
    expect(error.payload[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    for (const id of [3, 5, 6, 7, 8]) {
      if (s.messages.some((m) => m.type === 'next' && m.id === 'events')) break;
      expect((await postGraphQL(served.gateway.url, CLOSE, { id: String(id) }, KEY)).body.errors).toBeUndefined();
      await new Promise((r) => setTimeout(r, 50));
    }
    const event = await s.waitFor((m) => m.type === 'next' && m.id === 'events');
    expect(event.payload.data.incidentEvents.kind).toBe('CLOSED');
    expect(s.socket.readyState).toBe(WebSocket.OPEN);
    s.socket.close();
    await s.closed;
  });
});

describe('WebSocket authentication and the failed-authentication throttle', () => {
  let throttled: ServedGateway;
  beforeAll(async () => {
    throttled = await startServedGateway({ SECGRAPH_API_KEYS: `${KEY}=read`, SECGRAPH_AUTH_FAILURES_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await throttled?.close();
  });

  const initWith = async (payload: Record<string, unknown> | undefined) => {
    const s = new RawSocket(throttled.wsUrl);
    await s.refused;
    s.send({ type: 'connection_init', ...(payload ? { payload } : {}) });
    const closed = await s.closed;
    expect(s.messages).toEqual([]);
    return closed.code;
  };

  it('counts wrong keys in connection_init (4403, then 4429 once the address is throttled), not missing ones', async () => {
    // A missing key is not a guess: closed at once, but not counted.
    for (let i = 0; i < 5; i += 1) expect(await initWith(undefined)).toBe(4401);
    // Distinct wrong keys (a guesser): the address is throttled after SECGRAPH_AUTH_FAILURES_PER_MINUTE of them.
    const wrong = (i: number) => ({ authorization: `Bearer wrong-key-000000000${i}` });
    expect([await initWith(wrong(1)), await initWith(wrong(2)), await initWith(wrong(3))]).toEqual([4403, 4403, 4403]);
    expect(await initWith(wrong(4))).toBe(4429);
  });
});
