// graphql-sse's distinct-connections mode on /graphql/stream (one request per operation, Accept:
// text/event-stream) is served by yoga's SSE like /graphql, so shared subscriptions write each event from one
// serialisation there too; the wire stays graphql-sse's: same bytes per event and Content-Type, errors as
// `next` events on an accepted stream (its PROTOCOL.md), /graphql/stream's own CSRF rule. Real graphql-sse
// clients on a real port.
import { request as httpRequest } from 'node:http';
import { createClient, type Client } from 'graphql-sse';
import { afterEach, describe, expect, it } from 'vitest';
import { startPublishingGateway, type PublishingGateway } from './helpers/publishing-gateway.js';
import { waitUntil, wsSubscribe, type Result } from './helpers/subscribers.js';

const READER = 'distinct-reader-0001';
const NO_READ = 'distinct-respond-001';
const EVENTS = 'subscription { incidentEvents { id kind incident { incidentId appName } } }';
/** In every event's payload and nowhere else: what the serialisation count looks for. */
const MARKER = 'distinct-marker-app';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function gateway(): Promise<PublishingGateway> {
  const g = await startPublishingGateway({ reader: READER, noRead: NO_READ }, MARKER);
  cleanups.push(() => g.gw.close());
  return g;
}

function distinctClient(url: string, key?: string): Client {
  const client = createClient({ url: `${url}/graphql/stream`, singleConnection: false, headers: key ? { authorization: `Bearer ${key}` } : {}, retryAttempts: 0 });
  cleanups.push(() => client.dispose());
  return client;
}


/** A distinct-connections stream on a raw socket: its status, Content-Type and exact body text. */
async function rawStream(url: string): Promise<{ status: number; type: string; text: () => string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path: '/graphql/stream', headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${READER}` } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        resolve({ status: res.statusCode!, type: String(res.headers['content-type']), text: () => text });
      },
    );
    cleanups.push(() => req.destroy());
    req.on('error', reject);
    req.end(JSON.stringify({ query: EVENTS }));
  });
}

let warmUpId = 1_000_000;
async function warmUp(publish: (id: number) => void, subs: Array<{ results: unknown[] }>, raw: { text: () => string }): Promise<void> {
  await waitUntil(() => {
    if (subs.every((s) => s.results.length > 0) && raw.text().includes('event: next')) return true;
    publish((warmUpId += 1));
    return false;
  }, 'every subscriber to be live');
  await new Promise((r) => setTimeout(r, 100));
  for (const s of subs) s.results.length = 0;
}

describe('graphql-sse distinct connections on /graphql/stream', () => {
  it('distinct-connections requests on /graphql/stream share one serialisation per event, with the real graphql-sse client receiving the same payloads as before', async () => {
    const { gw, publish } = await gateway();
    const url = gw.gateway.url;
    const subs = [0, 1, 2, 3].map(() => wsSubscribe(distinctClient(url, READER), EVENTS));
    const raw = await rawStream(url);
    await warmUp(publish, subs, raw);
    const before = raw.text().length;

    let serialisations = 0;
    const stringify = JSON.stringify;
    JSON.stringify = ((...args: Parameters<typeof stringify>) => {
      const out = stringify(...args);
      if (typeof out === 'string' && out.includes(MARKER)) serialisations += 1;
      return out;
    }) as typeof JSON.stringify;
    try {
      for (let e = 1; e <= 3; e += 1) publish(e);
      await waitUntil(() => subs.every((s) => s.results.length === 3) && (raw.text().slice(before).match(/event: next/g) ?? []).length === 3, 'three events everywhere');
    } finally {
      JSON.stringify = stringify;
    }
    // graphql-sse's handler serialised each event once per stream (15 here: five streams).
    expect(serialisations).toBe(3);
    const payloads = subs[0]!.results;
    expect(payloads.map((r) => r.data.incidentEvents)).toEqual(['1', '2', '3'].map((id) => ({ id, kind: 'FETCHED', incident: { incidentId: expect.any(Number), appName: MARKER } })));
    for (const s of subs) expect(s.results).toEqual(payloads);
    // graphql-sse's wire, byte for byte: its Content-Type, a first `:` comment, then one `next` event each.
    expect(raw.status).toBe(200);
    expect(raw.type).toBe('text/event-stream; charset=utf-8');
    expect(raw.text().startsWith(':\n\n')).toBe(true);
    expect(raw.text().slice(before)).toBe(payloads.map((p) => `event: next\ndata: ${JSON.stringify(p)}\n\n`).join(''));
    for (const s of subs) expect(s.ended).toBeNull();
  });

  it('reports refusals as next events with the gateway codes on an accepted stream, as the protocol asks', async () => {
    const { gw } = await gateway();
    const url = gw.gateway.url;
    const first = async (client: Client, query: string) => (await client.iterate({ query }).next()).value as Result;
    // graphql-sse's handler answered these 400 "Unable to detect operation AST", which its client throws on.
    expect((await first(distinctClient(url, READER), 'subscription { incidentEvents { nope } }')).errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await first(distinctClient(url), EVENTS)).errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect((await first(distinctClient(url, NO_READ), EVENTS)).errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    // A query runs and completes; a GET with its key needs no CSRF header here (useStreamCsrfGuard's rule).
    expect((await first(distinctClient(url, READER), '{ gateway { version } }')).data?.gateway.version).toEqual(expect.any(String));
    const get = await fetch(`${url}/graphql/stream?query=${encodeURIComponent('{ gateway { version } }')}`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${READER}` } });
    expect(get.status).toBe(200);
    expect(await get.text()).toMatch(/^:\n\nevent: next\ndata: \{"data":\{"gateway":\{"version":"[^"]+"\}\}\}\n\nevent: complete\ndata:\n\n$/);
    // Without a key nor the CSRF header, a cross-site GET is refused before any operation runs.
    const form = await fetch(`${url}/graphql/stream?query=${encodeURIComponent('{ gateway { version } }')}`, { headers: { accept: 'text/event-stream' } });
    expect(form.status).toBe(403);
  });
});
