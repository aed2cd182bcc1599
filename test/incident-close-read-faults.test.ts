// closeIncident when the read after the state update fails (a 5xx through the retries, a timeout): the
// upstream applied the close, so the mutation succeeds from the state update's response, logs the CLOSED
// event, closes the gateway record and its triage row when there is one, is audited SUCCEEDED, and logs the
// failed read at warn. Only a refused state update fails the mutation.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { IncidentEvent } from '../src/domain/incident-event.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { HOUR, T0, wireIncident } from './helpers/incident-sync.js';

const CLOSE = `mutation($id: ID!, $category: CloseCategory!) {
  closeIncident(id: $id, category: $category) { incidentId state category status statusName resolvedBy resolutionDate gatewayState closeReason }
}`;

let gw: TestGateway;
afterEach(async () => {
  await gw?.close();
});

async function loggedEvents(): Promise<IncidentEvent[]> {
  const log = gw.services.incidentSync!.store.events;
  const out: IncidentEvent[] = [];
  for await (const e of log.replay(0, await log.lastId())) out.push(e);
  return out;
}

const warnings = () => gw.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['level'] === 'warn' || l['level'] === 40);
const closeAudits = async () => gw.services.auditTrail!.page({ action: 'closeIncident' }, 10, null);

/** The next reads of incident `id` fail: 503 on every try (first + SAAS_SECURITY_RETRIES), or too slow for the timeout. */
function failReadsOf(id: number, how: 'server-error' | 'timeout') {
  const path = new RegExp(`^/incident/api/incidents/${id}$`);
  if (how === 'server-error') gw.emulator.injectFault({ kind: 'server-error', status: 503 }, { times: 3, path, method: 'GET' });
  else gw.emulator.injectFault({ kind: 'slow', delayMs: 600 }, { times: 3, path, method: 'GET' });
}

describe('closeIncident on an incident the gateway never fetched', () => {
  it.each(['server-error', 'timeout'] as const)('succeeds from the state update response when the read after it fails (%s)', async (how) => {
    gw = await startTestGateway({ fixtures: true, env: { SAAS_SECURITY_TIMEOUT_MS: '300' } });
    // Read once (so the read before the close is answered from the cache), then every read of 3 fails.
    expect((await gw.gql('{ incident(id: "3") { state } }')).body.data.incident.state).toBe('OPEN');
    failReadsOf(3, how);

    const { body } = await gw.gql(CLOSE, { id: '3', category: 'MISIDENTIFIED' });
    expect(body.errors).toBeUndefined();
    const upstream = gw.emulator.incidents.get(3)!;
    expect(upstream).toMatchObject({ state: 'closed', category: 'misidentified' });
    expect(body.data.closeIncident).toEqual({
      incidentId: 3,
      state: 'CLOSED',
      category: 'misidentified',
      status: 'Closed-Misidentified',
      statusName: 'MISIDENTIFIED',
      resolvedBy: 'api',
      resolutionDate: upstream.resolution_date,
      gatewayState: null,
      closeReason: null,
    });
    expect(gw.emulator.requestsTo('/incident/api/incidents/3/state', 'POST')).toHaveLength(1);
    expect(gw.emulator.requestsTo('/incident/api/incidents/3', 'GET').length).toBeGreaterThanOrEqual(3);

    const closed = (await loggedEvents()).filter((e) => e.kind === 'CLOSED');
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ incident: { incidentId: 3, state: 'CLOSED' }, changedFields: ['state', 'category', 'status', 'resolved_by'] });
    expect(await closeAudits()).toMatchObject([{ target: 'incident:3', outcome: 'SUCCEEDED', errorCode: null }]);
    const warned = warnings().filter((l) => l['incidentId'] === 3 && /read after it failed/.test(String(l['msg'])));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ upstream: 'SaaS Security', operation: 'getIncident', code: 'UPSTREAM_UNAVAILABLE' });

    // The next read (the fault spent) shows the upstream's copy.
    const after = await gw.gql('{ incident(id: "3") { state category status } }');
    expect(after.body.data.incident).toEqual({ state: 'CLOSED', category: 'misidentified', status: 'Closed-Misidentified' });
  });

  it('still fails NOT_FOUND for an id the upstream does not have, sending nothing', async () => {
    gw = await startTestGateway({ fixtures: true });
    const { body } = await gw.gql(CLOSE, { id: '999', category: 'NO_REASON' });
    expect(body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    expect(gw.emulator.requestsTo('/incident/api/incidents/999/state', 'POST')).toHaveLength(0);
    expect(await closeAudits()).toMatchObject([{ outcome: 'FAILED', errorCode: 'NOT_FOUND' }]);
  });

  it('a refused state update still fails with the upstream code and logs no event', async () => {
    gw = await startTestGateway({ fixtures: true });
    gw.emulator.injectFault({ kind: 'server-error', status: 500 }, { path: /\/state$/ });
    const { body } = await gw.gql(CLOSE, { id: '3', category: 'NO_REASON' });
    expect(body.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    expect((await loggedEvents()).filter((e) => e.kind === 'CLOSED')).toEqual([]);
    expect(gw.emulator.incidents.get(3)!.state).toBe('open');
  });
});

describe('closeIncident on a fetched incident', () => {
  it('closes the record and its triage row when the read after the state update fails', async () => {
    gw = await startTestGateway({ clock: new ManualClock(T0), env: { SAAS_SECURITY_TIMEOUT_MS: '300' } });
    gw.emulator.load([wireIncident(1, T0 - HOUR)]);
    await gw.services.incidentSync!.runOnce();
    failReadsOf(1, 'server-error');

    const { body } = await gw.gql(CLOSE, { id: '1', category: 'BUSINESS_JUSTIFIED' });
    expect(body.errors).toBeUndefined();
    expect(body.data.closeIncident).toMatchObject({ state: 'CLOSED', category: 'business_justified', status: 'Closed-Business Justified', gatewayState: 'CLOSED', closeReason: 'Closed in secgraph: business_justified' });
    expect((await gw.services.incidentSync!.store.get(1))!.gateway.gatewayState).toBe('CLOSED');
    expect((await gw.services.triage.rows.get('saas:default:1'))!.status).toBe('RESOLVED');
    expect((await loggedEvents()).filter((e) => e.kind === 'CLOSED').map((e) => e.incident.incidentId)).toEqual([1]);
    expect(await closeAudits()).toMatchObject([{ outcome: 'SUCCEEDED' }]);
  });
});
