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

  it('refuses an operation without a key, and a cross-site simple POST', async () => {
    const client = createClient({ url: `${served.gateway.url}/graphql/stream`, singleConnection: true, retryAttempts: 0 });
    try {
      const r = await client.iterate({ query: '{ gateway { version } }' }).next();
      expect((r.value as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
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
