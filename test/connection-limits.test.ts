// What one client address may hold on the HTTP server, with raw TCP sockets on loopback: connections past
// the per-address caps (those that have sent no request yet, and all of them) are destroyed on arrival, a
// header-less or slowloris connection is closed (408) at the header timeout, a valid request from the same
// address is still served, and live SSE and WebSocket streams outlive every timeout. Counted, not timed.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../src/config.js';
import { postGraphQL, startServedGateway, type ServedGateway } from './helpers/server.js';
import { waitUntil, wsClient, wsSubscribe } from './helpers/subscribers.js';

const KEY = 'conn-limits-key-0123456789';
const EVENTS = 'subscription { incidentEvents(filter: { kinds: [CLOSED] }) { kind incident { incidentId } } }';
const CLOSE = 'mutation($id: ID!) { closeIncident(id: $id, category: MISIDENTIFIED) { incidentId } }';

/** A raw TCP connection that reads everything it is sent, and says when (and whether) it was closed. */
class Raw {
  readonly socket: Socket;
  received = '';
  closed = false;
  readonly connected: Promise<void>;
  readonly ended: Promise<string>;
  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('error', () => {});
    this.socket.on('data', (d) => (this.received += String(d)));
    this.connected = new Promise((r) => this.socket.once('connect', () => r()));
    this.ended = new Promise((r) => this.socket.once('close', () => {
      this.closed = true;
      r(this.received);
    }));
  }
  /** One keep-alive GET; resolves with the status line of its response. */
  async get(path: string): Promise<string> {
    const before = this.received.length;
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await waitUntil(() => this.received.length > before && this.received.includes('\r\n\r\n', before) || this.closed, 'a response');
    return this.received.slice(before).split('\r\n')[0]!;
  }
}

const portOf = (s: ServedGateway) => Number(new URL(s.gateway.url).port);
const refusedLines = (s: ServedGateway, reason: string) =>
  s.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.reason === reason && /^connection refused/.test(l.msg));

describe('connections per address', () => {
  let served: ServedGateway;
  /** A connection the gateway serves: tried again while the address is at a cap (its refusals are what is tested). */
  const admitted = async (): Promise<Raw> => {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const s = new Raw(portOf(served));
      await s.connected;
      if ((await s.get('/health')) === 'HTTP/1.1 200 OK') return s;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('no connection admitted');
  };
  beforeAll(async () => {
    served = await startServedGateway({
      SECGRAPH_API_KEYS: `${KEY}=read+respond`,
      SECGRAPH_MAX_PENDING_CONNECTIONS_PER_ADDRESS: '5',
      SECGRAPH_MAX_CONNECTIONS_PER_ADDRESS: '12',
      // Long enough that nothing here is closed by a timeout: what closes a socket is a cap.
      SECGRAPH_HEADERS_TIMEOUT_MS: '60000',
      SECGRAPH_KEEP_ALIVE_TIMEOUT_MS: '60000',
    });
  });
  afterAll(async () => {
    await served?.close();
  });

  it('destroys connections past the cap on those that have sent no request, and still serves the address', async () => {
    const sockets = Array.from({ length: 8 }, () => new Raw(portOf(served)));
    await Promise.all(sockets.map((s) => s.connected));
    await waitUntil(() => sockets.filter((s) => s.closed).length >= 3, 'three sockets to be refused');
    // Five are held (they may still send their request); the three past the cap got nothing.
    expect(sockets.filter((s) => s.closed).map((s) => s.received)).toEqual(['', '', '']);
    const open = sockets.filter((s) => !s.closed);
    expect(open).toHaveLength(5);
    expect(refusedLines(served, 'pending_per_address').length).toBeGreaterThanOrEqual(1);

    // A request on one of them is served, and that socket no longer counts as pending: one more is let in.
    expect(await open[0]!.get('/health')).toBe('HTTP/1.1 200 OK');
    const another = new Raw(portOf(served));
    await another.connected;
    expect(await another.get('/health')).toBe('HTTP/1.1 200 OK');
    for (const s of [...sockets, another]) s.socket.destroy();
    await Promise.all([...sockets, another].map((s) => s.ended));
  });

  it('destroys connections past the cap on all connections from one address, served keep-alive ones included', async () => {
    // Twelve served keep-alive connections: the address is at its cap.
    const held: Raw[] = [];
    for (let i = 0; i < 12; i += 1) held.push(await admitted());
    const past = [new Raw(portOf(served)), new Raw(portOf(served))];
    await Promise.all(past.map((s) => s.ended));
    expect(past.map((s) => s.received)).toEqual(['', '']);
    expect(held.filter((s) => s.closed)).toEqual([]);
    expect(refusedLines(served, 'per_address').length).toBeGreaterThanOrEqual(1);
    expect(await held[0]!.get('/health')).toBe('HTTP/1.1 200 OK');

    // One closes: another is let in (once the server has seen the close).
    held.pop()!.socket.destroy();
    held.push(await admitted());
    for (const s of held) s.socket.destroy();
    await Promise.all(held.map((s) => s.ended));
  });
});

describe('header and request timeouts', () => {
  let served: ServedGateway;
  beforeAll(async () => {
    served = await startServedGateway({
      SECGRAPH_API_KEYS: `${KEY}=read+respond`,
      SECGRAPH_HEADERS_TIMEOUT_MS: '300',
      SECGRAPH_REQUEST_TIMEOUT_MS: '600',
      SECGRAPH_KEEP_ALIVE_TIMEOUT_MS: '300',
    });
  });
  afterAll(async () => {
    await served?.close();
  });

  it('closes a header-less and a slowloris connection (408), and live SSE and WebSocket streams outlive both timeouts', async () => {
    // Live streams first: an SSE subscription over HTTP and one over graphql-ws.
    const abort = new AbortController();
    const sse = await fetch(`${served.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query: EVENTS }),
      signal: abort.signal,
    });
    expect(sse.status).toBe(200);
    let sseText = '';
    let sseEnded = false;
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of sse.body as unknown as AsyncIterable<Uint8Array>) sseText += decoder.decode(chunk, { stream: true });
      } catch {
        // aborted at the end of the test
      }
      sseEnded = true;
    })();
    const client = wsClient(served.gateway.url, KEY);
    const ws = wsSubscribe(client, EVENTS);

    const idle = new Raw(portOf(served));
    const slow = new Raw(portOf(served));
    await Promise.all([idle.connected, slow.connected]);
    slow.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => slow.socket.write('x-drip: 1\r\n'), 50);
    const [idleGot, slowGot] = await Promise.all([idle.ended, slow.ended]);
    clearInterval(drip);
    expect(idleGot).toMatch(/^HTTP\/1\.1 408 /);
    expect(slowGot).toMatch(/^HTTP\/1\.1 408 /);

    // Past the request timeout too (600 ms, checked every 30 ms), with the streams idle all along.
    const quiet = new Raw(portOf(served));
    await quiet.ended;
    await new Promise((r) => setTimeout(r, 700));
    expect(sseEnded).toBe(false);
    expect(ws.ended).toBeNull();
    for (const id of ['3', '4', '5']) {
      if (sseText.includes('CLOSED') && ws.results.length > 0) break;
      expect((await postGraphQL(served.gateway.url, CLOSE, { id }, KEY)).body.errors).toBeUndefined();
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitUntil(() => sseText.includes('"kind":"CLOSED"') && ws.results.length > 0, 'the event on both streams');
    expect(ws.results[0]!.data.incidentEvents.kind).toBe('CLOSED');
    abort.abort();
    await client.dispose();
  });

  it('refuses a request timeout shorter than the header timeout at start-up', () => {
    expect(() => loadConfig({ SECGRAPH_HEADERS_TIMEOUT_MS: '5000', SECGRAPH_REQUEST_TIMEOUT_MS: '1000' })).toThrow(ConfigError);
    expect(() => loadConfig({ SECGRAPH_HEADERS_TIMEOUT_MS: '5000', SECGRAPH_REQUEST_TIMEOUT_MS: '0' })).not.toThrow();
  });
});
