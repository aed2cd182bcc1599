// OAuth client-credentials against the emulator: the request the API requires, caching for the real
// lifetime, one request for a burst, renewal on expiry and on a 401.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from '../src/emulators/saas-security/emulator.js';
import { AppsDocument } from './gql/graphql.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;
afterEach(async () => {
  await gw.close();
});

const MIN = 60_000;
const tokenRequests = () => gw.emulator.requestsTo('/oauth/token', 'POST');

describe('SaaS Security token', () => {
  it('is requested exactly as the API requires', async () => {
    gw = await startTestGateway();
    await gw.gql(AppsDocument);
    const [req] = tokenRequests();
    expect(req!.headers['authorization']).toBe(`Basic ${Buffer.from(`${EMULATOR_CLIENT_ID}:${EMULATOR_CLIENT_SECRET}`).toString('base64')}`);
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=ISO-8859-1');
    expect(req!.headers['accept']).toBe('application/json');
    const form = new URLSearchParams(req!.body);
    expect([...form.keys()]).toEqual(['grant_type', 'scope']);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('scope')).toBe('api_access incident_api remediation_api');
    expect(req!.rawQuery).toBe('');
    const [apps] = gw.emulator.requestsTo('/incident/api/apps');
    expect(apps!.headers['authorization']).toMatch(/^Bearer [0-9a-f]{48}$/);
    expect(apps!.headers['content-type']).toBe('application/json');
  });

  it('is requested once for a burst of concurrent calls', async () => {
    gw = await startTestGateway();
    const results = await Promise.all(Array.from({ length: 20 }, () => gw.gql('{ incident(id: "1000") { id } }')));
    expect(results.every((r) => !r.body.errors)).toBe(true);
    expect(tokenRequests()).toHaveLength(1);
  });

  it('is reused for its expires_in lifetime and renewed after it', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    gw = await startTestGateway({ clock, emulator: { tokenLifetimeSeconds: 3600 } });
    await gw.gql(AppsDocument);
    clock.advance(55 * MIN);
    await gw.gql('{ incident(id: "1") { id } }');
    expect(tokenRequests()).toHaveLength(1);
    clock.advance(5 * MIN);
    await gw.gql('{ incident(id: "1") { id } }');
    expect(tokenRequests()).toHaveLength(2);
  });

  it('lives 117 minutes when the API sends no expires_in, as the reference assumes', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    gw = await startTestGateway({ clock, emulator: { tokenLifetimeSeconds: null } });
    await gw.gql(AppsDocument);
    clock.advance(116 * MIN);
    await gw.gql('{ incident(id: "1") { id } }');
    expect(tokenRequests()).toHaveLength(1);
    clock.advance(2 * MIN);
    await gw.gql('{ incident(id: "1") { id } }');
    expect(tokenRequests()).toHaveLength(2);
  });

  it('is not reused a day later (the reference ignores whole days: spec §7.1)', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    gw = await startTestGateway({ clock, emulator: { tokenLifetimeSeconds: 7140 } });
    await gw.gql(AppsDocument);
    clock.advance(24 * 60 * MIN + 5 * MIN);
    const { body } = await gw.gql('{ incident(id: "1") { id } }');
    expect(body.errors).toBeUndefined();
    expect(tokenRequests()).toHaveLength(2);
  });

  it('is renewed once when the API answers 401, and the call succeeds', async () => {
    gw = await startTestGateway({ fixtures: true });
    await gw.gql(AppsDocument);
    gw.emulator.expireTokens();
    const { body } = await gw.gql('{ incident(id: "3") { incidentId } }');
    expect(body.errors).toBeUndefined();
    expect(body.data.incident.incidentId).toBe(3);
    expect(tokenRequests()).toHaveLength(2);
    const calls = gw.emulator.requestsTo('/incident/api/incidents/3');
    expect(calls.map((c) => c.headers['authorization'])).toHaveLength(2);
    expect(calls[0]!.headers['authorization']).not.toBe(calls[1]!.headers['authorization']);
  });

  it('a token revoked twice in a row is renewed again before anything is reported', async () => {
    gw = await startTestGateway({ fixtures: true });
    await gw.gql(AppsDocument);
    gw.emulator.injectFault({ kind: 'reject', status: 401, message: 'token revoked' }, { times: 2, path: /\/incident\/api\/incidents\/3$/ });
    const { body } = await gw.gql('{ incident(id: "3") { incidentId } }');
    expect(body.errors).toBeUndefined();
    expect(tokenRequests()).toHaveLength(3);
  });

  it('an upstream that refuses the tokens it issues is UPSTREAM_UNAVAILABLE, with one log line naming the cause', async () => {
    gw = await startTestGateway({ fixtures: true });
    await gw.gql(AppsDocument);
    gw.emulator.refuseIssuedTokens();
    const refused = await gw.gql('{ incident(id: "5") { incidentId } }');
    const error = refused.body.errors?.[0];
    expect(error?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'SaaS Security', upstreamStatus: 401 });
    expect(error?.message).toBe("SaaS Security refuses the tokens it issues (HTTP 401 on 2 fresh tokens in a row): check the API client's scopes and tenant");
    // The cached token, then two fresh ones: three tries, two renewals.
    expect(gw.emulator.requestsTo('/incident/api/incidents/5')).toHaveLength(3);
    expect(tokenRequests()).toHaveLength(3);
    const cause = gw.logs.lines.filter((l) => l.includes('refuses the tokens it issues'));
    expect(cause).toHaveLength(1);
    expect(JSON.parse(cause[0]!)).toMatchObject({ upstream: 'SaaS Security', operation: 'getIncident', code: 'UPSTREAM_UNAVAILABLE', status: 401 });
    // No token or secret in the answer or the logs.
    const issued = gw.emulator.requestsTo('/incident/api/incidents/5').map((r) => r.headers['authorization']!.replace('Bearer ', ''));
    for (const secret of [...issued, EMULATOR_CLIENT_SECRET]) {
      expect(gw.logs.text).not.toContain(secret);
      expect(JSON.stringify(refused.body)).not.toContain(secret);
    }

    gw.emulator.refuseIssuedTokens(false);
    expect((await gw.gql('{ incident(id: "5") { incidentId } }')).body.data.incident.incidentId).toBe(5);
  });

  it('opens the breaker: a tenant refusing its tokens is not asked for more until the cool-down', async () => {
    gw = await startTestGateway({ fixtures: true, env: { SECGRAPH_BREAKER_FAILURES: '2', SECGRAPH_BREAKER_COOLDOWN_MS: '3600000' } });
    await gw.gql(AppsDocument);
    gw.emulator.refuseIssuedTokens();
    for (const id of ['5', '6']) expect((await gw.gql(`{ incident(id: "${id}") { incidentId } }`)).body.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    const tokensBefore = tokenRequests().length;
    const paused = await gw.gql('{ incident(id: "7") { incidentId } }');
    expect(paused.body.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    expect(paused.body.errors?.[0]?.message).toMatch(/circuit breaker open/);
    expect(tokenRequests()).toHaveLength(tokensBefore);
    expect(gw.emulator.requestsTo('/incident/api/incidents/7')).toHaveLength(0);
  });

  it('wrong credentials are UPSTREAM_REJECTED, the secret stays out of the answer, and /ready says 503', async () => {
    gw = await startTestGateway({ env: { SAAS_SECURITY_CLIENT_SECRET: 'definitely-wrong-secret-123' } });
    const { body } = await gw.gql(AppsDocument);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_REJECTED');
    expect(body.errors?.[0]?.message).toMatch(/HTTP 401/);
    expect(JSON.stringify(body)).not.toContain('definitely-wrong-secret-123');
    const ready = await gw.yoga.fetch('http://yoga/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, connectors: { saasSecurity: false } });
    expect(gw.logs.text).not.toContain('definitely-wrong-secret-123');
  });
});
