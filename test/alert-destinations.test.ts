// Alert destinations delivered from the outbox, against real HTTP receivers on loopback: the signed webhook's
// wire format (Panther's fields, HMAC verified in constant time with a replay window, the idempotency key),
// retries through 500, 429 with Retry-After and timeouts with one idempotency key, a permanent 400 failed at
// once, a destination down for the whole run beside a healthy one, ${NAME} substitution, and no secret in
// logs or metrics.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { sandboxStaAlerts } from '../src/emulators/sta/sample-alerts.js';
import type { TestGateway } from './helpers/gateway.js';
import { destinationsConfigFile, eventually, ingestSaml, samlRecord, startDestinationGateway } from './helpers/destinations.js';
import { freePort } from './helpers/net.js';
import { startReceiver, type ReceivedRequest, type Receiver } from './helpers/receiver.js';

const SECRET = 'whsec-test-signing-secret-9f3b';
const REPLAY_WINDOW_S = 300;

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  open.push(r);
  return r;
}

async function gateway(destinations: unknown[], env: Record<string, string>): Promise<TestGateway> {
  const gw = await startDestinationGateway(destinations, env);
  open.push(gw);
  return gw;
}

/** What a receiver does: recompute the HMAC over timestamp + "." + raw body, compare in constant time, refuse old timestamps. */
function verifySignature(req: ReceivedRequest, secret: string, nowS = Math.floor(Date.now() / 1000)): boolean {
  const ts = String(req.headers['x-secgraph-timestamp'] ?? '');
  const sig = String(req.headers['x-secgraph-signature'] ?? '');
  if (!/^\d+$/.test(ts) || Math.abs(nowS - Number(ts)) > REPLAY_WINDOW_S) return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${ts}.${req.body}`).digest('hex')}`);
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const deliveriesOf = async (gw: TestGateway, alertId: string) => (await gw.services.destinations.deliveriesOf([alertId])).get(alertId) ?? [];

describe('webhook destination', () => {
  it('sends a new SAML detection with Panther’s fields and secgraph’s, signed, with an idempotency key and extra headers', async () => {
    const soar = await receiver();
    const gw = await gateway(
      [{ name: 'soar', type: 'webhook', url: '${SOAR_URL}', secret: '${SOAR_SECRET}', headers: { 'X-Team': 'soc' } }],
      { SOAR_URL: soar.url, SOAR_SECRET: SECRET, SECGRAPH_PUBLIC_URL: 'https://secgraph.example.com' },
    );
    await ingestSaml(gw, samlRecord('alice'));
    const [req] = await soar.waitFor(1);
    expect(req!.method).toBe('POST');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['x-team']).toBe('soc');
    expect(verifySignature(req!, SECRET)).toBe(true);
    // A tampered body, a wrong secret and a replayed (old) timestamp all fail verification.
    expect(verifySignature({ ...req!, body: req!.body.replace('alice', 'mallory') }, SECRET)).toBe(false);
    expect(verifySignature(req!, 'another-secret')).toBe(false);
    expect(verifySignature(req!, SECRET, Math.floor(Date.now() / 1000) + REPLAY_WINDOW_S + 60)).toBe(false);
    const body = req!.json;
    for (const field of ['id', 'alertId', 'createdAt', 'severity', 'type', 'title', 'name', 'description', 'link', 'runbook', 'tags', 'alertContext', 'version']) {
      expect(body).toHaveProperty(field);
    }
    expect(body.id).toBe('AWS.Suspicious.SAML.Activity');
    expect(body.alertId).toMatch(/^saml:/);
    expect(body.type).toBe('RULE');
    expect(body.link).toBe('https://secgraph.example.com/console/#/saml');
    expect(body).toMatchObject({ source: 'SAML_DETECTION', event: 'ALERT_CREATED', severity: expect.stringMatching(/^(INFO|LOW|MEDIUM|HIGH|CRITICAL)$/) });
    expect(body.title).toContain('alice');
    const deliveries = await eventually(async () => {
      const d = await deliveriesOf(gw, body.alertId);
      return d[0]?.status === 'DELIVERED' ? d : undefined;
    });
    expect(deliveries).toHaveLength(1);
    expect(req!.headers['idempotency-key']).toBe(deliveries[0]!.id);
    expect(deliveries[0]).toMatchObject({ destination: 'soar', event: 'ALERT_CREATED', attempt: 1, responseStatus: 200, response: 'ok' });
  });

  it('retries 500, 429 (after its Retry-After) and a timeout with the same idempotency key until it is delivered', async () => {
    const soar = await receiver();
    soar.script({ status: 500, body: 'boom' }, { status: 429, body: 'slow down', headers: { 'retry-after': '1' } }, { hang: true }, { status: 503 });
    const gw = await gateway([{ name: 'soar', type: 'webhook', url: '${SOAR_URL}', retryBaseDelay: '20ms', timeout: '300ms' }], { SOAR_URL: soar.url, SECGRAPH_BREAKER_FAILURES: '50' });
    await ingestSaml(gw, samlRecord('bob'));
    const reqs = await soar.waitFor(5);
    const keys = new Set(reqs.map((r) => r.headers['idempotency-key']));
    expect(keys.size).toBe(1);
    // The attempt after the 429 waited for its Retry-After (1 s), not the 20 ms backoff.
    expect(reqs[2]!.at - reqs[1]!.at).toBeGreaterThanOrEqual(950);
    const alertId = reqs[0]!.json.alertId;
    const [d] = await eventually(async () => {
      const list = await deliveriesOf(gw, alertId);
      return list[0]?.status === 'DELIVERED' ? list : undefined;
    });
    expect(d).toMatchObject({ attempt: 5, status: 'DELIVERED', responseStatus: 200 });
    expect(soar.requests).toHaveLength(5);
  });

  it('fails a permanent 400 at once, without retrying it', async () => {
    const soar = await receiver();
    soar.setDefault({ status: 400, body: 'invalid_payload' });
    const gw = await gateway([{ name: 'soar', type: 'webhook', url: '${SOAR_URL}', retryBaseDelay: '20ms' }], { SOAR_URL: soar.url });
    await ingestSaml(gw, samlRecord('carol'));
    const [req] = await soar.waitFor(1);
    const [d] = await eventually(async () => {
      const list = await deliveriesOf(gw, req!.json.alertId);
      return list[0]?.status === 'FAILED' ? list : undefined;
    });
    expect(d).toMatchObject({ attempt: 1, status: 'FAILED', responseStatus: 400, response: 'invalid_payload' });
    await new Promise((r) => setTimeout(r, 400));
    expect(soar.requests).toHaveLength(1);
  });

  it('gives up after maxAttempts', async () => {
    const soar = await receiver();
    soar.setDefault({ status: 502 });
    const gw = await gateway([{ name: 'soar', type: 'webhook', url: '${SOAR_URL}', retryBaseDelay: '10ms', maxAttempts: 3 }], { SOAR_URL: soar.url, SECGRAPH_BREAKER_FAILURES: '50' });
    await ingestSaml(gw, samlRecord('dave'));
    const [req] = await soar.waitFor(3);
    const [d] = await eventually(async () => {
      const list = await deliveriesOf(gw, req!.json.alertId);
      return list[0]?.status === 'FAILED' ? list : undefined;
    });
    expect(d!.attempt).toBe(3);
    await new Promise((r) => setTimeout(r, 300));
    expect(soar.requests).toHaveLength(3);
  });

  it('keeps delivering to a healthy destination while another is down the whole run; the down one’s breaker opens', async () => {
    const healthy = await receiver();
    const deadPort = await freePort();
    const gw = await gateway(
      [
        { name: 'down', type: 'webhook', url: `http://127.0.0.1:${deadPort}/hook`, retryBaseDelay: '10ms' },
        { name: 'soar', type: 'webhook', url: '${SOAR_URL}', filters: { events: ['ALERT_CREATED'] } },
      ],
      { SOAR_URL: healthy.url },
    );
    for (let i = 0; i < 20; i++) await ingestSaml(gw, samlRecord(`down-${i}`));
    const reqs = await healthy.waitFor(20);
    expect(new Set(reqs.map((r) => r.json.alertId)).size).toBe(20);
    const summaries = await eventually(async () => {
      const s = await gw.services.destinations.summaries();
      return s.find((x) => x.name === 'soar')!.delivered === 20 ? s : undefined;
    });
    const down = summaries.find((s) => s.name === 'down')!;
    expect(down.delivered).toBe(0);
    expect(down.pending + down.failed).toBe(20);
    expect(down.lastError).toBe('ECONNREFUSED');
    // Three refusals in a row opened its breaker: it paused instead of trying every delivery.
    expect(gw.logs.text).toContain('destination down: circuit breaker open');
  });
});

describe('sources', () => {
  it('sends newly fetched SaaS Security incidents (with the asset owner) and recorded STA alerts as ALERT_CREATED, once each', async () => {
    const soar = await receiver();
    const gw = await startDestinationGateway([{ name: 'soar', type: 'webhook', url: '${SOAR_URL}' }], { SOAR_URL: soar.url, SAAS_SECURITY_FIRST_FETCH: '2021-08-01' }, { fixtures: true });
    open.push(gw);
    await gw.services.incidentSync!.runOnce();
    // A second run fetches nothing new: nothing is sent again.
    await gw.services.incidentSync!.runOnce();
    for (const a of sandboxStaAlerts(systemClock)) await gw.services.staAlerts.recordAlert(a);
    const reqs = await soar.waitFor(10);
    await new Promise((r) => setTimeout(r, 300));
    expect(soar.requests).toHaveLength(10);
    const saas = reqs.filter((r) => r.json.source === 'SAAS_INCIDENT');
    expect(saas.map((r) => r.json.alertId).sort()).toEqual([3, 4, 5, 6, 7, 8, 9, 10].map((id) => `saas:default:${id}`).sort());
    for (const r of saas) expect(r.json).toMatchObject({ event: 'ALERT_CREATED', type: 'SAAS_INCIDENT', alertContext: { incidentId: expect.any(Number) } });
    expect(saas.some((r) => typeof r.json.alertContext.assetOwnerEmail === 'string')).toBe(true);
    const sta = reqs.filter((r) => r.json.source === 'STA_ALERT');
    expect(sta).toHaveLength(2);
    expect(new Set(sta.map((r) => r.json.severity))).toEqual(new Set(['HIGH', 'MEDIUM']));
    for (const r of sta) expect(r.json).toMatchObject({ event: 'ALERT_CREATED', alertId: expect.stringMatching(/^sta:/), status: 'OPEN' });
  });
});

describe('ALERT_UPDATED', () => {
  it('sends a detection that gathered more events as ALERT_UPDATED, to the destinations that take it', async () => {
    const soar = await receiver();
    const gw = await gateway(
      [
        { name: 'soar', type: 'webhook', url: '${SOAR_URL}' },
        { name: 'new-only', type: 'webhook', url: '${SOAR_URL}', filters: { events: ['ALERT_CREATED'] } },
      ],
      { SOAR_URL: soar.url },
    );
    const at = Date.now() - 60_000;
    await ingestSaml(gw, samlRecord('kim', new Date(at).toISOString()));
    await soar.waitFor(2);
    await ingestSaml(gw, samlRecord('kim', new Date(at + 10_000).toISOString()));
    const reqs = await soar.waitFor(3);
    await new Promise((r) => setTimeout(r, 300));
    expect(soar.requests).toHaveLength(3);
    const updated = reqs.find((r) => r.json.event === 'ALERT_UPDATED')!;
    expect(updated.json.alertId).toBe(reqs[0]!.json.alertId);
    expect(updated.json.alertContext.eventCount).toBe(2);
    const list = await deliveriesOf(gw, updated.json.alertId);
    expect(list.map((d) => [d.destination, d.event]).sort()).toEqual([['new-only', 'ALERT_CREATED'], ['soar', 'ALERT_CREATED'], ['soar', 'ALERT_UPDATED']]);
  });
});

describe('filters', () => {
  it('sends a destination only the sources, severities and events it asks for', async () => {
    const soar = await receiver();
    const gw = await gateway(
      [
        { name: 'sta-only', type: 'webhook', url: '${SOAR_URL}', filters: { sources: ['STA_ALERT'] } },
        { name: 'critical-only', type: 'webhook', url: '${SOAR_URL}', filters: { minSeverity: 'CRITICAL' } },
        { name: 'everything', type: 'webhook', url: '${SOAR_URL}' },
      ],
      { SOAR_URL: soar.url },
    );
    await ingestSaml(gw, samlRecord('erin'));
    const [req] = await soar.waitFor(1);
    const list = await deliveriesOf(gw, req!.json.alertId);
    expect(list.map((d) => d.destination)).toEqual(['everything']);
  });
});

describe('configuration', () => {
  it('replaces ${NAME} from the environment and stops the start naming a missing variable, never a value', () => {
    const file = destinationsConfigFile([{ name: 'soar', type: 'webhook', url: '${SOAR_URL}', secret: '${SOAR_SECRET}' }]);
    expect(() => loadConfig({ SECGRAPH_CONFIG: file, SOAR_URL: 'https://soar.example.com/hook/abc' })).toThrow(/SOAR_SECRET is not set/);
    let message = '';
    try {
      loadConfig({ SECGRAPH_CONFIG: file, SOAR_SECRET: 'very-secret-value' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/destinations\[0\]\.url: the environment variable SOAR_URL is not set/);
    expect(message).not.toContain('very-secret-value');
    const config = loadConfig({ SECGRAPH_CONFIG: file, SOAR_URL: 'https://soar.example.com/hook/abc', SOAR_SECRET: 'very-secret-value' });
    const d = config.destinations.list[0]!;
    expect(d).toMatchObject({ name: 'soar', type: 'webhook', url: 'https://soar.example.com/hook/abc', secret: 'very-secret-value', maxAttempts: 10, maxAgeMs: 3 * 86_400_000, retryBaseDelayMs: 30_000 });
  });

  it('reads spans, defaults PagerDuty’s URL and refuses a bad URL without repeating it', () => {
    const file = destinationsConfigFile([
      { name: 'oncall', type: 'pagerduty', routingKey: 'R0UTINGKEY', maxAge: '2 days', retryBaseDelay: '1 minute' },
      { name: 'soc-mail', type: 'email', smtp: { host: 'mail.example.com', port: 587, starttls: true, user: 'u', password: 'p' }, from: 'secgraph@example.com', to: ['soc@example.com'] },
    ]);
    const c = loadConfig({ SECGRAPH_CONFIG: file }).destinations.list;
    expect(c[0]).toMatchObject({ type: 'pagerduty', url: 'https://events.pagerduty.com/v2/enqueue', maxAgeMs: 2 * 86_400_000, retryBaseDelayMs: 60_000 });
    expect(c[1]).toMatchObject({ type: 'email', smtp: { host: 'mail.example.com', port: 587, starttls: true, tls: false } });
    const bad = destinationsConfigFile([{ name: 'x', type: 'slack', url: 'not a url secret-part' }]);
    expect(() => loadConfig({ SECGRAPH_CONFIG: bad })).toThrow(/destinations\[0\]\.url: is not a valid URL/);
    try {
      loadConfig({ SECGRAPH_CONFIG: bad });
    } catch (e) {
      expect((e as Error).message).not.toContain('secret-part');
    }
    const twice = destinationsConfigFile([
      { name: 'x', type: 'slack', url: 'https://hooks.example.com/a' },
      { name: 'x', type: 'teams', url: 'https://hooks.example.com/b' },
    ]);
    expect(() => loadConfig({ SECGRAPH_CONFIG: twice })).toThrow(/"x" is used twice/);
  });
});

describe('secrets', () => {
  it('keeps URLs, signing secrets and routing keys out of logs (debug) and /metrics', async () => {
    const soar = await receiver();
    soar.script({ status: 500, body: `echo ${soar.url}` });
    const pdKey = 'PDROUTINGKEY0123456789abcdef';
    const gw = await gateway(
      [
        { name: 'soar', type: 'webhook', url: '${SOAR_URL}', secret: '${SOAR_SECRET}', retryBaseDelay: '10ms' },
        { name: 'oncall', type: 'pagerduty', routingKey: '${PD_KEY}', url: '${PD_URL}', retryBaseDelay: '10ms' },
      ],
      { SOAR_URL: soar.url, SOAR_SECRET: SECRET, PD_KEY: pdKey, PD_URL: `http://127.0.0.1:${await freePort()}/v2/enqueue` },
    );
    await ingestSaml(gw, samlRecord('frank'));
    await soar.waitFor(2);
    await eventually(async () => {
      const s = await gw.services.destinations.summaries();
      return s.find((x) => x.name === 'oncall')!.lastError !== null && s.find((x) => x.name === 'soar')!.delivered === 1;
    });
    const metrics = await (await gw.yoga.fetch('http://yoga/metrics')).text();
    expect(metrics).toMatch(/secgraph_destination_deliveries_total\{destination="soar",result="delivered"\} 1/);
    expect(metrics).toMatch(/secgraph_destination_backlog\{destination="oncall"\} 1/);
    const delivery = (await deliveriesOf(gw, soar.requests[0]!.json.alertId)).find((d) => d.destination === 'soar');
    for (const text of [gw.logs.text, metrics, JSON.stringify(await gw.services.destinations.summaries()), JSON.stringify(delivery)]) {
      expect(text).not.toContain('x9SecretPathToken');
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(pdKey);
    }
  });
});

describe('events and retry timing', () => {
  it('a failed playbook run is PLAYBOOK_FAILED; backoff doubles from the base and stays at most 15 minutes apart', async () => {
    const { staNotices } = await import('../src/destinations/notices.js');
    const { backoffMs } = await import('../src/destinations/worker.js');
    const [alert] = sandboxStaAlerts(systemClock);
    const stored = { ...alert!, id: 'sta-1', recordedAt: '2026-01-01T00:00:00.000Z', state: 'OPEN', closedAt: null, closeReason: null, closeNotes: null, problem: null, run: null } as any;
    const notices = staNotices([
      { id: 1, type: 'RECORDED', alert: stored, step: null, at: '2026-01-01T00:00:00.000Z' },
      { id: 2, type: 'STEP_FAILED', alert: stored, step: 'ADD_USER_TO_GROUP' as any, at: '2026-01-01T00:01:00.000Z' },
      { id: 3, type: 'RUN_FAILED', alert: stored, step: 'ADD_USER_TO_GROUP' as any, at: '2026-01-01T00:01:00.000Z' },
    ]);
    expect(notices.map((n) => [n.event, n.alertId])).toEqual([
      ['ALERT_CREATED', 'sta:sta-1'],
      ['PLAYBOOK_FAILED', 'sta:sta-1'],
    ]);
    expect(notices[1]!.title).toMatch(/^Playbook failed: /);
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => backoffMs(30_000, n))).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000]);
  });
});
