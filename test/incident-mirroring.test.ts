// Two-way mirroring. Incoming: the mirror run against the emulator (no GraphQL), a ManualClock and explicit
// runs. Outgoing: the closeIncident mutation through the real app, by stamped mirror direction.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { IncidentEvent } from '../src/domain/incident-event.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { DAY, HOUR, idsOf, settle, startSyncHarness, T0, wireIncident, type SyncHarness } from './helpers/incident-sync.js';

describe('incoming mirroring', () => {
  let h: SyncHarness;
  afterEach(async () => {
    await h?.close();
  });

  const fetchedThenChanged = async (env: Record<string, string>, patch: Parameters<SyncHarness['emulator']['updateIncident']>[1]) => {
    h = await startSyncHarness(env, [wireIncident(1, T0 - HOUR), wireIncident(2, T0 - HOUR + 1)]);
    await h.sync.runOnce();
    h.clock.advance(60_000);
    h.emulator.updateIncident(1, patch);
    await h.sync.runOnce();
    await settle();
    return h.events.filter((e) => e.kind !== 'FETCHED');
  };

  it.each(['Incoming', 'Both'])('%s: a changed mirrored field updates the stored copy and publishes MIRRORED naming it', async (direction) => {
    const events = await fetchedThenChanged({ SAAS_SECURITY_MIRROR_DIRECTION: direction }, { status: 'Open-Assigned', assigned_to: 'ana@example.com' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'MIRRORED', changedFields: ['status', 'assigned_to'], incident: { incidentId: 1, assignedTo: 'ana@example.com' } });
    const stored = (await h.sync.store.get(1))!;
    expect(stored.wire.assigned_to).toBe('ana@example.com');
    expect(stored.gateway.lastMirroredAt).toBe(new Date(T0 + 60_000).toISOString());
    expect((await h.sync.status()).lastRunMirrored).toBe(1);
  });

  it.each(['Outgoing', 'None'])('%s: upstream changes are not mirrored in', async (direction) => {
    const events = await fetchedThenChanged({ SAAS_SECURITY_MIRROR_DIRECTION: direction }, { state: 'closed', status: 'Closed-No Reason', category: 'no_reason' });
    expect(events).toEqual([]);
    expect((await h.sync.store.get(1))!.wire.state).toBe('open');
  });

  it('an unchanged incident produces no event (the reference re-sent it every cycle)', async () => {
    // severity is not a mirrored field: updated_at moves, nothing mirrored changes.
    const events = await fetchedThenChanged({}, { severity: 'Low' });
    h.clock.advance(60_000);
    await h.sync.runOnce();
    await settle();
    expect(events).toEqual([]);
    expect(h.events.filter((e) => e.kind !== 'FETCHED')).toEqual([]);
  });

  it('each change is published once, however many cycles pass', async () => {
    await fetchedThenChanged({}, { resolved_by: 'api' });
    for (let i = 0; i < 3; i += 1) {
      h.clock.advance(60_000);
      await h.sync.runOnce();
    }
    h.emulator.updateIncident(2, { asset_sha256: 'ab'.repeat(32) });
    await h.sync.runOnce();
    await settle();
    const mirrored = h.events.filter((e) => e.kind === 'MIRRORED');
    expect(mirrored.map((e) => [e.incident.incidentId, e.changedFields])).toEqual([
      [1, ['resolved_by']],
      [2, ['asset_sha256']],
    ]);
  });

  it('ignores incidents it never fetched', async () => {
    h = await startSyncHarness({}, [wireIncident(1, T0 - 5 * DAY)]);
    await h.sync.runOnce();
    h.emulator.updateIncident(1, { state: 'closed', status: 'Closed-No Reason', category: 'no_reason' });
    await h.sync.runOnce();
    await settle();
    expect(h.events).toEqual([]);
  });

  it('with SAAS_SECURITY_CLOSE_MIRRORED, an upstream close closes the gateway record: "From SaasSecurity: <category>"', async () => {
    const events = await fetchedThenChanged(
      { SAAS_SECURITY_CLOSE_MIRRORED: 'true' },
      { state: 'closed', status: 'Closed-Misidentified', category: 'misidentified', resolved_by: 'admin@example.com' },
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'CLOSED',
      changedFields: ['state', 'category', 'status', 'resolved_by'],
      incident: { state: 'CLOSED', gateway: { gatewayState: 'CLOSED', closeReason: 'From SaasSecurity: misidentified' } },
    });
  });

  it('says None when the upstream closes without a category, like the reference', async () => {
    const events = await fetchedThenChanged({ SAAS_SECURITY_CLOSE_MIRRORED: 'true' }, { state: 'Closed', category: null });
    expect(events[0]!.incident.gateway).toMatchObject({ gatewayState: 'CLOSED', closeReason: 'From SaasSecurity: None' });
  });

  it('without it, an upstream close is mirrored but the gateway record stays open', async () => {
    const events = await fetchedThenChanged({}, { state: 'closed', status: 'Closed-No Reason', category: 'no_reason' });
    expect(events[0]).toMatchObject({ kind: 'MIRRORED', incident: { state: 'CLOSED', gateway: { gatewayState: 'OPEN', closeReason: null } } });
  });
});

describe('outgoing: closeIncident', () => {
  let gw: TestGateway;
  const events: IncidentEvent[] = [];
  afterEach(async () => {
    events.length = 0;
    await gw?.close();
  });

  const CLOSE = `mutation($id: ID!, $category: CloseCategory!) {
    closeIncident(id: $id, category: $category) { incidentId state category gatewayState closeReason mirrorDirection mirrorError lastMirroredAt }
  }`;

  /** A gateway whose store holds incident 1, fetched with `direction`. */
  const fetched = async (direction: string) => {
    const clock = new ManualClock(T0);
    gw = await startTestGateway({ clock, env: { SAAS_SECURITY_MIRROR_DIRECTION: direction } });
    void (async () => {
      for await (const e of gw.services.pubsub.subscribe('incident:event')) events.push(e);
    })();
    gw.emulator.load([wireIncident(1, T0 - HOUR)]);
    await gw.services.incidentSync!.runOnce();
    clock.advance(60_000);
    return clock;
  };
  const statePosts = () => gw.emulator.requestsTo('/incident/api/incidents/1/state', 'POST');

  it.each([
    ['Outgoing', 'MISIDENTIFIED', 'misidentified'],
    ['Outgoing', 'NO_REASON', 'no_reason'],
    ['Outgoing', 'BUSINESS_JUSTIFIED', 'business_justified'],
    ['Both', 'MISIDENTIFIED', 'misidentified'],
    ['Both', 'NO_REASON', 'no_reason'],
    ['Both', 'BUSINESS_JUSTIFIED', 'business_justified'],
  ])('%s with %s pushes state=closed and category %s upstream', async (direction, category, wire) => {
    await fetched(direction);
    const { body } = await gw.gql(CLOSE, { id: '1', category });
    expect(body.errors).toBeUndefined();
    expect(statePosts().map((r) => JSON.parse(r.body))).toEqual([{ state: 'closed', category: wire }]);
    expect(body.data.closeIncident).toMatchObject({
      state: 'CLOSED',
      category: wire,
      gatewayState: 'CLOSED',
      closeReason: `Closed in secgraph: ${wire}`,
      mirrorDirection: direction,
      mirrorError: null,
      lastMirroredAt: new Date(T0 + 60_000).toISOString(),
    });
    expect(gw.emulator.incidents.get(1)).toMatchObject({ state: 'closed', category: wire });
    await settle();
    expect(events.filter((e) => e.kind === 'CLOSED').map((e) => e.changedFields)).toEqual([
      ['state', 'category', 'status', 'resolved_by', 'gatewayState', 'closeReason'],
    ]);
    // The stored copy is the upstream's answer: the next mirror run finds nothing new to announce.
    await gw.services.incidentSync!.runOnce();
    await settle();
    expect(events.filter((e) => e.kind === 'MIRRORED')).toEqual([]);
  });

  it.each(['Incoming', 'None'])('%s still sends the state update: the mutation always closes upstream', async (direction) => {
    await fetched(direction);
    const { body } = await gw.gql(CLOSE, { id: '1', category: 'NO_REASON' });
    expect(body.errors).toBeUndefined();
    expect(statePosts().map((r) => JSON.parse(r.body))).toEqual([{ state: 'closed', category: 'no_reason' }]);
    expect(body.data.closeIncident).toMatchObject({ state: 'CLOSED', gatewayState: 'CLOSED', closeReason: 'Closed in secgraph: no_reason', mirrorError: null });
    expect(gw.emulator.incidents.get(1)!.state).toBe('closed');
  });

  it('fails with the upstream refusal and records nothing closed; a retry that succeeds closes it', async () => {
    await fetched('Both');
    gw.emulator.injectFault({ kind: 'server-error', status: 400 }, { path: /\/state$/ });
    const refused = await gw.gql(CLOSE, { id: '1', category: 'MISIDENTIFIED' });
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_REJECTED', upstreamStatus: 400 });
    const after = await gw.gql('{ incident(id: "1") { state gatewayState closeReason mirrorError } }');
    expect(after.body.data.incident).toEqual({ state: 'OPEN', gatewayState: 'OPEN', closeReason: null, mirrorError: null });
    await settle();
    expect(events.filter((e) => e.kind === 'CLOSED')).toEqual([]);

    const retried = await gw.gql(CLOSE, { id: '1', category: 'MISIDENTIFIED' });
    expect(retried.body.data.closeIncident).toMatchObject({ state: 'CLOSED', gatewayState: 'CLOSED', mirrorError: null });
  });

  it('reports an unavailable upstream the same way', async () => {
    await fetched('Outgoing');
    gw.emulator.injectFault({ kind: 'server-error', status: 500 }, { path: /\/state$/ });
    const { body } = await gw.gql(CLOSE, { id: '1', category: 'NO_REASON' });
    expect(body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await gw.services.incidentSync!.store.get(1))!.gateway).toMatchObject({ gatewayState: 'OPEN', mirrorError: null });
  });

  it('refuses a category the API cannot close with (in_the_cloud) before calling anything', async () => {
    await fetched('Both');
    const { body } = await gw.gql(CLOSE, { id: '1', category: 'IN_THE_CLOUD' });
    expect(body.errors?.[0]?.message).toMatch(/IN_THE_CLOUD/);
    expect(statePosts()).toEqual([]);
    expect((await gw.services.incidentSync!.store.get(1))!.gateway.gatewayState).toBe('OPEN');
  });

  it('closes an incident that was never fetched upstream, with no gateway fields', async () => {
    gw = await startTestGateway({ fixtures: true });
    const { body } = await gw.gql(CLOSE, { id: '3', category: 'MISIDENTIFIED' });
    expect(body.errors).toBeUndefined();
    expect(body.data.closeIncident).toMatchObject({ state: 'CLOSED', gatewayState: null, closeReason: null, mirrorDirection: null });
    expect(gw.emulator.requestsTo('/incident/api/incidents/3/state', 'POST')).toHaveLength(1);
  });

  it('incident(id) shows live upstream fields with the stored gateway fields', async () => {
    await fetched('Incoming');
    gw.emulator.updateIncident(1, { assigned_to: 'bo@example.com' });
    const { body } = await gw.gql('{ incident(id: "1") { assignedTo mirrorDirection fetchedAt gatewayState } }');
    expect(body.data.incident).toEqual({ assignedTo: 'bo@example.com', mirrorDirection: 'Incoming', fetchedAt: new Date(T0).toISOString(), gatewayState: 'OPEN' });
    expect(idsOf(events, 'FETCHED')).toEqual([1]);
  });
});
