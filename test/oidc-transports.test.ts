// An identity provider's token works wherever an API key does: graphql-ws (connectionParams.authorization),
// SSE on /graphql (and joining a live shared subscription), graphql-sse on /graphql/stream (both modes). A
// WebSocket authenticated by a token is closed with 4401 when the token expires, and its client reconnects
// with a fresh token and resumes with `after`. Against a real oidc-provider and a gateway on a real port.
import { createClient as createSseClient } from 'graphql-sse';
import { createClient, type Client } from 'graphql-ws';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startOidcProvider, type TestOidcProvider } from './helpers/oidc-provider.js';
import { postGraphQL, startServedGateway, type ServedGateway } from './helpers/server.js';
import { waitUntil } from './helpers/subscribers.js';

const VIEWER = '{ gateway { viewer { kind id name scopes } } }';
const EVENTS = 'subscription($after: ID) { incidentEvents(after: $after, filter: { kinds: [CLOSED] }) { id kind incident { incidentId } } }';
const CLOSE = 'mutation($id: ID!) { closeIncident(id: $id, category: MISIDENTIFIED) { incidentId } }';
const ALICE = { sub: 'alice', name: 'Alice Analyst', email: 'alice@soc.test', groups: ['soc-analysts'] };

let idp: TestOidcProvider;
let served: ServedGateway;
beforeAll(async () => {
  idp = await startOidcProvider({ users: [ALICE] });
  // Identity provider only, no API keys: the gateway is not open.
  served = await startServedGateway({
    SECGRAPH_OIDC_ISSUER: idp.issuer,
    SECGRAPH_OIDC_AUDIENCE: idp.audience,
    SECGRAPH_OIDC_ROLE_SCOPES: 'soc-analysts=read+respond',
    SECGRAPH_OIDC_CLOCK_TOLERANCE: '0',
  });
});
afterAll(async () => {
  await served?.close();
  await idp?.close();
});

const token = (ttl?: number) => idp.mint('alice', ttl ? { ttl } : {});
const wsClient = (authorization: string | undefined): Client =>
  createClient({ url: served.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: authorization ? { authorization } : {} });

/** Incidents closed one at a time until `received()` holds (a subscription goes live asynchronously). */
async function closeUntil(ids: number[], received: () => boolean): Promise<void> {
  for (const id of ids) {
    if (received()) return;
    const r = await postGraphQL(served.gateway.url, CLOSE, { id: String(id) }, await token());
    expect(r.body.errors).toBeUndefined();
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Reads an SSE response's `next` events; `ended` resolves when the server ends the stream (or stop() cancels it). */
function readSse(res: Response): { results: any[]; ended: Promise<{ completed: boolean }>; stop(): Promise<void> } {
  const reader = res.body!.getReader();
  const results: any[] = [];
  const ended = (async () => {
    const decoder = new TextDecoder();
    let text = '';
    let completed = false;
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      text += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, cut);
        text = text.slice(cut + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (/^event: next$/m.test(block) && data) results.push(JSON.parse(data));
        if (/^event: complete$/m.test(block)) completed = true;
      }
    }
    return { completed };
  })();
  return { results, ended, stop: async () => void (await reader.cancel().catch(() => {}), await ended) };
}

const sseSubscribe = (authorization: string, query = EVENTS) =>
  fetch(`${served.gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization },
    body: JSON.stringify({ query }),
  });

describe('a token on every transport', () => {
  it('graphql-ws: connectionParams.authorization carries the token; queries and subscriptions run as the user', async () => {
    const client = wsClient(`Bearer ${await token()}`);
    try {
      const viewer = await client.iterate({ query: VIEWER }).next();
      expect((viewer.value as any).data.gateway.viewer).toEqual({ kind: 'USER', id: 'alice', name: 'Alice Analyst', scopes: ['read', 'respond'] });
      const events = client.iterate({ query: EVENTS });
      let got: any = null;
      const first = events.next().then((r) => (got = r.value));
      await closeUntil([3, 5], () => got !== null);
      await first;
      expect(got.data.incidentEvents.kind).toBe('CLOSED');
      await events.return?.();
    } finally {
      await client.dispose();
    }
  });

  it('graphql-ws: a token for another audience closes the socket (4403) saying why; an expired one asks for a fresh one (4401)', async () => {
    const wrong = wsClient(`Bearer ${await idp.mint('alice', { audience: 'https://other.app' })}`);
    await expect(wrong.iterate({ query: VIEWER }).next()).rejects.toMatchObject({ code: 4403, reason: expect.stringMatching(/another audience/) });
    await wrong.dispose();
    const stale = await token(1);
    await new Promise((r) => setTimeout(r, Math.max(0, decodeJwt(stale).exp! * 1000 - Date.now()) + 50));
    const expired = wsClient(`Bearer ${stale}`);
    await expect(expired.iterate({ query: VIEWER }).next()).rejects.toMatchObject({ code: 4401, reason: expect.stringMatching(/expired/) });
    await expired.dispose();
  });

  it('SSE on /graphql: a subscription with a token, and an equal one joining it live; a bad token is refused', async () => {
    const first = readSse(await sseSubscribe(`Bearer ${await token()}`));
    const second = readSse(await sseSubscribe(`Bearer ${await token()}`));
    const refused = await (await fetch(`${served.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${await idp.mint('alice', { audience: 'https://other.app' })}` },
      body: JSON.stringify({ query: VIEWER }),
    })).json() as any;
    expect(refused.errors[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringMatching(/another audience/) });
    try {
      await closeUntil([6, 7, 8], () => first.results.length > 0 && second.results.length > 0);
      await waitUntil(() => first.results.length > 0 && second.results.length > 0, 'both SSE subscribers to receive an event');
      expect(first.results[0].data.incidentEvents.kind).toBe('CLOSED');
      expect(second.results[0].data.incidentEvents.incident.incidentId).toBe(first.results[0].data.incidentEvents.incident.incidentId);
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it('graphql-sse on /graphql/stream: single-connection and distinct-connections modes take the token', async () => {
    for (const singleConnection of [true, false]) {
      const client = createSseClient({ url: `${served.gateway.url}/graphql/stream`, singleConnection, headers: { authorization: `Bearer ${await token()}` }, retryAttempts: 0 });
      try {
        const viewer = await client.iterate({ query: VIEWER }).next();
        expect((viewer.value as any).data.gateway.viewer).toMatchObject({ kind: 'USER', id: 'alice' });
      } finally {
        client.dispose();
      }
      const refused = createSseClient({ url: `${served.gateway.url}/graphql/stream`, singleConnection, headers: { authorization: 'Bearer not.a.token' }, retryAttempts: 0 });
      try {
        // Single connection: the reservation itself is refused (401); distinct: the result says UNAUTHENTICATED.
        const r = await refused.iterate({ query: VIEWER }).next().then((v) => v.value as any, (e: { response?: Response }) => ({ thrown: e?.response?.status ?? String(e) }));
        expect(JSON.stringify(r)).toMatch(/UNAUTHENTICATED|401/);
      } finally {
        refused.dispose();
      }
    }
  });
});

describe('a WebSocket whose token expires', () => {
  it('is closed with 4401; the client reconnects with a fresh token and resumes with `after`, missing nothing', async () => {
    const short = await token(3);
    const closed: Array<{ code: number; reason: string }> = [];
    const first = createClient({
      url: served.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${short}` },
      on: { closed: (e) => void closed.push({ code: (e as CloseEvent).code, reason: (e as CloseEvent).reason }) },
    });
    const received: any[] = [];
    let ended: unknown = null;
    first.subscribe({ query: EVENTS }, { next: (r) => void received.push(r), error: (e) => void (ended = e), complete: () => void (ended ??= 'complete') });
    await closeUntil([9, 10], () => received.length > 0);
    await waitUntil(() => received.length > 0, 'the first event');
    const lastId = received[0].data.incidentEvents.id as string;

    // The token expires: the gateway closes the socket, saying so.
    await waitUntil(() => closed.length > 0, 'the socket to be closed at expiry', 10_000);
    expect(closed[0]).toEqual({ code: 4401, reason: 'Unauthorized: the token has expired' });
    expect(ended).toMatchObject({ code: 4401 });
    await first.dispose();

    // Meanwhile another incident is closed; the fresh connection resumes after the last event it saw.
    const r = await postGraphQL(served.gateway.url, CLOSE, { id: '4' }, await token());
    expect(r.body.errors).toBeUndefined();
    const second = wsClient(`Bearer ${await token()}`);
    try {
      const resumed = await second.iterate({ query: EVENTS, variables: { after: lastId } }).next();
      const event = (resumed.value as any).data.incidentEvents;
      expect(Number(event.id)).toBeGreaterThan(Number(lastId));
      expect(event.incident.incidentId).toBe(4);
    } finally {
      await second.dispose();
    }
  });
});

describe('an SSE stream whose token expires', () => {
  const ALERT_UPDATES = 'subscription { alertUpdates { id alertId } }';

  it('ends with UNAUTHENTICATED after what was delivered: shared, joined live and unshared alike; a longer token streams on', async () => {
    const short = `Bearer ${await token(4)}`;
    // The first subscriber starts the shared execution through the envelop; the second joins it live (no envelop).
    const started = readSse(await sseSubscribe(short));
    await closeUntil([3, 5, 9, 10], () => started.results.length > 0);
    const joined = readSse(await sseSubscribe(short));
    const longer = readSse(await sseSubscribe(`Bearer ${await token(600)}`));
    const unshared = readSse(await sseSubscribe(short, ALERT_UPDATES));

    const outcomes = await Promise.all([started.ended, joined.ended, unshared.ended]);
    expect(outcomes).toEqual([{ completed: true }, { completed: true }, { completed: true }]);
    for (const stream of [started, joined, unshared]) {
      const last = stream.results.at(-1);
      expect(last.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/expired/), extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
      expect(stream.results.slice(0, -1).every((r) => !r.errors)).toBe(true);
    }
    expect(started.results[0].data.incidentEvents.kind).toBe('CLOSED');

    // The stream started with a token that is still good goes on receiving.
    const before = longer.results.length;
    await closeUntil([4, 6, 7, 8], () => longer.results.length > before);
    expect(longer.results.length).toBeGreaterThan(before);
    expect(longer.results.every((r) => !r.errors)).toBe(true);
    await longer.stop();
  });

  it('graphql-sse on /graphql/stream, both modes: the subscription gets the UNAUTHENTICATED result and completes', async () => {
    for (const singleConnection of [true, false]) {
      const client = createSseClient({ url: `${served.gateway.url}/graphql/stream`, singleConnection, headers: { authorization: `Bearer ${await token(3)}` }, retryAttempts: 0 });
      try {
        const results: any[] = [];
        for await (const r of client.iterate({ query: ALERT_UPDATES })) results.push(r);
        expect(results.at(-1).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      } finally {
        client.dispose();
      }
    }
  });
});
