// One execution per event: identical subscriptions (same document, variables and scopes) over graphql-ws and
// SSE on a real port share one execution, seen as one pub/sub subscription feeding all of them; each still
// receives every event. Different variables, different scopes or a replay (`after`) run on their own.
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayYoga } from '../src/app.js';
import { toIncident } from '../src/connectors/saas-security/map.js';
import { generateIncidents } from '../src/emulators/saas-security/seed.js';
import { startServedGateway, type ServedGateway } from './helpers/server.js';
import { sseSubscribe, waitUntil, wsClient, wsSubscribe, type Collected } from './helpers/subscribers.js';

const READER = 'reader-key-0001';
const OTHER_READER = 'reader-key-0002';
const RESPONDER = 'responder-key-0001';
const EVENTS = `subscription($filter: IncidentEventFilter) { incidentEvents(filter: $filter) { id kind incident { incidentId severity } } }`;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function gatewayCountingSubscriptions(): Promise<{ gw: ServedGateway; sources: () => number; publish: (id: number) => void }> {
  const gw = await startServedGateway({ SECGRAPH_API_KEYS: `${READER}=read,${OTHER_READER}=read,${RESPONDER}=read+respond`, SAAS_SECURITY_FETCH: 'false' });
  cleanups.push(() => gw.close());
  const pubsub = gw.gateway.services.pubsub;
  // Each execution of a subscription subscribes to the topic once: counting those counts executions.
  let sources = 0;
  const subscribe = pubsub.subscribe.bind(pubsub);
  pubsub.subscribe = ((...args: Parameters<typeof subscribe>) => {
    sources += 1;
    return subscribe(...args);
  }) as typeof pubsub.subscribe;
  const [wire] = generateIncidents(1, Date.now());
  const incident = toIncident(wire!);
  const publish = (id: number) =>
    pubsub.publish('incident:event', { id, kind: 'FETCHED', incident: { ...incident, severity: 'HIGH' }, changedFields: [], at: new Date().toISOString() });
  return { gw, sources: () => sources, publish };
}

/** SSE over the real port (the same path a browser takes), through the test helper's reader. */
const overHttp = (baseUrl: string) => ({ fetch: (_url: string, init: RequestInit) => fetch(`${baseUrl}/graphql`, init) }) as unknown as GatewayYoga;

/** Publishes until every subscriber has received the warm-up event (subscriptions become live asynchronously). */
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

describe('shared subscription executions', () => {
  it('N identical subscribers over graphql-ws and SSE share one execution, and each receives every event', async () => {
    const { gw, sources, publish } = await gatewayCountingSubscriptions();
    const subs: Collected[] = [];
    for (let i = 0; i < 4; i += 1) {
      const client = wsClient(gw.gateway.url, i % 2 ? READER : OTHER_READER);
      cleanups.push(() => client.dispose() as Promise<void>);
      subs.push(wsSubscribe(client, EVENTS));
    }
    for (let i = 0; i < 2; i += 1) {
      const sse = await sseSubscribe(overHttp(gw.gateway.url), EVENTS, { key: READER });
      cleanups.push(() => sse.cancel());
      subs.push(sse);
    }
    await warmUp(publish, subs);
    expect(sources()).toBe(1);
    for (let e = 1; e <= 3; e += 1) publish(e);
    await waitUntil(() => subs.every((s) => s.results.length === 3), 'three events at every subscriber');
    for (const s of subs) expect(s.results.map((r) => r.data.incidentEvents.id)).toEqual(['1', '2', '3']);
    expect(sources()).toBe(1);
  });

  it('different variables or different scopes do not share', async () => {
    const { gw, sources, publish } = await gatewayCountingSubscriptions();
    const reader = wsClient(gw.gateway.url, READER);
    const responder = wsClient(gw.gateway.url, RESPONDER);
    cleanups.push(() => reader.dispose() as Promise<void>, () => responder.dispose() as Promise<void>);
    const plain = wsSubscribe(reader, EVENTS);
    const high = wsSubscribe(reader, EVENTS, { filter: { severities: ['HIGH'] } });
    const low = wsSubscribe(reader, EVENTS, { filter: { severities: ['LOW'] } });
    const otherScopes = wsSubscribe(responder, EVENTS);
    await warmUp(publish, [plain, high, otherScopes]);
    expect(sources()).toBe(4);
    publish(1);
    await waitUntil(() => plain.results.length === 1 && high.results.length === 1 && otherScopes.results.length === 1, 'the event');
    expect(low.results).toEqual([]);
  });

  it('a subscriber that leaves does not end the execution the others share; the last one ends it', async () => {
    const { gw, sources, publish } = await gatewayCountingSubscriptions();
    const client = wsClient(gw.gateway.url, READER);
    cleanups.push(() => client.dispose() as Promise<void>);
    const a = wsSubscribe(client, EVENTS);
    const b = wsSubscribe(client, EVENTS);
    await warmUp(publish, [a, b]);
    a.stop();
    publish(1);
    await waitUntil(() => b.results.length === 1, 'the event at the remaining subscriber');
    expect(a.results).toEqual([]);
    b.stop();
    await new Promise((r) => setTimeout(r, 100));
    const c = wsSubscribe(client, EVENTS);
    await warmUp(publish, [c]);
    expect(sources()).toBe(2); // a new execution for the newcomer
  });

  it('subscriptions resuming with after are never shared (each replays its own history)', async () => {
    const { gw, sources, publish } = await gatewayCountingSubscriptions();
    const client = wsClient(gw.gateway.url, READER);
    cleanups.push(() => client.dispose() as Promise<void>);
    const resume = 'subscription { incidentEvents(after: "0") { id } }';
    const a = wsSubscribe(client, resume);
    const b = wsSubscribe(client, resume);
    await warmUp(publish, [a, b]);
    expect(sources()).toBe(2);
  });
});
