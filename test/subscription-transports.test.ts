// incidentEvents over both transports, graphql-ws and SSE, with the same API-key rules as HTTP.
import { createClient, type Client } from 'graphql-ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { postGraphQL, startServedGateway, type ServedGateway } from './helpers/server.js';

const KEY = 'subscriber-key-01';
const READ_ONLY = 'reader-only-key-02';
const SUBSCRIPTION = 'subscription { incidentEvents(filter: { kinds: [CLOSED] }) { kind changedFields at incident { incidentId state category } } }';
const CLOSE = 'mutation($id: ID!) { closeIncident(id: $id, category: MISIDENTIFIED) { incidentId } }';

let served: ServedGateway;
let client: Client | null = null;
beforeEach(async () => {
  served = await startServedGateway({ SECGRAPH_API_KEYS: `${KEY}=read+respond,${READ_ONLY}=respond` });
});
afterEach(async () => {
  await client?.dispose();
  client = null;
  await served.close();
});

/** A subscription goes live asynchronously: close incidents one by one until the first event arrives. */
async function closeUntil(received: () => boolean): Promise<number[]> {
  const closed: number[] = [];
  for (const id of [3, 5, 6, 7, 8, 9, 10]) {
    if (received()) break;
    const r = await postGraphQL(served.gateway.url, CLOSE, { id: String(id) }, KEY);
    expect(r.body.errors).toBeUndefined();
    closed.push(id);
    await new Promise((res) => setTimeout(res, 50));
  }
  return closed;
}

function wsClient(authorization?: string): Client {
  return createClient({
    url: served.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: authorization ? { authorization } : {},
  });
}

describe('incidentEvents over graphql-ws', () => {
  it('pushes a CLOSED event with the changed fields', async () => {
    client = wsClient(`Bearer ${KEY}`);
    const events: any[] = [];
    const iterator = client.iterate({ query: SUBSCRIPTION });
    const first = iterator.next().then((r) => events.push(r.value));
    const closed = await closeUntil(() => events.length > 0);
    await first;
    const event = events[0].data.incidentEvents;
    expect(event.kind).toBe('CLOSED');
    expect(closed).toContain(event.incident.incidentId);
    expect(event.incident).toMatchObject({ state: 'CLOSED', category: 'misidentified' });
    expect(event.changedFields).toEqual(expect.arrayContaining(['state', 'category', 'status']));
    expect(Number.isNaN(Date.parse(event.at))).toBe(false);
    await iterator.return?.();
  });

  it('closes a socket that subscribes without a key (4401), and refuses a key without the read scope (FORBIDDEN)', async () => {
    client = wsClient(undefined);
    await expect(client.iterate({ query: SUBSCRIPTION }).next()).rejects.toMatchObject({ code: 4401 });
    await client.dispose();
    client = wsClient(`Bearer ${READ_ONLY}`);
    const result = await client.iterate({ query: SUBSCRIPTION }).next();
    expect(result.value.errors[0].extensions.code).toBe('FORBIDDEN');
    await client.dispose();
    client = null;
  });
});

describe('incidentEvents over SSE', () => {
  it('streams a CLOSED event as text/event-stream', async () => {
    const controller = new AbortController();
    const res = await fetch(`${served.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query: SUBSCRIPTION }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let buffer = '';
    let event: any = null;
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += new TextDecoder().decode(value);
        const m = /event: next\ndata: (.+)\n/.exec(buffer);
        if (m) {
          event = JSON.parse(m[1]!);
          return;
        }
      }
    })();
    await closeUntil(() => event !== null);
    await reading;
    controller.abort();
    expect(event.data.incidentEvents).toMatchObject({ kind: 'CLOSED', incident: { state: 'CLOSED' } });
  });

  it('refuses an SSE subscription without a key (UNAUTHENTICATED)', async () => {
    const res = await fetch(`${served.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: SUBSCRIPTION }),
    });
    const text = await res.text();
    expect(text).toContain('UNAUTHENTICATED');
  });
});
