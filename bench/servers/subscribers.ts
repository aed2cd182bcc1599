// Child process of the fan-out bench: opens the subscribers (graphql-ws sockets or SSE streams) the parent
// asks for over IPC, and reports what arrived. Events carry their publish time (epoch ms, the same clock in
// both processes) in `at`; a warm-up event has `at` = epoch 0 and only tells a subscriber is live.
//
// One process holds every subscriber, so receipt must be cheap or this process, not the server, is what
// gets measured: each subscriber speaks the protocol itself on a plain socket (graphql-ws's
// connection_init / subscribe over `ws`; graphql-sse's distinct-connections mode over node:http) and checks
// each message without a full JSON.parse: a graphql-ws message must start with exactly
// `{"id":"<its id>","type":"next","payload":{"data":{"incidentEvents":` (an SSE block with
// `event: next\ndata: {"data":{"incidentEvents":`), and its `at` is read from the bytes. Anything else
// (another id, an error, a complete) counts as a failure. Real clients are what the tests use.
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import WebSocket from 'ws';

// `open` with `from` adds subscribers from..from+n-1 to those already open (the bench measures RSS between
// the two); without it, a new scenario starts.
type Command = { cmd: 'open'; url: string; n: number; from?: number; transport: 'ws' | 'sse'; distinct: boolean; path?: string } | { cmd: 'close' } | { cmd: 'report'; latencies?: boolean };

const now = () => performance.timeOrigin + performance.now();
let live = new Set<number>();
let latencies: number[] = [];
let received = 0;
let closers: Array<() => void> = [];
let failures = 0;

const AT = Buffer.from('"at":"');
const ISO_LENGTH = '2026-01-01T00:00:00.000Z'.length;

/** The event's `at` (epoch ms) from the bytes after `from`, or NaN. */
function atIn(bytes: Buffer, from: number): number {
  const i = bytes.indexOf(AT, from);
  return i < 0 ? NaN : Date.parse(bytes.toString('latin1', i + AT.length, i + AT.length + ISO_LENGTH));
}

function onEvent(i: number, at: number): void {
  if (Number.isNaN(at)) return void (failures += 1);
  if (at === 0) return void live.add(i);
  latencies.push(now() - at);
  received += 1;
}

const startsWith = (bytes: Buffer, prefix: Buffer, at = 0) => bytes.length >= at + prefix.length && bytes.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;

const document = (i: number, distinct: boolean) =>
  `subscription { ${distinct ? `s${i}: ` : ''}incidentEvents { kind at incident { incidentId severity appName } } }`;

/** graphql-ws (graphql-transport-ws) by hand: init, one subscribe with id `s<i>`, then `next` messages. */
function openWs(url: string, i: number, query: string, distinct: boolean): () => void {
  const id = `s${i}`;
  const field = distinct ? `s${i}` : 'incidentEvents';
  const expected = Buffer.from(`{"id":"${id}","type":"next","payload":{"data":{"${field}":`);
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { perMessageDeflate: false });
  let acked = false;
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
  socket.on('message', (data: Buffer) => {
    if (!acked) {
      acked = (JSON.parse(data.toString()) as { type: string }).type === 'connection_ack';
      if (acked) socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
      else failures += 1;
      return;
    }
    onEvent(i, startsWith(data, expected) ? atIn(data, expected.length) : NaN);
  });
  socket.on('error', () => void (failures += 1));
  return () => socket.terminate();
}

/** Keep-alive connections, one per open stream, as browsers' and fetch's are (not `Connection: close`). */
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

/**
 * graphql-sse distinct-connections mode by hand: one POST per subscriber, `event: next` blocks back.
 * Resolves once the response has started, so streams open one after another (as this bench always did).
 */
function openSse(url: string, path: string, i: number, query: string, distinct: boolean): Promise<() => void> {
  const field = distinct ? `s${i}` : 'incidentEvents';
  const expected = Buffer.from(`event: next\ndata: {"data":{"${field}":`);
  const body = JSON.stringify({ query });
  const req = httpRequest(`${url}${path}`, {
    method: 'POST',
    agent,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body) },
  });
  const started = new Promise<void>((resolve) => {
    req.once('response', () => resolve());
    req.once('error', () => resolve());
  });
  req.on('response', (res: IncomingMessage) => {
    if (res.statusCode !== 200) failures += 1;
    let pending: Buffer | null = null;
    res.on('data', (chunk: Buffer) => {
      let text = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = null;
      let start = 0;
      for (;;) {
        const end = text.indexOf('\n\n', start);
        if (end < 0) break;
        if (text[start] !== 0x3a /* ':' comment (ping) */) {
          onEvent(i, startsWith(text, expected, start) && end > start + expected.length ? atIn(text.subarray(0, end), start + expected.length) : NaN);
        }
        start = end + 2;
      }
      if (start < text.length) pending = Buffer.from(text.subarray(start));
      text = Buffer.alloc(0);
    });
    res.on('error', () => {});
  });
  req.on('error', () => {});
  req.end(body);
  return started.then(() => () => req.destroy());
}

process.on('message', async (m: Command) => {
  if (m.cmd === 'open') {
    const from = m.from ?? 0;
    if (from === 0) {
      live = new Set();
      latencies = [];
      received = 0;
      failures = 0;
    }
    for (let i = from; i < from + m.n; i += 1) {
      const query = document(i, m.distinct);
      closers.push(m.transport === 'ws' ? openWs(m.url, i, query, m.distinct) : await openSse(m.url, m.path ?? '/graphql', i, query, m.distinct));
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 20)); // no burst of thousands of handshakes
    }
    process.send!({ opened: m.n });
  } else if (m.cmd === 'report') {
    // The latencies only when asked (at the end of a scenario): polls during a fan-out stay small.
    process.send!({ live: live.size, received, failures, latencies: m.latencies ? latencies : [] });
  } else if (m.cmd === 'close') {
    for (const c of closers) c();
    closers = [];
    process.send!({ closed: true });
  }
});
process.stdout.write('READY ipc\n');
