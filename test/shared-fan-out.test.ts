// Shared fan-out writes: each event of a shared subscription is serialised once and written to every
// member's socket as its transport's exact message (graphql-ws `next` with the member's own id; graphql-sse
// `event: next`), on a real port with real graphql-ws and graphql-sse clients. A member that closes in the
// middle of a fan-out does not affect the others, a completed one receives nothing more, one that stops
// reading (graphql-ws or SSE) is dropped with SUBSCRIPTION_OVERFLOW instead of buffered without bound while
// the others go on, and a key without the read scope never receives an event of the document the others share.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createClient as createSseClient } from 'graphql-sse';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startPublishingGateway, type PublishingGateway } from './helpers/publishing-gateway.js';
import { waitUntil, wsClient, wsSubscribe, type Collected, type Result } from './helpers/subscribers.js';

const READER = 'fan-out-reader-0001';
const NO_READ = 'fan-out-respond-0001';
const EVENTS = 'subscription { incidentEvents { id kind incident { incidentId appName } } }';
const SEVERITIES = 'subscription { incidentEvents { id incident { incidentId severity } } }';
/** In every event's payload and nowhere else: what the serialisation count looks for. */
const MARKER = 'fan-out-marker-app';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function gateway(env: Record<string, string> = {}, appName = MARKER): Promise<PublishingGateway> {
  const g = await startPublishingGateway({ reader: READER, noRead: NO_READ }, appName, env);
  cleanups.push(() => g.gw.close());
  return g;
}

/** A graphql-ws peer on a raw socket: the exact text of every message it receives. */
async function rawWsPeer(url: string, id: string): Promise<{ messages: string[]; socket: WebSocket }> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  cleanups.push(() => socket.terminate());
  const messages: string[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${READER}` } })));
    socket.on('message', (data, isBinary) => {
      const text = String(data);
      if (JSON.parse(text).type === 'connection_ack') {
        socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: EVENTS } }));
        return resolve();
      }
      messages.push(isBinary ? `(binary) ${text}` : text);
    });
  });
  return { messages, socket };
}


let warmUpId = 1_000_000;
async function warmUp(publish: (id: number, severity?: string) => void, subs: Array<{ results: unknown[] } | { messages: unknown[] }>): Promise<void> {
  const count = (s: (typeof subs)[number]) => ('results' in s ? s.results.length : s.messages.length);
  await waitUntil(() => {
    if (subs.every((s) => count(s) > 0)) return true;
    publish((warmUpId += 1));
    return false;
  }, 'every subscriber to be live');
  await new Promise((r) => setTimeout(r, 100));
  for (const s of subs) ('results' in s ? s.results : s.messages).length = 0;
}

describe('shared fan-out writes', () => {
  it('real graphql-ws and graphql-sse clients with the same document receive identical payloads, each with its own id, serialised once per event', async () => {
    const { gw, publish } = await gateway();
    const url = gw.gateway.url;
    const subs: Array<Collected & { stop(): void }> = [];
    for (let i = 0; i < 6; i += 1) {
      const client = wsClient(url, READER);
      cleanups.push(() => client.dispose());
      subs.push(wsSubscribe(client, EVENTS));
    }
    // graphql-sse's two modes: distinct connections (yoga's SSE on /graphql) and one reserved stream.
    for (const [path, singleConnection] of [['/graphql', false], ['/graphql', false], ['/graphql/stream', true]] as const) {
      const client = createSseClient({ url: `${url}${path}`, singleConnection, headers: { authorization: `Bearer ${READER}` }, retryAttempts: 0 });
      cleanups.push(() => client.dispose());
      subs.push(wsSubscribe(client, EVENTS));
    }
    const raw = [await rawWsPeer(url, 'peer-a'), await rawWsPeer(url, 'peer-b')];
    // A key without the read scope asks for the very same document: refused, and never sent an event.
    const forbiddenClient = wsClient(url, NO_READ);
    cleanups.push(() => forbiddenClient.dispose());
    const forbidden = wsSubscribe(forbiddenClient, EVENTS);
    await warmUp(publish, [...subs, ...raw]);

    let serialisations = 0;
    const stringify = JSON.stringify;
    JSON.stringify = ((...args: Parameters<typeof stringify>) => {
      const out = stringify(...args);
      if (typeof out === 'string' && out.includes(MARKER)) serialisations += 1;
      return out;
    }) as typeof JSON.stringify;
    try {
      for (let e = 1; e <= 3; e += 1) publish(e);
      await waitUntil(() => subs.every((s) => s.results.length === 3) && raw.every((p) => p.messages.length === 3), 'three events everywhere');
    } finally {
      JSON.stringify = stringify;
    }
    // Each event serialised once for the ten graphql-ws and distinct-connection SSE members, plus once by
    // graphql-sse's own single-connection handler, which frames its messages itself.
    expect(serialisations).toBe(3 * 2);
    const payloads = subs[0]!.results;
    expect(payloads.map((r) => r.data.incidentEvents.id)).toEqual(['1', '2', '3']);
    expect(payloads[0]!.data.incidentEvents.incident.appName).toBe(MARKER);
    for (const s of subs) expect(s.results).toEqual(payloads);
    // On the wire: exactly graphql-ws's own `next` message, a text frame, with each peer's own id.
    for (const [p, id] of [[raw[0]!, 'peer-a'], [raw[1]!, 'peer-b']] as const) {
      expect(p.messages).toEqual(payloads.map((payload) => JSON.stringify({ id, type: 'next', payload })));
    }
    expect(forbidden.results).toHaveLength(1);
    expect(forbidden.results[0]!.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect(forbidden.results[0]!.data ?? null).toBeNull();
  });

  it('an event whose result has errors reaches every member through its own pipeline, in order with the shared writes around it', async () => {
    const { gw, publish } = await gateway();
    const url = gw.gateway.url;
    const subs: Array<Collected & { stop(): void }> = [];
    for (let i = 0; i < 3; i += 1) {
      const client = wsClient(url, READER);
      cleanups.push(() => client.dispose());
      subs.push(wsSubscribe(client, SEVERITIES));
    }
    // Two SSE members on /graphql, and one in graphql-sse's single-connection mode (its own handler).
    for (const [path, singleConnection] of [['/graphql', false], ['/graphql', false], ['/graphql/stream', true]] as const) {
      const client = createSseClient({ url: `${url}${path}`, singleConnection, headers: { authorization: `Bearer ${READER}` }, retryAttempts: 0 });
      cleanups.push(() => client.dispose());
      subs.push(wsSubscribe(client, SEVERITIES));
    }
    await warmUp(publish, subs);
    // A severity the schema's enum cannot represent: the result carries a field error.
    publish(1);
    publish(2, 'NOT-A-SEVERITY');
    publish(3);
    await waitUntil(() => subs.every((s) => s.results.length === 3), 'three results at every member');
    const [first] = subs;
    expect(first!.results[0]!.data.incidentEvents.id).toBe('1');
    expect(first!.results[1]!.errors?.length).toBeGreaterThan(0);
    expect(first!.results[2]!.data.incidentEvents.id).toBe('3');
    // The masked error reads the same on every transport: no internal `unexpected` flag (public-result.ts).
    for (const s of subs.slice(1)) expect(s.results).toEqual(first!.results);
    expect(first!.results[1]!.errors![0]!.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });

  it('a member that closes in the middle of a fan-out, or completes, does not affect the rest; the completed one receives nothing more', async () => {
    const { gw, publish } = await gateway();
    const url = gw.gateway.url;
    const clients = Array.from({ length: 8 }, () => wsClient(url, READER));
    for (const c of clients) cleanups.push(() => c.dispose());
    const subs = clients.map((c) => wsSubscribe(c, EVENTS));
    const doomed = await rawWsPeer(url, 'doomed');
    const sse = createSseClient({ url: `${url}/graphql`, headers: { authorization: `Bearer ${READER}` }, retryAttempts: 0 });
    cleanups.push(() => sse.dispose());
    const sseSub = wsSubscribe(sse, EVENTS);
    await warmUp(publish, [...subs, sseSub, doomed]);

    // The raw peer's socket is cut while events are still being written; one client completes its subscription.
    for (let e = 1; e <= 20; e += 1) {
      publish(e);
      if (e === 5 || e === 10) await waitUntil(() => subs[0]!.results.length >= e - 2, 'the fan-out to be under way');
      if (e === 5) doomed.socket.terminate();
      if (e === 10) subs[3]!.stop();
    }
    const others = [...subs.filter((_, i) => i !== 3), sseSub];
    await waitUntil(() => others.every((s) => s.results.length === 20), 'twenty events at every remaining member');
    const ids = Array.from({ length: 20 }, (_, i) => String(i + 1));
    for (const s of others) expect(s.results.map((r) => r.data.incidentEvents.id)).toEqual(ids);
    const completedAt = subs[3]!.results.length;
    expect(completedAt).toBeLessThanOrEqual(10);
    publish(21);
    await waitUntil(() => others.every((s) => s.results.length === 21), 'the next event at every remaining member');
    expect(subs[3]!.results).toHaveLength(completedAt);
  });

  it('a peer that stops reading is dropped with SUBSCRIPTION_OVERFLOW once far behind, and the others receive every event meanwhile', async () => {
    // 16 KB events and a buffer of 20: past what the socket holds (kernel buffers, then 256 KB unsent), the
    // peer's events queue, and at 20 queued it is dropped, as an unshared subscriber would be.
    const { gw, publish } = await gateway({ SECGRAPH_SUBSCRIPTION_BUFFER: '20' }, 'x'.repeat(16_000));
    const url = gw.gateway.url;
    const clients = Array.from({ length: 2 }, () => wsClient(url, READER));
    for (const c of clients) cleanups.push(() => c.dispose());
    const subs = clients.map((c) => wsSubscribe(c, EVENTS));
    const stalled = await rawWsPeer(url, 'stalled');
    await warmUp(publish, [...subs, stalled]);
    stalled.socket.pause();

    const dropped = () => gw.logs.text.includes('SUBSCRIPTION_OVERFLOW') || gw.logs.text.includes('fell 20 events behind');
    let published = 0;
    // Paced so the shared source itself never falls behind; bounded (about 50 MB) in case nothing is dropped.
    while (!dropped() && published < 3_000) {
      for (let i = 0; i < 20; i += 1) publish((published += 1));
      await waitUntil(() => subs.every((s) => s.results.length === published), `event ${published} at the reading members`);
    }
    expect(dropped()).toBe(true);
    for (const s of subs) expect(s.results.map((r) => Number(r.data.incidentEvents.id))).toEqual(Array.from({ length: published }, (_, i) => i + 1));

    // Read again, it gets what it was sent, in order, then the overflow error and the end of its subscription.
    stalled.socket.resume();
    await waitUntil(() => stalled.messages.some((m) => JSON.parse(m).type === 'complete'), 'the stalled peer to see its subscription end', 30_000);
    const messages = stalled.messages.map((m) => JSON.parse(m) as { id: string; type: string; payload?: any });
    const nexts = messages.filter((m) => m.type === 'next' && m.payload.data);
    expect(nexts.map((m) => Number(m.payload.data.incidentEvents.id))).toEqual(Array.from({ length: nexts.length }, (_, i) => i + 1));
    expect(nexts.length).toBeLessThan(published);
    const failure = messages.find((m) => m.payload?.errors);
    expect(failure?.payload.errors[0].extensions.code).toBe('SUBSCRIPTION_OVERFLOW');
    expect(messages.at(-1)).toEqual({ id: 'stalled', type: 'complete' });
  });

  it('an SSE stream that stops reading is dropped the same way, and the others receive every event meanwhile', async () => {
    const { gw, publish } = await gateway({ SECGRAPH_SUBSCRIPTION_BUFFER: '20' }, 'x'.repeat(16_000));
    const url = gw.gateway.url;
    const client = wsClient(url, READER);
    cleanups.push(() => client.dispose());
    const sub = wsSubscribe(client, EVENTS);
    const reader = createSseClient({ url: `${url}/graphql`, headers: { authorization: `Bearer ${READER}` }, retryAttempts: 0 });
    cleanups.push(() => reader.dispose());
    const sseSub = wsSubscribe(reader, EVENTS);
    const stalled = await rawSsePeer(url);
    await warmUp(publish, [sub, sseSub, stalled]);
    stalled.response.pause();

    const dropped = () => gw.logs.text.includes('fell 20 events behind');
    let published = 0;
    while (!dropped() && published < 3_000) {
      for (let i = 0; i < 20; i += 1) publish((published += 1));
      await waitUntil(() => sub.results.length === published && sseSub.results.length === published, `event ${published} at the reading members`);
    }
    expect(dropped()).toBe(true);
    for (const s of [sub, sseSub]) expect(s.results.map((r) => Number(r.data.incidentEvents.id))).toEqual(Array.from({ length: published }, (_, i) => i + 1));

    stalled.response.resume();
    await waitUntil(() => stalled.ended, 'the stalled stream to end', 30_000);
    const nexts = stalled.messages.filter((m) => m.data);
    expect(nexts.map((m) => Number(m.data.incidentEvents.id))).toEqual(Array.from({ length: nexts.length }, (_, i) => i + 1));
    expect(nexts.length).toBeLessThan(published);
    expect(stalled.messages.at(-1)?.errors?.[0]?.extensions?.['code']).toBe('SUBSCRIPTION_OVERFLOW');
  });
});

/** An SSE stream on /graphql read by hand (node:http), so the test can stop reading it. */
async function rawSsePeer(url: string): Promise<{ messages: Result[]; response: IncomingMessage; ended: boolean }> {
  const body = JSON.stringify({ query: EVENTS });
  const req = httpRequest(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${READER}`, 'content-length': Buffer.byteLength(body) },
  });
  cleanups.push(() => req.destroy());
  req.end(body);
  const response = await new Promise<IncomingMessage>((resolve, reject) => req.once('response', resolve).once('error', reject));
  const peer = { messages: [] as Result[], response, ended: false };
  let text = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    text += chunk;
    let cut: number;
    while ((cut = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, cut);
      text = text.slice(cut + 2);
      if (block.startsWith('event: next\ndata: ')) peer.messages.push(JSON.parse(block.slice('event: next\ndata: '.length)) as Result);
      if (block.startsWith('event: complete')) peer.ended = true;
    }
  });
  response.on('end', () => (peer.ended = true));
  return peer;
}
