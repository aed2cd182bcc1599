// Authentication before anything reads the document (issue 28, finding 5), on a real gateway on loopback with
// API keys: a request without a valid credential is refused with 401 UNAUTHENTICATED and `WWW-Authenticate:
// Bearer` before parsing and validation on every transport, so it learns nothing of the schema and makes the
// gateway write no log line about its document; the public routes stay public; and a keyed client's own
// mistakes (validation, bad variables) still get their errors, logged at debug without a stack, bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLIENT_MESSAGE_CHARS } from '../src/observability/use-error-log.js';
import { postGraphQL, startServedGateway, type ServedGateway } from './helpers/server.js';

const KEY = 'auth-first-key-0001';
const UNKNOWN_FIELD = '{ gateway { version } notAFieldAtAll }';
const BAD_VARIABLE = 'query Page($n: Int) { incidents(first: $n) { pageInfo { hasNextPage } } }';
const LONG_VALUE = 'x'.repeat(3000);

let served: ServedGateway;
let url: string;
beforeAll(async () => {
  served = await startServedGateway({ SECGRAPH_API_KEYS: `${KEY}=read`, SECGRAPH_AUTH_FAILURES_PER_MINUTE: '1000' });
  url = served.gateway.url;
});
afterAll(async () => {
  await served?.close();
});

/** The log lines written while `act` ran. */
async function linesDuring(act: () => Promise<unknown>): Promise<string[]> {
  const before = served.logs.lines.length;
  await act();
  // Lines are written synchronously by pino to the capture; give the event loop one turn for the last.
  await new Promise((r) => setImmediate(r));
  return served.logs.lines.slice(before);
}

const schemaHint = /notAFieldAtAll|Cannot query field|Did you mean|Variable "\$n"|Int cannot/;

describe('authenticate before parse and validation', () => {
  it('answers a keyless document that does not validate with 401 and no schema hint (POST, GET, SSE, graphql-sse)', async () => {
    const post = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: UNKNOWN_FIELD }) });
    expect(post.status).toBe(401);
    expect(post.headers.get('www-authenticate')).toBe('Bearer');
    const body = await post.text();
    expect(JSON.parse(body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(body).not.toMatch(schemaHint);

    const get = await fetch(`${url}/graphql?query=${encodeURIComponent(UNKNOWN_FIELD)}`, { headers: { accept: 'application/json', 'x-graphql-csrf': '1' } });
    expect(get.status).toBe(401);
    expect(await get.text()).not.toMatch(schemaHint);

    const wrongKey = await postGraphQL(url, UNKNOWN_FIELD, undefined, 'not-a-key-at-all-01');
    expect(wrongKey.status).toBe(401);
    expect(JSON.stringify(wrongKey.body)).not.toMatch(schemaHint);

    const sse = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query: `subscription { incidentEvents { kind } notAFieldAtAll }` }) });
    const sseText = await sse.text();
    expect(sseText).toContain('UNAUTHENTICATED');
    expect(sseText).not.toMatch(schemaHint);

    // graphql-sse, distinct connections (served by yoga) and single connection (graphql-sse's own handler).
    const distinct = await fetch(`${url}/graphql/stream`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query: UNKNOWN_FIELD }) });
    const distinctText = await distinct.text();
    expect(distinctText).toContain('UNAUTHENTICATED');
    expect(distinctText).not.toMatch(schemaHint);
    // Single connection: a keyless client can neither reserve a stream nor have an operation read.
    const keyless = await fetch(`${url}/graphql/stream`, { method: 'PUT' });
    expect(keyless.status).toBe(401);
    expect(keyless.headers.get('www-authenticate')).toBe('Bearer');
    const token = await (await fetch(`${url}/graphql/stream`, { method: 'PUT', headers: { authorization: `Bearer ${KEY}` } })).text();
    const operation = await fetch(`${url}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': token },
      body: JSON.stringify({ query: UNKNOWN_FIELD, extensions: { operationId: 'op-1' } }),
    });
    expect(operation.status).toBe(401);
    const operationText = await operation.text();
    expect(JSON.parse(operationText).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(operationText).not.toMatch(schemaHint);
  });

  it('refuses a WebSocket operation that brings a wrong key of its own before validating it', async () => {
    const socket = new WebSocket(served.wsUrl, 'graphql-transport-ws');
    const messages: any[] = [];
    socket.on('message', (d) => messages.push(JSON.parse(String(d))));
    await new Promise((r) => socket.on('open', r));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${KEY}` } }));
    const until = async (match: (m: any) => boolean) => {
      for (let i = 0; i < 500 && !messages.some(match); i += 1) await new Promise((r) => setTimeout(r, 10));
      return messages.find(match);
    };
    expect(await until((m) => m.type === 'connection_ack')).toBeDefined();
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: UNKNOWN_FIELD, extensions: { headers: { authorization: 'Bearer not-a-key-at-all-02' } } } }));
    const error = await until((m) => m.id === '1' && m.type === 'error');
    expect(error.payload[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(error)).not.toMatch(schemaHint);
    // The socket's own key still validates it: the client sees its mistake.
    socket.send(JSON.stringify({ id: '2', type: 'subscribe', payload: { query: UNKNOWN_FIELD } }));
    expect(JSON.stringify(await until((m) => m.id === '2' && m.type === 'error'))).toContain('Cannot query field');
    socket.close();
  });

  it('answers keyless bad variables with 401 and logs nothing about them', async () => {
    let response: Response | undefined;
    const lines = await linesDuring(async () => {
      response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: BAD_VARIABLE, variables: { n: LONG_VALUE } }) });
    });
    expect(response!.status).toBe(401);
    expect(await response!.text()).not.toMatch(schemaHint);
    expect(lines.join('\n')).not.toMatch(/"stack"|xxxxxxxxxx|Int cannot/);
    expect(lines.filter((l) => JSON.parse(l).level >= 40)).toEqual([]);
  });

  it("still tells a keyed client its own mistakes, logged at debug without a stack and bounded", async () => {
    let r: Awaited<ReturnType<typeof postGraphQL>> | undefined;
    const lines = await linesDuring(async () => {
      r = await postGraphQL(url, BAD_VARIABLE, { n: LONG_VALUE }, KEY);
    });
    expect(r!.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.code === 'BAD_USER_INPUT');
    expect(logged).toHaveLength(1);
    expect(logged[0].level).toBe(20);
    expect(logged[0].err).toBeUndefined();
    expect(logged[0].msg.length).toBeLessThanOrEqual(CLIENT_MESSAGE_CHARS + 1);
    expect(lines.join('\n')).not.toContain('"stack"');
    for (const line of lines) expect(line.length).toBeLessThan(600);

    const invalid = await linesDuring(async () => {
      r = await postGraphQL(url, UNKNOWN_FIELD, undefined, KEY);
    });
    expect(r!.body.errors?.[0]?.message).toContain('Cannot query field');
    expect(invalid.map((l) => JSON.parse(l)).filter((l) => l.level > 20)).toEqual([]);
  });

  it('keeps the public routes reachable without a credential', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect([200, 503]).toContain((await fetch(`${url}/ready`)).status);
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('# HELP');
    const graphiql = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toContain('<html');
    const config = await fetch(`${url}/console/config.json`);
    expect(config.status).toBe(200);
    expect(await config.json()).toEqual({ oidc: null });
  });
});
