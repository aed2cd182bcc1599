// Closing incidents, on the reference's recorded incidents (test/fixtures/saas-security/get-incidents.json,
// ids 3..10; incident 4 closed at the source, business_justified, no state key): the mutation always reaches
// SaaS Security, incidents closed at the source close in the gateway at fetch with close-mirrored on (the
// reference's unit test T12), the close answers with the state update's own response, and an incident open
// again upstream reopens.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { WireIncident } from '../src/connectors/saas-security/wire.js';
import type { IncidentEvent } from '../src/domain/incident-event.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { recordedFixture } from './helpers/fixtures.js';
import { settle, startSyncHarness, type SyncHarness } from './helpers/incident-sync.js';

/** The reference's frozen "now" in its fetch test (T5). */
const REFERENCE_NOW = Date.parse('2021-08-24T18:04:00.000Z');
const recorded = () => recordedFixture<{ resources: WireIncident[] }>('saas-security/get-incidents.json').resources;
const FROM_RECORDING = { SAAS_SECURITY_FIRST_FETCH: '2021-08-01' };

const CLOSE = `mutation($id: ID!, $category: CloseCategory!) {
  closeIncident(id: $id, category: $category) { incidentId state status category resolvedBy resolutionDate gatewayState closeReason }
}`;

describe('closeIncident on the recorded incidents', () => {
  let gw: TestGateway;
  const events: IncidentEvent[] = [];
  afterEach(async () => {
    events.length = 0;
    await gw?.close();
  });

  const fetchedRecording = async (env: Record<string, string>) => {
    const clock = new ManualClock(REFERENCE_NOW);
    gw = await startTestGateway({ clock, fixtures: true, env: { ...FROM_RECORDING, ...env } });
    void (async () => {
      for await (const e of gw.services.pubsub.subscribe('incident:event')) events.push(e);
    })();
    await gw.services.incidentSync!.runOnce();
    clock.advance(60_000);
  };

  it('with mirror direction Incoming, closing incident 5 sends the state update and the upstream is closed', async () => {
    await fetchedRecording({ SAAS_SECURITY_MIRROR_DIRECTION: 'Incoming' });
    const { body } = await gw.gql(CLOSE, { id: '5', category: 'MISIDENTIFIED' });
    expect(body.errors).toBeUndefined();
    expect(gw.emulator.requestsTo('/incident/api/incidents/5/state', 'POST').map((r) => JSON.parse(r.body))).toEqual([
      { state: 'closed', category: 'misidentified' },
    ]);
    expect(gw.emulator.incidents.get(5)).toMatchObject({ state: 'closed', category: 'misidentified' });
    expect(body.data.closeIncident).toMatchObject({ state: 'CLOSED', gatewayState: 'CLOSED', closeReason: 'Closed in secgraph: misidentified' });
  });

  it('a refused state update fails with the upstream code and incident 5 stays open in the gateway', async () => {
    await fetchedRecording({ SAAS_SECURITY_MIRROR_DIRECTION: 'None' });
    gw.emulator.injectFault({ kind: 'reject', status: 403, message: 'Forbidden' }, { path: /\/state$/ });
    const { body } = await gw.gql(CLOSE, { id: '5', category: 'NO_REASON' });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_REJECTED', upstreamStatus: 403 });
    expect((await gw.services.incidentSync!.store.get(5))!.gateway).toMatchObject({ gatewayState: 'OPEN', closeReason: null });
    await settle();
    expect(events.filter((e) => e.kind === 'CLOSED')).toEqual([]);
  });

  it('answers with the state update response when the read after it is stale', async () => {
    await fetchedRecording({});
    // The next read of incident 6 returns its copy from before the close.
    gw.emulator.serveStaleReads(6, 5);
    const { body } = await gw.gql(CLOSE, { id: '6', category: 'BUSINESS_JUSTIFIED' });
    expect(body.errors).toBeUndefined();
    const upstream = gw.emulator.incidents.get(6)!;
    expect(body.data.closeIncident).toMatchObject({
      state: 'CLOSED',
      category: 'business_justified',
      resolvedBy: 'api',
      resolutionDate: upstream.resolution_date,
      gatewayState: 'CLOSED',
    });
    expect((await gw.services.incidentSync!.store.get(6))!.wire).toMatchObject({ state: 'closed', resolved_by: 'api' });
  });

  it('an incident that was never fetched answers with the state update response too', async () => {
    gw = await startTestGateway({ fixtures: true });
    gw.emulator.serveStaleReads(3, 5);
    const { body } = await gw.gql(CLOSE, { id: '3', category: 'MISIDENTIFIED' });
    expect(body.data.closeIncident).toMatchObject({ state: 'CLOSED', category: 'misidentified', resolvedBy: 'api', gatewayState: null });
  });
});

describe('incidents closed at the source (reference unit test T12)', () => {
  let h: SyncHarness;
  afterEach(async () => {
    await h?.close();
  });

  it('with SAAS_SECURITY_CLOSE_MIRRORED, recorded incident 4 is closed in the gateway at first fetch: "From SaasSecurity: business_justified"', async () => {
    h = await startSyncHarness({ ...FROM_RECORDING, SAAS_SECURITY_CLOSE_MIRRORED: 'true' }, recorded());
    await h.sync.runOnce();
    await settle();
    expect((await h.sync.store.get(4))!.gateway).toMatchObject({ gatewayState: 'CLOSED', closeReason: 'From SaasSecurity: business_justified' });
    expect((await h.sync.store.get(3))!.gateway).toMatchObject({ gatewayState: 'OPEN', closeReason: null });
    const fetched4 = h.events.find((e) => e.incident.incidentId === 4)!;
    expect(fetched4).toMatchObject({ kind: 'FETCHED', incident: { state: 'CLOSED', gateway: { gatewayState: 'CLOSED' } } });
  });

  it('without it (the reference default), incident 4 stays open in the gateway', async () => {
    h = await startSyncHarness(FROM_RECORDING, recorded());
    await h.sync.runOnce();
    expect((await h.sync.store.get(4))!.gateway).toMatchObject({ gatewayState: 'OPEN', closeReason: null });
  });

  it('with outgoing-only mirroring the upstream close is not mirrored in, so incident 4 stays open', async () => {
    h = await startSyncHarness({ ...FROM_RECORDING, SAAS_SECURITY_CLOSE_MIRRORED: 'true', SAAS_SECURITY_MIRROR_DIRECTION: 'Outgoing' }, recorded());
    await h.sync.runOnce();
    expect((await h.sync.store.get(4))!.gateway.gatewayState).toBe('OPEN');
  });
});

describe('incidents reopened upstream', () => {
  let h: SyncHarness;
  afterEach(async () => {
    await h?.close();
  });

  const reopen4 = async (direction: string) => {
    h = await startSyncHarness({ ...FROM_RECORDING, SAAS_SECURITY_CLOSE_MIRRORED: 'true', SAAS_SECURITY_MIRROR_DIRECTION: direction }, recorded());
    await h.sync.runOnce();
    h.clock.advance(60_000);
    h.emulator.updateIncident(4, { state: 'open', status: 'Open-In Progress', category: 'new' });
    await h.sync.runOnce();
    await settle();
  };

  it.each(['Incoming', 'Both'])('%s: recorded incident 4, closed in the gateway, reopens: REOPENED naming what changed', async (direction) => {
    await reopen4(direction);
    expect((await h.sync.store.get(4))!.gateway).toMatchObject({ gatewayState: 'OPEN', closeReason: null });
    const reopened = h.events.filter((e) => e.kind === 'REOPENED');
    expect(reopened).toHaveLength(1);
    expect(reopened[0]).toMatchObject({
      changedFields: ['state', 'category', 'status', 'gatewayState', 'closeReason'],
      incident: { incidentId: 4, state: 'OPEN', gateway: { gatewayState: 'OPEN' } },
    });
  });

  it('a later upstream close closes it again', async () => {
    await reopen4('Both');
    h.clock.advance(60_000);
    h.emulator.updateIncident(4, { state: 'closed', status: 'Closed-No Reason', category: 'no_reason' });
    await h.sync.runOnce();
    await settle();
    expect(h.events.map((e) => e.kind).filter((k) => k !== 'FETCHED')).toEqual(['REOPENED', 'CLOSED']);
    expect((await h.sync.store.get(4))!.gateway).toMatchObject({ gatewayState: 'CLOSED', closeReason: 'From SaasSecurity: no_reason' });
  });
});
