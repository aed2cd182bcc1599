// graphql-sse's protocol on /graphql/stream, single-connection mode: one event stream reserved with PUT, the
// operations POSTed with its token; same API keys as everywhere; cross-site simple requests refused.
import { createClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, startServedGateway, type ServedGateway } from './helpers/server.js';

const KEY = 'graphql-sse-key-001';
const EVENTS = 'subscription { incidentEvents(filter: { kinds: [CLOSED] }) { kind incident { incidentId } } }';
const CLOSE = 'mutation($id: ID!) { closeIncident(id: $id, category: MISIDENTIFIED) { incidentId } }';

let served: ServedGateway;
beforeAll(async () => {
  served = await startServedGateway({ SECGRAPH_API_KEYS: `${KEY}=read+respond` });
});
afterAll(async () => {
  await served?.close();
});

describe('graphql-sse single-connection mode', () => {
  it('runs a query and a live subscription over one reserved stream', async () => {
    const client = createClient({ url: `${served.gateway.url}/graphql/stream`, singleConnection: true, headers: { authorization: `Bearer ${KEY}` }, retryAttempts: 0 });
    try {
      const query = await client.iterate({ query: '{ gateway { version } }' }).next();
      expect((query.value as any).data.gateway.version).toEqual(expect.any(String));
      const events = client.iterate({ query: EVENTS });
      const first = events.next();
      let received: any = null;
      void first.then((r) => (received = r.value));
      for (const id of [3, 5, 6, 7, 8, 9, 10]) {
        if (received) break;
        expect((await postGraphQL(served.gateway.url, CLOSE, { id: String(id) }, KEY)).body.errors).toBeUndefined();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await first).value).toMatchObject({ data: { incidentEvents: { kind: 'CLOSED' } } });
      await events.return?.();
    } finally {
      client.dispose();
    }
  });

  it('delivers validation and syntax errors as results with their codes on the reserved stream', async () => {
    // Not lazy: one stream for the three operations (a lazy client reconnects between them).
    const client = createClient({ url: `${served.gateway.url}/graphql/stream`, singleConnection: true, lazy: false, headers: { authorization: `Bearer ${KEY}` }, retryAttempts: 0 });
    try {
      const unknown = await client.iterate({ query: '{ noSuchField }' }).next();
      expect((unknown.value as any).errors[0]).toMatchObject({ message: expect.stringContaining('noSuchField'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      const broken = await client.iterate({ query: '{ gateway {' }).next();
      expect((broken.value as any).errors[0]).toMatchObject({ message: expect.stringContaining('Syntax Error'), extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
      expect(JSON.stringify(broken.value)).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
      // The stream still serves the next operation.
      const ok = await client.iterate({ query: '{ gateway { version } }' }).next();
      expect((ok.value as any).data.gateway.version).toEqual(expect.any(String));
    } finally {
      client.dispose();
    }
  });

  it('refuses an operation body over the GraphQL body limit with 413, declared or chunked', async () => {
    const url = `${served.gateway.url}/graphql/stream`;
    const token = await (await fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${KEY}` } })).text();
    const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-graphql-event-stream-token': token };
    const big = JSON.stringify({ query: '{ gateway { version } }', variables: { padding: 'x'.repeat(26_000_000) }, extensions: { operationId: 'big' } });
    const declared = await fetch(url, { method: 'POST', headers, body: big });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as any).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
    const bytes = Buffer.from(big);
    let at = 0;
    const chunked = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        controller.enqueue(bytes.subarray(at, (at += 1_000_000)));
      },
    });
    const streamed = await fetch(url, { method: 'POST', headers, body: chunked, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('refuses an operation without a key, and a cross-site simple POST', async () => {
    const client = createClient({ url: `${served.gateway.url}/graphql/stream`, singleConnection: true, retryAttempts: 0 });
    try {
      // Refused at the reservation (401, before any operation is read: src/http/graphql-sse-handler.ts).
      const error = await client.iterate({ query: '{ gateway { version } }' }).next().then(() => null, (e: unknown) => e as { response?: Response });
      expect(error?.response?.status).toBe(401);
      expect(error?.response?.headers.get('www-authenticate')).toBe('Bearer');
    } finally {
      client.dispose();
    }
    const form = await fetch(`${served.gateway.url}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', accept: 'text/event-stream' },
      body: JSON.stringify({ query: CLOSE, variables: { id: '3' } }),
    });
    expect(form.status).toBe(403);
  });
});
