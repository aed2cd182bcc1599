// The alert outbox's row claims (leases.ts claimRows) on both engines: two instances claiming at once take
// disjoint rows and together all of them; a claim that expired (its holder died) is claimed again; only the
// holder can record an attempt; a delivery is due only at its next attempt time.
import { describe, expect, it } from 'vitest';
import type { AlertNotice } from '../src/domain/alert-delivery.js';
import { Leases } from '../src/store/leases.js';
import { OutboxRows } from '../src/store/outbox.js';
import { databaseLocation, ENGINES, openTwo } from './helpers/databases.js';

const notice = (n: number): AlertNotice => ({
  alertId: `saml:alert-${n}`,
  source: 'SAML_DETECTION',
  event: 'ALERT_CREATED',
  severity: 'HIGH',
  title: `alert ${n}`,
  description: null,
  detectionId: 'rule',
  type: 'RULE',
  createdAt: '2026-01-01T00:00:00.000Z',
  at: '2026-01-01T00:00:00.000Z',
  status: null,
  assignee: null,
  actor: null,
  runbook: null,
  tags: [],
  context: {},
  ownerEmail: null,
  consolePath: '#/saml',
});

describe.each(ENGINES)('alert outbox on %s', (engine) => {
  it('two instances claiming at once take disjoint rows and, together, every row; an expired claim is taken again', async () => {
    const [dbA, dbB] = await openTwo(engine, await databaseLocation(engine));
    let now = 1_000_000;
    const a = new OutboxRows(dbA, new Leases(dbA, 'instance-a', 5_000, () => now));
    const b = new OutboxRows(dbB, new Leases(dbB, 'instance-b', 5_000, () => now));
    await dbA.db.transaction().execute((trx) => a.enqueue(trx, Array.from({ length: 60 }, (_, i) => ({ id: `d-${i}`, destination: 'soar', notice: notice(i), createdMs: now }))));
    // Another destination's rows are never claimed for this one.
    await a.enqueue(null, [{ id: 'other-1', destination: 'other', notice: notice(99), createdMs: now }]);
    const claims = await Promise.all([a.claimDue('soar', 20, 5_000), b.claimDue('soar', 20, 5_000), a.claimDue('soar', 20, 5_000), b.claimDue('soar', 20, 5_000)]);
    const ids = claims.flat().map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(Array.from({ length: 60 }, (_, i) => `d-${i}`).sort());
    expect(await a.claimDue('soar', 10, 5_000)).toEqual([]);

    // b's claim is b's: a cannot record an attempt on it.
    const bs = claims[1]!;
    expect(await a.record(bs[0]!.id, { status: 'DELIVERED', attempted: true, nextAtMs: now, responseStatus: 200, response: 'ok', error: null }, now)).toBe(false);
    expect(await b.record(bs[0]!.id, { status: 'DELIVERED', attempted: true, nextAtMs: now, responseStatus: 200, response: 'ok', error: null }, now)).toBe(true);
    // A retry is due only at its time.
    expect(await b.record(bs[1]!.id, { status: 'RETRYING', attempted: true, nextAtMs: now + 60_000, responseStatus: 500, response: null, error: 'HTTP 500' }, now)).toBe(true);

    // b "dies": once its claims expire, a takes the undelivered ones, with their attempt counts.
    now += 5_001;
    const retaken = await a.claimDue('soar', 100, 5_000);
    const retakenIds = new Set(retaken.map((d) => d.id));
    expect(retakenIds.has(bs[0]!.id)).toBe(false);
    expect(retakenIds.has(bs[1]!.id)).toBe(false);
    for (const d of bs.slice(2)) expect(retakenIds.has(d.id)).toBe(true);
    now += 60_000;
    const retry = (await b.claimDue('soar', 100, 5_000)).find((d) => d.id === bs[1]!.id);
    expect(retry).toMatchObject({ id: bs[1]!.id, attempt: 1 });
    const counts = await a.counts();
    expect(counts.get('soar')).toEqual({ delivered: 1, failed: 0, pending: 59 });
    expect(counts.get('other')).toEqual({ delivered: 0, failed: 0, pending: 1 });
    expect((await a.forAlerts([bs[0]!.alertId])).get(bs[0]!.alertId)).toMatchObject([{ status: 'DELIVERED', attempt: 1, responseStatus: 200, response: 'ok' }]);
  });

  it('writes nothing when the transaction that enqueued rolls back', async () => {
    const [db] = await openTwo(engine, await databaseLocation(engine));
    const outbox = new OutboxRows(db, new Leases(db, 'instance-a', 5_000, () => 1));
    await expect(
      db.db.transaction().execute(async (trx) => {
        await outbox.enqueue(trx, [{ id: 'rolled-back', destination: 'soar', notice: notice(1), createdMs: 1 }]);
        throw new Error('the alert write failed');
      }),
    ).rejects.toThrow('the alert write failed');
    expect(await outbox.get('rolled-back')).toBeUndefined();
  });
});
