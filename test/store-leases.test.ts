// The lease that makes a background job run on one instance at a time, on both engines: taken, renewed,
// refused while live, taken over once expired, fenced writes refused to a holder that lost it, released at
// shutdown; and on PostgreSQL, expiry read on the database's clock so a host whose clock runs ahead cannot
// take a live lease.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LeaseLostError, Leases } from '../src/store/leases.js';
import { databaseLocation, ENGINES, openTwo } from './helpers/databases.js';

const LEASE_MS = 15_000;

afterEach(() => {
  vi.useRealTimers();
});

describe.each(ENGINES)('leases on %s', (engine) => {
  it('is held by one instance until it expires, then taken over; the old holder can no longer fence a write', async () => {
    const [dbA, dbB] = await openTwo(engine, await databaseLocation(engine));
    let now = Date.parse('2026-03-10T12:00:00.000Z');
    const a = new Leases(dbA, 'instance-a', LEASE_MS, () => now);
    const b = new Leases(dbB, 'instance-b', LEASE_MS, () => now);

    expect(await a.tryAcquire('incident-fetch')).toBe(true);
    if (engine === 'postgres') expect(await b.tryAcquire('incident-fetch')).toBe(false);
    now += LEASE_MS / 3;
    expect(await a.tryAcquire('incident-fetch')).toBe(true); // renewed
    expect((await a.list()).map((l) => [l.job, l.holder])).toEqual([['incident-fetch', 'instance-a']]);

    if (engine === 'postgres') {
      // Not renewed for longer than a lease period (a kill -9): the other instance takes it.
      now += LEASE_MS + 1;
      expect(await b.tryAcquire('incident-fetch')).toBe(true);
      expect(await a.tryAcquire('incident-fetch')).toBe(false);
      await expect(dbA.db.transaction().execute((trx) => a.fence(trx, 'incident-fetch'))).rejects.toBeInstanceOf(LeaseLostError);
      await dbB.db.transaction().execute((trx) => b.fence(trx, 'incident-fetch'));
      await b.release('incident-fetch');
      expect(await a.list()).toEqual([]);
    } else {
      // SQLite is one process: a new process on the file takes the lease at once (its predecessor is gone).
      const next = new Leases(dbA, 'instance-next', LEASE_MS, () => now);
      expect(await next.tryAcquire('incident-fetch')).toBe(true);
      await expect(dbA.db.transaction().execute((trx) => a.fence(trx, 'incident-fetch'))).rejects.toBeInstanceOf(LeaseLostError);
    }
  });
});

describe('leases on postgres, with host clocks that disagree', () => {
  it('an instance whose clock runs an hour ahead does not take a live lease, and takes it once it really expired', async () => {
    const [dbA, dbB] = await openTwo('postgres', await databaseLocation('postgres'));
    const shortMs = 1_000;
    const a = new Leases(dbA, 'instance-a', shortMs);
    const b = new Leases(dbB, 'instance-b', shortMs);
    expect(await a.tryAcquire('sta-alert-mail')).toBe(true);

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3_600_000 });
    expect(await b.tryAcquire('sta-alert-mail')).toBe(false);
    vi.useRealTimers();

    await new Promise((r) => setTimeout(r, shortMs + 200));
    expect(await b.tryAcquire('sta-alert-mail')).toBe(true);
    expect((await b.list())[0]!.holder).toBe('instance-b');
  });
});
