// Trusted documents: SECGRAPH_TRUSTED_DOCUMENTS (a manifest of id → document, ids `sha256:<hex>` or bare
// hex or any string), named by `documentId` (GET and POST) or Apollo's persistedQuery.sha256Hash, over HTTP,
// SSE, graphql-ws and graphql-sse; SECGRAPH_ARBITRARY_DOCUMENTS allow / queries / deny; the console's own
// manifest trusted without configuration.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CONSOLE_MANIFEST } from '../src/trusted-documents/load.js';
import { documentIdOf, TrustedDocuments } from '../src/trusted-documents/trusted-documents.js';
import { configErrorOf } from './helpers/config.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startServedGateway, type ServedGateway } from './helpers/server.js';

const VERSION = 'query Version { gateway { version } }';
const CLOSE = 'mutation Close($id: ID!) { closeIncident(id: $id, category: NO_REASON) { incidentId state } }';
const EVENTS = 'subscription Events { incidentEvents(filter: { kinds: [CLOSED] }) { kind } }';
const VERSION_ID = documentIdOf(VERSION); // sha256:<hex>
const CLOSE_HEX = documentIdOf(CLOSE).slice('sha256:'.length); // bare hex, as Apollo's sha256Hash
const EVENTS_ID = 'events-v1'; // any string a manifest uses

const dir = mkdtempSync(path.join(tmpdir(), 'secgraph-trusted-'));
const manifest = path.join(dir, 'manifest.json');
writeFileSync(manifest, JSON.stringify({ [VERSION_ID]: VERSION, [CLOSE_HEX]: CLOSE, [EVENTS_ID]: EVENTS }));

async function post(gw: TestGateway, body: Record<string, unknown>) {
  const res = await gw.yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}
const codeOf = (r: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => r.errors?.[0]?.extensions?.['code'];

describe('the trusted-document store', () => {
  it('names a document by sha256:<hex>, bare hex (either case) or its manifest id, and trusts its exact text', () => {
    const store = new TrustedDocuments();
    store.registerAll({ [VERSION_ID]: VERSION, [EVENTS_ID]: EVENTS });
    expect(store.get(VERSION_ID)).toBe(VERSION);
    expect(store.get(VERSION_ID.slice(7).toUpperCase())).toBe(VERSION);
    expect(store.get(EVENTS_ID)).toBe(EVENTS);
    expect(store.get(documentIdOf(EVENTS))).toBe(EVENTS);
    expect(store.trusts(VERSION)).toBe(true);
    expect(store.trusts(`${VERSION} `)).toBe(false);
    expect(() => store.register('query Other { gateway { version } }', EVENTS_ID)).toThrow(/two different documents/);
  });

  it('a manifest that cannot be read or is not a map of documents stops the start', () => {
    expect(configErrorOf({ SECGRAPH_TRUSTED_DOCUMENTS: path.join(dir, 'missing.json') }).message).toMatch(/cannot read/);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '["query { a }"]');
    expect(configErrorOf({ SECGRAPH_TRUSTED_DOCUMENTS: bad }).variable).toBe('SECGRAPH_TRUSTED_DOCUMENTS');
    expect(configErrorOf({ SECGRAPH_ARBITRARY_DOCUMENTS: 'some' }).variable).toBe('SECGRAPH_ARBITRARY_DOCUMENTS');
  });
});

describe.each(['allow', 'queries', 'deny'] as const)('SECGRAPH_ARBITRARY_DOCUMENTS=%s over HTTP', (mode) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ fixtures: true, env: { SECGRAPH_TRUSTED_DOCUMENTS: manifest, SECGRAPH_ARBITRARY_DOCUMENTS: mode } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('runs trusted documents by documentId (POST and GET) and by Apollo sha256Hash; an unknown id is PERSISTED_DOCUMENT_NOT_FOUND', async () => {
    expect((await post(gw, { documentId: VERSION_ID })).data.gateway.version).toEqual(expect.any(String));
    const get = await gw.yoga.fetch(`http://yoga/graphql?documentId=${encodeURIComponent(VERSION_ID)}`, { headers: { accept: 'application/json', 'x-graphql-csrf': '1' } });
    expect(((await get.json()) as any).data.gateway.version).toEqual(expect.any(String));
    const close = await post(gw, { extensions: { persistedQuery: { version: 1, sha256Hash: CLOSE_HEX } }, variables: { id: '3' } });
    expect(close.errors).toBeUndefined();
    expect(close.data.closeIncident.state).toBe('CLOSED');
    const unknown = await post(gw, { documentId: documentIdOf('query { nope }') });
    expect(codeOf(unknown)).toBe('PERSISTED_DOCUMENT_NOT_FOUND');
  });

  it(`arbitrary documents: ${mode === 'allow' ? 'all run' : mode === 'queries' ? 'queries run, mutations are refused' : 'all are refused'}`, async () => {
    const query = await post(gw, { query: '{ gateway { sandboxes } }' });
    const mutation = await post(gw, { query: 'mutation { closeIncident(id: "4", category: NO_REASON) { state } }' });
    if (mode === 'deny') expect(codeOf(query)).toBe('PERSISTED_DOCUMENT_REQUIRED');
    else expect(query.errors).toBeUndefined();
    if (mode === 'allow') expect(mutation.errors).toBeUndefined();
    else {
      expect(codeOf(mutation)).toBe('PERSISTED_DOCUMENT_REQUIRED');
      expect(mutation.errors![0]!.message).toMatch(/SECGRAPH_ARBITRARY_DOCUMENTS/);
    }
    // A trusted document's exact text is that document, sent in full or by id.
    expect((await post(gw, { query: VERSION })).errors).toBeUndefined();
  });
});

describe('trusted documents over SSE, graphql-ws and graphql-sse (deny mode)', () => {
  let served: ServedGateway;
  let ws: Client | null = null;
  beforeAll(async () => {
    served = await startServedGateway({ SECGRAPH_TRUSTED_DOCUMENTS: manifest, SECGRAPH_ARBITRARY_DOCUMENTS: 'deny' });
  });
  afterAll(async () => {
    await ws?.dispose();
    await served?.close();
  });

  it('graphql-ws: documentId beside an empty query, and Apollo sha256Hash; arbitrary and unknown documents are refused', async () => {
    ws = createClient({ url: served.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    const byId = await ws.iterate({ query: '', documentId: VERSION_ID } as never).next();
    expect((byId.value as any).data.gateway.version).toEqual(expect.any(String));
    const apollo = await ws.iterate({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: VERSION_ID.slice(7) } } }).next();
    expect((apollo.value as any).data.gateway.version).toEqual(expect.any(String));
    const arbitrary = ws.iterate({ query: '{ gateway { sandboxes } }' }).next();
    await expect(arbitrary.then((r) => (r.value as any)?.errors?.[0]?.extensions?.code, (e: unknown) => (e as any)?.[0]?.extensions?.code)).resolves.toBe('PERSISTED_DOCUMENT_REQUIRED');
    const unknown = ws.iterate({ query: '', documentId: 'no-such-document' } as never).next();
    await expect(unknown.then((r) => (r.value as any)?.errors?.[0]?.extensions?.code, (e: unknown) => (e as any)?.[0]?.extensions?.code)).resolves.toBe('PERSISTED_DOCUMENT_NOT_FOUND');
    // A subscription by id goes live (its first event is not awaited here: the query above proves the path).
    const sub = ws.iterate({ query: '', documentId: EVENTS_ID } as never);
    await sub.return?.();
  });

  it('SSE on /graphql: a subscription by documentId streams; an arbitrary one is refused', async () => {
    const abort = new AbortController();
    const res = await fetch(`${served.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ documentId: EVENTS_ID }),
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    // A live stream with nothing to say yet: its headers are the answer.
    abort.abort();
    const refused = await fetch(`${served.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      // Not EVENTS itself: a trusted document's full text is trusted too.
      body: JSON.stringify({ query: 'subscription { incidentEvents { kind } }' }),
    });
    const refusedReader = refused.body!.getReader();
    let text = '';
    while (!text.includes('event: next')) {
      const { value, done } = await refusedReader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await refusedReader.cancel();
    expect(text).toMatch(/PERSISTED_DOCUMENT_REQUIRED/);
  });

  it('graphql-sse single connection and distinct connections: by documentId', async () => {
    for (const singleConnection of [true, false]) {
      const client = createSseClient({ url: `${served.gateway.url}/graphql/stream`, singleConnection, retryAttempts: 0 });
      try {
        const r = await client.iterate({ query: '', documentId: VERSION_ID } as never).next();
        expect((r.value as any).data.gateway.version, `singleConnection ${singleConnection}`).toEqual(expect.any(String));
        const refused = await client.iterate({ query: '{ gateway { sandboxes } }' }).next().then((v) => v.value, (e: unknown) => e);
        expect(JSON.stringify(refused)).toMatch(/PERSISTED_DOCUMENT_REQUIRED/);
      } finally {
        client.dispose();
      }
    }
  });

  it("trusts the console's own manifest without configuration (the build wrote it beside the console)", async () => {
    const consoleManifest = JSON.parse(readFileSync(CONSOLE_MANIFEST, 'utf8')) as Record<string, string>;
    const [id, text] = Object.entries(consoleManifest).find(([, t]) => t.startsWith('query GatewayInfo'))!;
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(text).toContain('viewer');
    const res = await fetch(`${served.gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ documentId: id }) });
    expect(((await res.json()) as any).data.gateway.viewer.open).toBe(true);
  });
});
