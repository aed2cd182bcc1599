// Shared fan-out writes: each event of a shared subscription is serialised once and written to every
// member's socket as its transport's exact message (graphql-ws `next` with the member's own id; graphql-sse
// `event: next`), on a real port with real graphql-ws and graphql-sse clients. A member that closes in the
// middle of a fan-out does not affect the others, a completed one receives nothing more, and a key without
// the read scope never receives an event of the document the others share.
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toIncident } from '../src/connectors/saas-security/map.js';
import { generateIncidents } from '../src/emulators/saas-security/seed.js';
import { startServedGateway, type ServedGateway } from './helpers/server.js';
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

async function gateway(): Promise<{ gw: ServedGateway; publish: (id: number, severity?: string) => void }> {
  const gw = await startServedGateway({ SECGRAPH_API_KEYS: `${READER}=read,${NO_READ}=respond`, SAAS_SECURITY_FETCH: 'false' });
  cleanups.push(() => gw.close());
  const [wire] = generateIncidents(1, Date.now());
  const incident = { ...toIncident(wire!), appName: MARKER };
  const publish = (id: number, severity?: string) =>
    gw.gateway.services.pubsub.publish('incident:event', {
      id,
      kind: 'FETCHED',
      incident: severity === undefined ? incident : { ...incident, severity: severity as never },
      changedFields: [],
      at: new Date().toISOString(),
    });
  return { gw, publish };
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

/** A real graphql-sse client's subscription, collected like the graphql-ws helper's. */
function sseSubscribe(client: SseClient, query = EVENTS): Collected & { stop(): void } {
  const c: Collected & { stop(): void } = {
    results: [],
    ended: null,
    stop: client.subscribe(
      { query },
      {
        next: (r) => void c.results.push(r as Result),
        error: (error) => void (c.ended = { error }),
        complete: () => void (c.ended ??= {}),
      },
    ),
  };
  return c;
}

let warmUpId = 1_000_000;
async function warmUp(publish: (id: number) => void, subs: Array<{ results: unknown[] } | { messages: unknown[] }>): Promise<void> {
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
      subs.push(sseSubscribe(client));
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
    for (let i = 0; i < 2; i += 1) {
      const client = createSseClient({ url: `${url}/graphql`, headers: { authorization: `Bearer ${READER}` }, retryAttempts: 0 });
      cleanups.push(() => client.dispose());
      subs.push(sseSubscribe(client, SEVERITIES));
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
    // Each transport as before: graphql-ws sends the masked error as GraphQLError.toJSON() gives it, yoga's
    // SSE writer leaves out its internal `unexpected` flag.
    for (const s of subs.slice(1, 3)) expect(s.results).toEqual(first!.results);
    const sse = subs[3]!.results;
    expect(subs[4]!.results).toEqual(sse);
    expect(sse.map((r) => r.data)).toEqual(first!.results.map((r) => r.data));
    expect(sse[1]!.errors![0]!.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
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
    const sseSub = sseSubscribe(sse);
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
});
