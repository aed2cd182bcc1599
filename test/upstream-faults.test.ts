// Each class of upstream fault, injected by the emulator: what is retried, what the client sees
// (a typed extensions.code), what is logged, and that the gateway keeps serving afterwards.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppsDocument, CloseIncidentDocument, IncidentByIdDocument } from './gql/graphql.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;
beforeEach(async () => {
  gw = await startTestGateway({ fixtures: true, env: { SAAS_SECURITY_TIMEOUT_MS: '300' } });
  await gw.gql(AppsDocument); // token and apps warmed up: faults below hit the calls under test
  gw.emulator.requests.length = 0;
});
afterEach(async () => {
  await gw.close();
});

const getIncident = (id = '3') => gw.gql(IncidentByIdDocument, { id });
const codeOf = (r: Awaited<ReturnType<typeof getIncident>>) => r.body.errors?.[0]?.extensions?.['code'];
const incidentCalls = (id = '3') => gw.emulator.requestsTo(`/incident/api/incidents/${id}`).length;

async function stillServes() {
  const ok = await getIncident('4');
  expect(ok.body.errors).toBeUndefined();
  expect(ok.body.data!.incident!.incidentId).toBe(4);
}

describe('upstream faults', () => {
  it('429 with Retry-After is waited out and retried', async () => {
    gw.emulator.injectFault({ kind: 'rate-limit', retryAfterSeconds: 1 }, { times: 1 });
    const r = await getIncident();
    expect(r.body.errors).toBeUndefined();
    expect(incidentCalls()).toBe(2);
    expect(gw.logs.text).toMatch(/retrying request/);
  });

  it('429 asking for longer than the cap fails fast as UPSTREAM_RATE_LIMITED with retryAfter', async () => {
    gw.emulator.injectFault({ kind: 'rate-limit', retryAfterSeconds: 120 }, { times: 1 });
    const r = await getIncident();
    expect(codeOf(r)).toBe('UPSTREAM_RATE_LIMITED');
    expect(r.body.errors?.[0]?.extensions?.['retryAfter']).toBe(120);
    expect(incidentCalls()).toBe(1);
    await stillServes();
  });

  it('429 that persists past the retries is UPSTREAM_RATE_LIMITED', async () => {
    gw.emulator.injectFault({ kind: 'rate-limit', retryAfterSeconds: 0 }, { times: 10 });
    const r = await getIncident();
    expect(codeOf(r)).toBe('UPSTREAM_RATE_LIMITED');
    expect(incidentCalls()).toBe(3); // first try + SAAS_SECURITY_RETRIES=2
  });

  it('503 is retried and the call succeeds', async () => {
    gw.emulator.injectFault({ kind: 'server-error', status: 503 }, { times: 2 });
    const r = await getIncident();
    expect(r.body.errors).toBeUndefined();
    expect(incidentCalls()).toBe(3);
  });

  it('502 that persists is UPSTREAM_UNAVAILABLE; 500 is not retried', async () => {
    gw.emulator.injectFault({ kind: 'server-error', status: 502 }, { times: 10 });
    expect(codeOf(await getIncident())).toBe('UPSTREAM_UNAVAILABLE');
    expect(incidentCalls()).toBe(3);
    gw.emulator.clearFaults();
    gw.emulator.injectFault({ kind: 'server-error', status: 500 }, { times: 1 });
    expect(codeOf(await getIncident('5'))).toBe('UPSTREAM_UNAVAILABLE');
    expect(incidentCalls('5')).toBe(1);
    await stillServes();
  });

  it('a slow upstream times out, is retried, then is UPSTREAM_UNAVAILABLE', async () => {
    gw.emulator.injectFault({ kind: 'slow', delayMs: 800 }, { times: 3 });
    const r = await getIncident();
    expect(codeOf(r)).toBe('UPSTREAM_UNAVAILABLE');
    expect(r.body.errors?.[0]?.message).toMatch(/did not answer in time/);
    expect(incidentCalls()).toBe(3);
    await stillServes();
  });

  it('a dropped connection is retried for a GET', async () => {
    gw.emulator.injectFault({ kind: 'drop-connection' }, { times: 1 });
    const r = await getIncident();
    expect(r.body.errors).toBeUndefined();
    expect(incidentCalls()).toBe(2);
  });

  it('a POST that reached the server is never sent twice', async () => {
    gw.emulator.injectFault({ kind: 'server-error', status: 503 }, { times: 1, path: /\/state$/ });
    const r = await gw.gql(CloseIncidentDocument, { id: '3', category: 'NO_REASON' });
    expect(r.body.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    expect(gw.emulator.requestsTo('/incident/api/incidents/3/state', 'POST')).toHaveLength(1);
    expect(gw.emulator.incidents.get(3)!.state).toBe('open');
  });

  it('other 4xx answers are UPSTREAM_REJECTED with the upstream reason', async () => {
    gw.emulator.injectFault({ kind: 'reject', status: 403, message: 'Insufficient scope for incident_api' }, { times: 1 });
    const r = await getIncident();
    expect(codeOf(r)).toBe('UPSTREAM_REJECTED');
    expect(r.body.errors?.[0]?.message).toBe('SaaS Security answered HTTP 403: Insufficient scope for incident_api');
    expect(incidentCalls()).toBe(1);
  });

  it('a malformed JSON body is UPSTREAM_UNAVAILABLE', async () => {
    gw.emulator.injectFault({ kind: 'malformed-json' }, { times: 1 });
    expect(codeOf(await getIncident())).toBe('UPSTREAM_UNAVAILABLE');
    await stillServes();
  });

  it('an unreachable upstream is UPSTREAM_UNAVAILABLE', async () => {
    await gw.emulator.stop();
    const r = await getIncident('9');
    expect(codeOf(r)).toBe('UPSTREAM_UNAVAILABLE');
    expect(r.body.errors?.[0]?.message).toMatch(/could not be reached \(ECONNREFUSED\)/);
    await gw.emulator.start(); // a new port; the point is only that close() below has something to stop
  });

  it('logs one line per failed call with its code, and no bodies or headers', async () => {
    gw.emulator.injectFault({ kind: 'reject', status: 400, message: 'bad things' }, { times: 1 });
    await getIncident();
    const failure = gw.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.operation === 'getIncident' && l.code);
    expect(failure).toHaveLength(1);
    expect(failure[0]).toMatchObject({ upstream: 'SaaS Security', code: 'UPSTREAM_REJECTED', status: 400 });
    expect(gw.logs.text).not.toMatch(/Bearer [0-9a-f]{10}/);
  });
});
