// The background fetcher against the SaaS Security emulator, without GraphQL: first-fetch window, filters,
// backlogs bigger than a page, shared milliseconds, failures mid-run and restarts. Time is a ManualClock and
// runs are explicit runOnce() calls.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { startTestGateway } from './helpers/gateway.js';
import { DAY, HOUR, idsOf, settle, startSyncHarness, T0, wireIncident, type SyncHarness } from './helpers/incident-sync.js';

let h: SyncHarness;
afterEach(async () => {
  await h?.close();
});

// Incoming mirroring would add its own delta requests; these tests look at the fetcher's alone.
const start = (env: Record<string, string>, incidents: Parameters<typeof startSyncHarness>[1]) =>
  startSyncHarness({ SAAS_SECURITY_MIRROR_DIRECTION: 'None', ...env }, incidents);

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('first fetch', () => {
  it('starts 3 days back by default and skips incidents created before the window', async () => {
    h = await start({}, [
      wireIncident(1, T0 - 5 * DAY), // entirely before the window
      wireIncident(2, T0 - 4 * DAY, T0 - DAY), // created before, updated inside: an update, mirroring's business
      wireIncident(3, T0 - 2 * DAY),
      wireIncident(4, T0 - HOUR),
    ]);
    const run = await h.sync.runOnce();
    await settle();
    expect(run).toMatchObject({ fetched: 2, error: null });
    expect(idsOf(h.events, 'FETCHED')).toEqual([3, 4]);
    expect(h.deltaRequests()[0]!.get('from')).toBe(new Date(T0 - 3 * DAY).toISOString());
    expect((await h.sync.status())).toMatchObject({ fetchedTotal: 2, storedIncidents: 2, cursor: new Date(T0 - HOUR).toISOString(), lastError: null });
    expect(h.events[0]!.incident.gateway).toMatchObject({ mirrorDirection: 'None', gatewayState: 'OPEN', fetchedAt: new Date(T0).toISOString() });
  });

  it('keeps an incident created exactly at the window start, and takes ISO times', async () => {
    const windowStart = T0 - 10 * HOUR;
    h = await start({ SAAS_SECURITY_FIRST_FETCH: new Date(windowStart).toISOString() }, [
      wireIncident(1, windowStart - 1),
      wireIncident(2, windowStart),
      wireIncident(3, windowStart + 1),
    ]);
    await h.sync.runOnce();
    await settle();
    expect(idsOf(h.events)).toEqual([2, 3]);
  });

  it('fetches an incident created inside the window that it first sees after an update', async () => {
    // Filtered out (closed) when created; reopened later. The reference, skipping anything created before its
    // cursor, would never fetch it.
    h = await start({ SAAS_SECURITY_FETCH_STATE: 'Open' }, [
      wireIncident(1, T0 - DAY, T0 - DAY, { state: 'closed', status: 'Closed-No Reason' }),
      wireIncident(2, T0 - HOUR),
    ]);
    await h.sync.runOnce();
    h.clock.advance(60_000);
    h.emulator.updateIncident(1, { state: 'open', status: 'Open-Assigned' });
    await h.sync.runOnce();
    await settle();
    expect(idsOf(h.events, 'FETCHED')).toEqual([2, 1]);
  });

  it('fetches only what is new on the next run', async () => {
    h = await start({}, [wireIncident(1, T0 - HOUR)]);
    await h.sync.runOnce();
    h.clock.advance(60_000);
    h.emulator.createIncident({ incident_id: 2 });
    await h.sync.runOnce();
    h.clock.advance(60_000);
    await h.sync.runOnce();
    await settle();
    expect(idsOf(h.events, 'FETCHED')).toEqual([1, 2]);
  });
});

describe('filters', () => {
  const boxApp = 'acf49b2389c09f26ad0ccd2b1a603328';
  const o365 = '2642aaa03dc6fc44496bdfffe5e1bc74';
  const incidents = () => [
    wireIncident(1, T0 - 5 * HOUR, T0 - 5 * HOUR, { severity: 'Low' }),
    wireIncident(2, T0 - 4 * HOUR, T0 - 4 * HOUR, { state: 'closed', status: 'Closed-Misidentified', category: 'misidentified' }),
    wireIncident(3, T0 - 3 * HOUR, T0 - 3 * HOUR, { app_id: o365, status: 'Open-Assigned' }),
    wireIncident(4, T0 - 2 * HOUR, T0 - 2 * HOUR, { severity: 'Critical', status: 'Open-In Progress' }),
  ];
  it.each([
    ['SAAS_SECURITY_FETCH_STATE', 'Closed', 'state', 'closed', [2]],
    ['SAAS_SECURITY_FETCH_STATE', 'Open', 'state', 'open', [1, 3, 4]],
    ['SAAS_SECURITY_FETCH_SEVERITY', '2,Critical', 'severity', '2,5', [1, 4]],
    ['SAAS_SECURITY_FETCH_STATUS', 'open-assigned,IN_PROGRESS', 'status', 'open-assigned,open-in progress', [3, 4]],
    ['SAAS_SECURITY_FETCH_APP_IDS', `${o365}`, 'app_ids', o365, [3]],
    ['SAAS_SECURITY_FETCH_APP_IDS', `${boxApp}, ${o365}`, 'app_ids', `${boxApp},${o365}`, [1, 2, 3, 4]],
  ])('%s=%s sends %s=%s and fetches %j', async (name, value, param, sent, expected) => {
    h = await start({ [name]: value }, incidents());
    await h.sync.runOnce();
    await settle();
    expect(h.deltaRequests()[0]!.get(param)).toBe(sent);
    expect(idsOf(h.events, 'FETCHED')).toEqual(expected);
  });

  it('sends no filter parameters by default (state All)', async () => {
    h = await start({ SAAS_SECURITY_FETCH_STATE: 'All' }, incidents());
    await h.sync.runOnce();
    const q = h.deltaRequests()[0]!;
    expect([...q.keys()]).toEqual(['limit', 'from']);
  });
});

describe('backlogs and cursors', () => {
  it('drains a backlog page by page up to SAAS_SECURITY_MAX_FETCH per run, the rest on the next run', async () => {
    h = await start({}, range(1, 250).map((id) => wireIncident(id, T0 - 2 * DAY + id * 1000)));
    expect(await h.sync.runOnce()).toMatchObject({ fetched: 200 });
    expect(h.deltaRequests().slice(0, 2).map((q) => q.get('limit'))).toEqual(['100', '100']);
    expect(await h.sync.runOnce()).toMatchObject({ fetched: 50 });
    expect(await h.sync.runOnce()).toMatchObject({ fetched: 0 });
    await settle();
    expect(idsOf(h.events)).toEqual(range(1, 250));
    expect((await h.sync.status()).fetchedTotal).toBe(250);
  });

  it('asks for a smaller page when the max is smaller', async () => {
    h = await start({ SAAS_SECURITY_MAX_FETCH: '30' }, range(1, 45).map((id) => wireIncident(id, T0 - DAY + id)));
    expect(await h.sync.runOnce()).toMatchObject({ fetched: 30 });
    expect(await h.sync.runOnce()).toMatchObject({ fetched: 15 });
    expect(h.deltaRequests().map((q) => q.get('limit'))).toEqual(['30', '30']);
    await settle();
    expect(idsOf(h.events)).toEqual(range(1, 45));
  });

  it('neither loses nor repeats incidents that share a millisecond across a page boundary', async () => {
    // ids 91..110 all updated in the same millisecond; the first page (100) ends among them. The reference's
    // max+1 ms cursor would never see ids 101..110.
    const shared = T0 - DAY;
    const incidents = range(1, 130).map((id) => wireIncident(id, id <= 90 ? T0 - 2 * DAY + id : id <= 110 ? shared : shared + id));
    h = await start({ SAAS_SECURITY_MAX_FETCH: '1000' }, incidents);
    await h.sync.runOnce();
    await h.sync.runOnce();
    await settle();
    expect(idsOf(h.events).sort((a, b) => a - b)).toEqual(range(1, 130));
  });

  it('moves past a full page that shares one millisecond instead of asking for it forever', async () => {
    const shared = T0 - DAY;
    h = await start({ SAAS_SECURITY_MAX_FETCH: '1000' }, [
      ...range(1, 100).map((id) => wireIncident(id, shared)),
      wireIncident(101, shared + 5),
    ]);
    await h.sync.runOnce();
    await settle();
    expect(idsOf(h.events)).toEqual([...range(1, 100), 101]);
    expect(h.logs.text).toContain('shares one updated_at');
  });

  it('keeps the pages committed before an upstream failure and resumes after them', async () => {
    h = await start({}, range(1, 150).map((id) => wireIncident(id, T0 - DAY + id * 1000)));
    h.emulator.injectFault({ kind: 'server-error', status: 500 }, { path: /delta/, times: 1 });
    // The fault hits the first request; a second run then fails on its second page.
    expect((await h.sync.runOnce()).error).toMatch(/^UPSTREAM_/);
    expect((await h.sync.status()).lastError).toMatch(/^UPSTREAM_/);
    await h.sync.runOnce();
    await settle();
    expect((await h.sync.status())).toMatchObject({ lastError: null, fetchedTotal: 150 });
    expect(idsOf(h.events)).toEqual(range(1, 150));
  });

  it('after a restart continues from the stored cursor: nothing repeated, nothing lost', async () => {
    h = await start({}, range(1, 120).map((id) => wireIncident(id, T0 - DAY + id)));
    await h.sync.runOnce();
    await settle();
    expect(idsOf(h.events)).toHaveLength(120);
    h.clock.advance(60_000);
    h.emulator.createIncident({ incident_id: 500 });
    // Changing the direction now leaves what was fetched alone; only new incidents get it.
    const sync = await h.restart({ SAAS_SECURITY_MIRROR_DIRECTION: 'Incoming' });
    expect((await sync.status()).fetchedTotal).toBe(120);
    await sync.runOnce();
    await settle();
    expect(idsOf(h.events)).toEqual([...range(1, 120), 500]);
    expect((await sync.store.get(1))!.gateway.mirrorDirection).toBe('None');
    expect((await sync.store.get(500))!.gateway.mirrorDirection).toBe('Incoming');
  });
});

describe('fetch status', () => {
  it('is a query: cursor, totals, last and next run', async () => {
    const gw = await startTestGateway({ env: { SAAS_SECURITY_FETCH: 'true', SAAS_SECURITY_FETCH_INTERVAL: '1h' }, fixtures: false });
    try {
      gw.emulator.createIncident();
      await gw.services.incidentSync!.runOnce();
      const { body } = await gw.gql('{ incidentFetchStatus { enabled intervalSeconds fetchedTotal storedIncidents lastRunAt lastError nextRunAt cursor } }');
      expect(body.errors).toBeUndefined();
      expect(body.data.incidentFetchStatus).toMatchObject({ enabled: true, intervalSeconds: 3600, fetchedTotal: 1, storedIncidents: 1, lastError: null });
      expect(body.data.incidentFetchStatus.lastRunAt).toEqual(expect.any(String));
      expect(body.data.incidentFetchStatus.nextRunAt).toEqual(expect.any(String));
    } finally {
      await gw.close();
    }
  });
});

describe('configuration', () => {
  const base = { SECGRAPH_DATA_DIR: '/tmp/x' };
  it('reads the reference-style values', () => {
    const c = loadConfig({
      ...base,
      SAAS_SECURITY_FETCH_INTERVAL: '90',
      SAAS_SECURITY_FIRST_FETCH: '12 hours',
      SAAS_SECURITY_MAX_FETCH: '1000',
      SAAS_SECURITY_MIRROR_DIRECTION: 'Incoming And Outgoing',
      SAAS_SECURITY_CLOSE_MIRRORED: 'true',
    }).incidentFetch;
    expect(c).toMatchObject({ intervalMs: 90_000, firstFetch: { kind: 'ago', ms: 12 * HOUR }, maxFetch: 1000, mirrorDirection: 'Both', closeMirrored: true });
    expect(loadConfig({ ...base, SAAS_SECURITY_FETCH_INTERVAL: '1m30s' }).incidentFetch.intervalMs).toBe(90_000);
    expect(loadConfig(base).incidentFetch).toMatchObject({ enabled: true, intervalMs: 15_000, maxFetch: 200, mirrorDirection: 'Both', closeMirrored: false });
  });

  it.each([
    ['SAAS_SECURITY_MAX_FETCH', '-5'],
    ['SAAS_SECURITY_MAX_FETCH', 'many'],
    ['SAAS_SECURITY_FETCH_INTERVAL', 'soon'],
    ['SAAS_SECURITY_FIRST_FETCH', 'whenever'],
    ['SAAS_SECURITY_MIRROR_DIRECTION', 'Sideways'],
    ['SAAS_SECURITY_FETCH_SEVERITY', '7'],
    ['SAAS_SECURITY_FETCH_STATUS', 'open-whatever'],
    ['SAAS_SECURITY_FETCH', 'maybe'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(name);
  });
});

describe('SECGRAPH_INCIDENT_RETENTION', () => {
  it('prunes closed records fetched and events logged longer ago than the retention, after a run; open records stay', async () => {
    h = await start({ SECGRAPH_INCIDENT_RETENTION: '2 days' }, [wireIncident(1, T0 - HOUR), wireIncident(2, T0 - HOUR), wireIncident(4, T0 - HOUR)]);
    await h.sync.runOnce();
    // 1 and 2 closed in the gateway (the record as closeIncident leaves it, without touching its activity).
    for (const id of [1, 2]) {
      const r = (await h.sync.store.get(id))!;
      await h.sync.store.commit([{ ...r, gateway: { ...r.gateway, gatewayState: 'CLOSED', closeReason: 'Closed in secgraph: resolved' } }]);
    }
    h.clock.advance(DAY);
    h.emulator.createIncident({ incident_id: 3 });
    await h.sync.runOnce();
    expect([...(await h.sync.store.known([1, 2, 3, 4]))].sort()).toEqual([1, 2, 3, 4]);
    // Two days after the first fetch: 1 and 2 go, with the events of that time; 3 (fetched a day later)
    // stays, and so does 4, as old but still open.
    h.clock.advance(DAY + 1);
    await h.sync.runOnce();
    expect([...(await h.sync.store.known([1, 2, 3, 4]))].sort()).toEqual([3, 4]);
    expect((await h.sync.store.events.since(0)).map((e) => e.incident.incidentId)).toEqual([3]);
    expect(h.logs.text).toContain('pruned incident records and events older than SECGRAPH_INCIDENT_RETENTION');
  });

  it('takes spans and refuses anything else', () => {
    expect(loadConfig({ SECGRAPH_INCIDENT_RETENTION: '90 days' }).incidentFetch.retentionMs).toBe(90 * DAY);
    expect(loadConfig({}).incidentFetch.retentionMs).toBeNull();
    expect(() => loadConfig({ SECGRAPH_INCIDENT_RETENTION: 'forever' })).toThrow(ConfigError);
  });
});
