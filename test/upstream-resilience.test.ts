// A slow upstream and the whole-request deadline; the circuit breaker opening, failing fast, probing and
// closing (seen in /ready and /metrics); /metrics after traffic; x-request-id echoed and on the log lines.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppsDocument } from './gql/graphql.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { sseSubscribe } from './helpers/subscribers.js';
import { scopeWithDeadline } from '../src/request-scope.js';
import { startServedGateway, type ServedGateway } from './helpers/server.js';

let gw: TestGateway | null = null;
let served: ServedGateway | null = null;
afterEach(async () => {
  await gw?.close();
  await served?.close();
  gw = null;
  served = null;
});

const appsCalls = (g: { emulator: { requests: Array<{ path: string }> } }) => g.emulator.requests.filter((r) => r.path === '/incident/api/apps').length;

describe('request deadline', () => {
  it('ends a query on a slow upstream with UPSTREAM_TIMEOUT, without running all its retries', async () => {
    gw = await startTestGateway({
      env: { SAAS_SECURITY_TIMEOUT_MS: '400', SAAS_SECURITY_RETRIES: '3', SECGRAPH_REQUEST_DEADLINE_MS: '600' },
    });
    gw.emulator.injectFault({ kind: 'slow', delayMs: 3000 }, { times: 10, path: /\/incident\/api\/apps/ });
    const r = await gw.gql(AppsDocument);
    expect(r.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstream: 'SaaS Security' });
    // 4 attempts of 400 ms each would be allowed by the retry policy; the 600 ms deadline stops after the second.
    expect(appsCalls(gw)).toBeLessThan(4);
  });
});

describe('request deadline signal', () => {
  // The signal is made when first used (a cached read never needs one); it must still end at the deadline
  // counted from the operation's start, not from that first use.
  it('counts the time spent before its first use', async () => {
    const scope = scopeWithDeadline('r1', 100);
    await new Promise((r) => setTimeout(r, 150));
    expect(scope.deadline!.aborted).toBe(true);
    expect((scope.deadline!.reason as DOMException).name).toBe('TimeoutError');
  });

  it('is one signal per operation, aborting when the time left has passed', async () => {
    const scope = scopeWithDeadline('r2', 200);
    const signal = scope.deadline!;
    expect(signal.aborted).toBe(false);
    expect(scope.deadline).toBe(signal);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, fails fast without calling, then a probe closes it', async () => {
    gw = await startTestGateway({
      env: { SAAS_SECURITY_RETRIES: '0', SECGRAPH_BREAKER_FAILURES: '2', SECGRAPH_BREAKER_COOLDOWN_MS: '300' },
    });
    await gw.gql('{ gateway { version } }');
    gw.emulator.injectFault({ kind: 'server-error', status: 503 }, { times: 2, path: /\/incident\/api\/apps/ });
    for (let i = 0; i < 2; i += 1) {
      expect((await gw.gql(AppsDocument)).body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 503 });
    }
    const before = appsCalls(gw);
    const fast = await gw.gql(AppsDocument);
    expect(fast.body.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    expect(fast.body.errors?.[0]?.message).toMatch(/circuit breaker open/);
    expect(appsCalls(gw)).toBe(before);
    const ready = (await (await gw.yoga.fetch('http://yoga/ready')).json()) as any;
    expect(ready.breakers.saasSecurity).toBe('open');
    expect(await (await gw.yoga.fetch('http://yoga/metrics')).text()).toMatch(/secgraph_upstream_breaker_state\{upstream="SaaS Security"\} 2/);

    await new Promise((r) => setTimeout(r, 350)); // the cool-down
    const probe = await gw.gql(AppsDocument);
    expect(probe.body.errors).toBeUndefined();
    expect(appsCalls(gw)).toBe(before + 1);
    expect(((await (await gw.yoga.fetch('http://yoga/ready')).json()) as any).breakers.saasSecurity).toBe('closed');
  });
});

describe('/metrics', () => {
  it('shows upstream calls with latency, retries, GraphQL phases and the gauges after traffic', async () => {
    gw = await startTestGateway({ fixtures: true, samlSandbox: true });
    gw.emulator.injectFault({ kind: 'server-error', status: 503 }, { times: 1, path: /\/incident\/api\/apps/ });
    expect((await gw.gql(AppsDocument)).body.errors).toBeUndefined();
    const text = await (await gw.yoga.fetch('http://yoga/metrics')).text();
    expect(text).toMatch(/secgraph_upstream_requests_total\{upstream="SaaS Security",operation="listApps",status="ok"\} 1/);
    expect(text).toMatch(/secgraph_upstream_request_duration_seconds_count\{upstream="SaaS Security",operation="listApps"\} 1/);
    expect(text).toMatch(/secgraph_upstream_retries_total\{upstream="SaaS Security"\} 1/);
    expect(text).toMatch(/secgraph_upstream_breaker_state\{upstream="SafeNet Trusted Access"\} 0/);
    expect(text).toMatch(/graphql_envelop_phase_execute/);
    expect(text).toMatch(/secgraph_subscriptions_open 0/);
    expect(text).toMatch(/secgraph_sta_playbook_runs\{state="RUNNING"\} \d+/);
    expect(text).toMatch(/secgraph_saml_records_total\{outcome="accepted"\} \d+/);
    expect(text).toMatch(/secgraph_saml_detections \d+/);
    expect(text).toMatch(/secgraph_cache_memory_bytes [1-9]\d*/);
    expect(text).toMatch(/secgraph_incident_fetch_lag_seconds/);

    // No series per URL: a GET query's string would otherwise make one per distinct query.
    const get = await gw.yoga.fetch(`http://yoga/graphql?query=${encodeURIComponent('query Version { gateway { version } }')}`, { headers: { accept: 'application/json', 'x-graphql-csrf': '1' } });
    expect(get.status).toBe(200);
    const after = await (await gw.yoga.fetch('http://yoga/metrics')).text();
    expect(after).toMatch(/graphql_yoga_http_duration_count\{[^}]*operationName="Version"[^}]*\} 1/);
    expect(after).not.toMatch(/graphql_yoga_http_duration_count\{[^}]*url=/);
    expect(after).toMatch(/graphql_envelop_request\{operationName="Version",operationType="query"\} 1/);
    expect(after).toMatch(/graphql_envelop_phase_execute_count\{operationName="Version",operationType="query"\} 1/);

    const metric = async () => Number(/secgraph_subscriptions_open (\d+)/.exec(await (await gw!.yoga.fetch('http://yoga/metrics')).text())?.[1]);
    const sub = await sseSubscribe(gw.yoga, 'subscription { incidentEvents { kind } }');
    await vi.waitFor(async () => expect(await metric()).toBe(1));
    sub.cancel();
    await vi.waitFor(async () => expect(await metric()).toBe(0));
  });
});

describe('x-request-id', () => {
  it("keeps the client's id, echoes it, and puts it on every log line of the request, upstream lines included", async () => {
    served = await startServedGateway({ SAAS_SECURITY_RETRIES: '1' });
    served.emulator.injectFault({ kind: 'server-error', status: 503 }, { times: 1, path: /\/incident\/api\/apps/ });
    const res = await fetch(`${served.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'soc-trace-4242' },
      body: JSON.stringify({ query: '{ apps { appId } }' }),
    });
    expect(res.headers.get('x-request-id')).toBe('soc-trace-4242');
    const retryLine = served.logs.lines.map((l) => JSON.parse(l)).find((l) => /retrying request/.test(l.msg));
    expect(retryLine).toMatchObject({ requestId: 'soc-trace-4242', upstream: 'SaaS Security' });
    const fresh = await fetch(`${served.gateway.url}/health`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
