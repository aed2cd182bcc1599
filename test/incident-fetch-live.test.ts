// Live by default: a 15 s fetch interval, the wait backing off while the upstream answers 429/5xx and back
// to the interval after a good run, and fetch and incoming mirror sharing one delta request per run when
// their filters allow. Runs are explicit runOnce() calls; the scheduler's next wait is read from the sync.
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { MAX_BACKOFF_FACTOR } from '../src/fetch/incident-sync.js';
import { HOUR, settle, startSyncHarness, T0, wireIncident, type SyncHarness } from './helpers/incident-sync.js';

let h: SyncHarness;
afterEach(async () => {
  await h?.close();
});

const NO_RETRIES = { SAAS_SECURITY_RETRIES: '0' };

describe('fetch interval', () => {
  it('is 15 s by default', () => {
    const c = loadConfig({ SAAS_SECURITY_URL: 'http://127.0.0.1:1', SAAS_SECURITY_CLIENT_ID: 'id', SAAS_SECURITY_CLIENT_SECRET: 'secret' });
    expect(c.incidentFetch.intervalMs).toBe(15_000);
  });

  it('doubles after each run the upstream rate-limits or fails (capped), and returns to the interval after a good run', async () => {
    h = await startSyncHarness({ ...NO_RETRIES, SAAS_SECURITY_FETCH_INTERVAL: '10s', SAAS_SECURITY_MIRROR_DIRECTION: 'None' }, [wireIncident(1, T0 - HOUR)]);
    await h.client.authenticate();
    const delta = /\/incidents\/delta/;
    h.emulator.injectFault({ kind: 'server-error', status: 503 }, { path: delta });
    expect((await h.sync.runOnce()).error).toMatch(/^UPSTREAM_UNAVAILABLE/);
    expect(h.sync.currentDelayMs).toBe(20_000);
    h.emulator.injectFault({ kind: 'rate-limit', retryAfterSeconds: 1 }, { path: delta });
    expect((await h.sync.runOnce()).error).toMatch(/^UPSTREAM_RATE_LIMITED/);
    expect(h.sync.currentDelayMs).toBe(40_000);
    // Few enough 5xx in a row to stay under the client's circuit breaker (5 consecutive failures).
    for (const status of [500, 502]) {
      h.emulator.injectFault({ kind: 'server-error', status }, { path: delta });
      await h.sync.runOnce();
    }
    expect(h.sync.currentDelayMs).toBe(10_000 * MAX_BACKOFF_FACTOR);
    h.emulator.injectFault({ kind: 'rate-limit', retryAfterSeconds: 1 }, { path: delta });
    await h.sync.runOnce();
    expect(h.sync.currentDelayMs).toBe(10_000 * MAX_BACKOFF_FACTOR); // capped
    const good = await h.sync.runOnce();
    expect(good).toMatchObject({ fetched: 1, error: null });
    expect(h.sync.currentDelayMs).toBe(10_000);
    expect(h.logs.text).toContain('retrying later');
  });

  it('waits at least what a Retry-After asks', async () => {
    h = await startSyncHarness({ ...NO_RETRIES, SAAS_SECURITY_FETCH_INTERVAL: '1s', SAAS_SECURITY_MAX_RETRY_DELAY_MS: '100', SAAS_SECURITY_MIRROR_DIRECTION: 'None' });
    await h.client.authenticate();
    h.emulator.injectFault({ kind: 'rate-limit', retryAfterSeconds: 7 }, { path: /\/incidents\/delta/ });
    await h.sync.runOnce();
    expect(h.sync.currentDelayMs).toBe(7_000);
  });

  it('does not back off on a refusal that waiting will not fix (4xx)', async () => {
    h = await startSyncHarness({ ...NO_RETRIES, SAAS_SECURITY_FETCH_INTERVAL: '10s', SAAS_SECURITY_MIRROR_DIRECTION: 'None' });
    await h.client.authenticate();
    h.emulator.injectFault({ kind: 'reject', status: 400, message: 'bad' }, { path: /\/incidents\/delta/ });
    expect((await h.sync.runOnce()).error).toMatch(/^UPSTREAM_REJECTED/);
    expect(h.sync.currentDelayMs).toBe(10_000);
  });
});

describe('one delta poll for fetch and incoming mirror', () => {
  it('without fetch filters, a run with both cursors together makes one delta request', async () => {
    h = await startSyncHarness({ SAAS_SECURITY_MIRROR_DIRECTION: 'Both' }, [wireIncident(1, T0 - HOUR), wireIncident(2, T0 - HOUR + 1)]);
    await h.sync.runOnce(); // first run: fetches 1 and 2; the mirror then starts from the same cursor
    const before = h.deltaRequests().length;
    h.emulator.updateIncident(1, { assigned_to: 'ana@example.com' });
    h.clock.advance(15_000);
    const run = await h.sync.runOnce();
    await settle();
    expect(run).toMatchObject({ fetched: 0, mirrored: 1, error: null });
    expect(h.deltaRequests().length - before).toBe(1);
    expect(h.events.filter((e) => e.kind === 'MIRRORED').map((e) => e.changedFields)).toEqual([['assigned_to']]);
  });

  it('with fetch filters, the mirror (which reads unfiltered) makes its own request', async () => {
    h = await startSyncHarness({ SAAS_SECURITY_MIRROR_DIRECTION: 'Both', SAAS_SECURITY_FETCH_STATE: 'Open' }, [wireIncident(1, T0 - HOUR)]);
    await h.sync.runOnce();
    const before = h.deltaRequests().length;
    h.clock.advance(15_000);
    await h.sync.runOnce();
    const requests = h.deltaRequests().slice(before);
    expect(requests).toHaveLength(2);
    expect(requests.map((q) => q.get('state'))).toEqual(['open', null]);
  });
});
