// Joining a live shared execution without the envelop (shared-execution.ts joinLive, live-join.ts): a
// subscription equal to a live one (same scopes, operation name, query text and variables) becomes one more
// member of it directly, over graphql-ws and over SSE (/graphql, and /graphql/stream's distinct-connections
// mode). On a real port with real graphql-ws and graphql-sse clients: joiners receive what the first member
// receives (errors masked the same way), the per-key rate limit and the subscription metrics still count
// them, HTTP's rules still apply to them, and anything not equal (other scopes, a wrong key of its own,
// other variables) takes the envelop.
import { createClient as createSseClient } from 'graphql-sse';
import { afterEach, describe, expect, it } from 'vitest';
import { startPublishingGateway, type PublishingGateway } from './helpers/publishing-gateway.js';
import { waitUntil, wsClient, wsSubscribe, type Collected } from './helpers/subscribers.js';

const READER = 'join-reader-0001';
const NO_READ = 'join-respond-0001';
const EVENTS = 'subscription { incidentEvents { id incident { incidentId severity } } }';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function gateway(env: Record<string, string> = {}): Promise<PublishingGateway> {
  const g = await startPublishingGateway({ reader: READER, noRead: NO_READ }, 'join-app', env);
  cleanups.push(() => g.gw.close());
  return g;
}

function subscriber(url: string, key: string, query = EVENTS, variables?: Record<string, unknown>): Collected & { stop(): void } {
  const client = wsClient(url, key);
  cleanups.push(() => client.dispose());
  return wsSubscribe(client, query, variables);
}

/** A subscription through graphql-sse's client in distinct-connections mode, on /graphql or /graphql/stream. */
function sseSubscriber(url: string, path: '/graphql' | '/graphql/stream', key: string, query = EVENTS): Collected & { stop(): void } {
  const client = createSseClient({ url: `${url}${path}`, singleConnection: false, headers: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
  cleanups.push(() => client.dispose());
  return wsSubscribe(client, query);
}

let warmUpId = 1_000_000;
async function warmUp(publish: (id: number) => void, subs: Collected[]): Promise<void> {
  await waitUntil(() => {
    if (subs.every((s) => s.results.length > 0)) return true;
    publish((warmUpId += 1));
    return false;
  }, 'every subscriber to be live');
  await new Promise((r) => setTimeout(r, 100));
  for (const s of subs) s.results.length = 0;
}

const metric = async (url: string, line: RegExp) => Number(line.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? NaN);

describe('joining a live shared subscription', () => {
  it('late identical subscribers join the live execution and receive what the first receives, masked errors included', async () => {
    const { gw, publish } = await gateway();
    const url = gw.gateway.url;
    const first = subscriber(url, READER);
    await warmUp(publish, [first]);
    expect(gw.gateway.shared.stats()).toEqual([{ members: 1, joinedLive: 0, executions: expect.any(Number) }]);

    const late = [subscriber(url, READER), subscriber(url, READER), subscriber(url, READER)];
    await warmUp(publish, [first, ...late]);
    expect(gw.gateway.shared.stats()).toEqual([{ members: 4, joinedLive: 3, executions: expect.any(Number) }]);

    publish(1);
    // A severity the schema's enum cannot represent: the result carries a field error, which yoga masks.
    publish(2, 'NOT-A-SEVERITY');
    publish(3);
    await waitUntil(() => [first, ...late].every((s) => s.results.length === 3), 'three results at every subscriber');
    expect(first.results[1]!.errors![0]!.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(first.results[1]!.errors![0]!.message).toBe('Unexpected error.');
    for (const s of late) expect(s.results).toEqual(first.results);
    // The unmasked error was logged once (by the envelop of the first member), not once per joiner.
    expect(gw.logs.text.match(/unexpected error in resolver/g)).toHaveLength(1);

    // The first member leaving does not end what the joiners share.
    first.stop();
    publish(4);
    await waitUntil(() => late.every((s) => s.results.length === 4), 'the next event at the joiners');
    expect(gw.gateway.shared.stats()).toEqual([{ members: 3, joinedLive: 3, executions: expect.any(Number) }]);
  });

  it('joiners are counted by the subscription metrics as the first member is: open while they are, a request once they end', async () => {
    const { gw, publish } = await gateway();
    const url = gw.gateway.url;
    const open = () => metric(url, /^secgraph_subscriptions_open (\d+)/m);
    const requests = () => metric(url, /^graphql_envelop_request\{operationType="subscription",operationName="Anonymous"\} (\d+)/m);
    const first = subscriber(url, READER);
    await warmUp(publish, [first]);
    const late = [subscriber(url, READER), subscriber(url, READER)];
    await warmUp(publish, [first, ...late]);
    expect(gw.gateway.shared.stats()[0]!.joinedLive).toBe(2);
    expect(await open()).toBe(3);
    for (const s of late) s.stop();
    await waitUntil(() => gw.gateway.shared.stats()[0]?.members === 1, 'the joiners to leave');
    expect(await open()).toBe(1);
    // Subscription requests are counted as they end (as the Prometheus plugin counts them): the two joiners.
    expect(await requests()).toBe(2);
    first.stop();
    await waitUntil(() => gw.gateway.shared.stats().length === 0, 'the first to leave');
    expect(await open()).toBe(0);
    expect(await requests()).toBe(3);
  });

  it('a joiner still spends its key’s operation budget: past it, it gets RATE_LIMITED and the others go on', async () => {
    const other = 'join-reader-0002';
    const { gw, publish } = await gateway({
      SECGRAPH_API_KEYS: `${READER}=read,${other}=read,${NO_READ}=respond`,
      SECGRAPH_RATE_LIMIT_PER_MINUTE: '2',
    });
    const url = gw.gateway.url;
    const first = subscriber(url, READER);
    await warmUp(publish, [first]);
    const joiners = [subscriber(url, other), subscriber(url, other)];
    await warmUp(publish, [first, ...joiners]);
    expect(gw.gateway.shared.stats()[0]!.joinedLive).toBe(2);
    const refused = subscriber(url, other);
    await waitUntil(() => refused.results.length > 0, 'the refusal');
    expect(refused.results[0]!.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    await waitUntil(() => refused.ended !== null, 'the refused subscription to complete');
    publish(1);
    await waitUntil(() => [first, ...joiners].every((s) => s.results.length === 1), 'the event at the others');
    expect(gw.gateway.shared.stats()[0]!.members).toBe(3);
  });

  it('other scopes, other variables or a wrong key of its own never join: each takes the envelop', async () => {
    const { gw, publish } = await gateway();
    const url = gw.gateway.url;
    const first = subscriber(url, READER);
    await warmUp(publish, [first]);

    // No read scope: refused by scope checks as before, not joined.
    const noRead = subscriber(url, NO_READ);
    await waitUntil(() => noRead.results.length > 0 || noRead.ended !== null, 'the no-read subscriber to be answered');
    const refusal = noRead.results[0]?.errors?.[0] ?? (noRead.ended?.error as Array<{ extensions?: Record<string, unknown> }> | undefined)?.[0];
    expect(refusal?.extensions?.['code']).toBe('FORBIDDEN');

    // Equal text but its own (wrong) key in the subscribe message: authenticated on its own, and refused.
    const client = wsClient(url, READER);
    cleanups.push(() => client.dispose());
    const wrongKey = { ended: null as unknown, errors: [] as unknown[] };
    client.subscribe(
      { query: EVENTS, extensions: { headers: { authorization: 'Bearer not-a-key' } } } as never,
      { next: (r) => void wrongKey.errors.push(r), error: (e) => void (wrongKey.ended = e), complete: () => void (wrongKey.ended ??= 'complete') },
    );
    await waitUntil(() => wrongKey.ended !== null || wrongKey.errors.length > 0, 'the wrong key to be answered');
    expect(JSON.stringify(wrongKey)).toMatch(/UNAUTHENTICATED/);

    // Other variables: an execution of its own.
    const filtered = subscriber(url, READER, 'subscription($f: IncidentEventFilter) { incidentEvents(filter: $f) { id incident { incidentId severity } } }', { f: { severities: ['HIGH'] } });
    await waitUntil(() => gw.gateway.shared.stats().length === 2, 'a second execution');
    void filtered;
    expect(gw.gateway.shared.stats().map((s) => s.joinedLive)).toEqual([0, 0]);
  });

  it('SSE subscribers on /graphql and /graphql/stream join a live execution, whichever transport started it', async () => {
    const { gw, publish } = await gateway();
    const url = gw.gateway.url;
    const first = subscriber(url, READER);
    await warmUp(publish, [first]);
    const late = [sseSubscriber(url, '/graphql', READER), sseSubscriber(url, '/graphql/stream', READER), sseSubscriber(url, '/graphql', READER)];
    await warmUp(publish, [first, ...late]);
    expect(gw.gateway.shared.stats()).toEqual([{ members: 4, joinedLive: 3, executions: expect.any(Number) }]);

    publish(1);
    publish(2, 'NOT-A-SEVERITY');
    publish(3);
    await waitUntil(() => [first, ...late].every((s) => s.results.length === 3), 'three results at every subscriber');
    expect(first.results[1]!.errors![0]!.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    for (const s of late) expect(s.results).toEqual(first.results);

    for (const s of late) s.stop();
    await waitUntil(() => gw.gateway.shared.stats()[0]?.members === 1, 'the SSE joiners to leave');
    expect(gw.gateway.shared.stats()[0]!.joinedLive).toBe(0);
  });

  it('an SSE joiner past its key’s operation budget is answered 429 RATE_LIMITED; the others go on', async () => {
    const other = 'join-reader-0003';
    const { gw, publish } = await gateway({ SECGRAPH_API_KEYS: `${READER}=read,${other}=read,${NO_READ}=respond`, SECGRAPH_RATE_LIMIT_PER_MINUTE: '1' });
    const url = gw.gateway.url;
    const first = sseSubscriber(url, '/graphql', READER);
    await warmUp(publish, [first]);
    const joiner = sseSubscriber(url, '/graphql', other);
    await warmUp(publish, [first, joiner]);
    expect(gw.gateway.shared.stats()[0]!.joinedLive).toBe(1);
    const refused = sseSubscriber(url, '/graphql', other);
    await waitUntil(() => refused.results.length > 0 || refused.ended !== null, 'the refusal');
    // As yoga answers any refused operation on /graphql: the error's status (on /graphql/stream, 200 and a `next` event).
    const response = (refused.ended?.error as { response?: Response } | undefined)?.response;
    expect(response?.status).toBe(429);
    expect(response?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await response?.text()).toContain('RATE_LIMITED');
    publish(1);
    await waitUntil(() => first.results.length === 1 && joiner.results.length === 1, 'the event at the others');
  });

  it('HTTP’s rules apply before joining: a cross-site text/plain POST for a live subscription is refused and joins nothing', async () => {
    const { gw, publish } = await gateway();
    const url = gw.gateway.url;
    const first = subscriber(url, READER);
    await warmUp(publish, [first]);
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', accept: 'text/event-stream', authorization: `Bearer ${READER}` },
      body: JSON.stringify({ query: EVENTS }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('CSRF_REJECTED');
    expect(gw.gateway.shared.stats()).toEqual([{ members: 1, joinedLive: 0, executions: expect.any(Number) }]);
  });
});
