// SECGRAPH_AUDIT_RETENTION: entries begun longer ago than the period are pruned (the only way an entry leaves
// the trail), by the instance holding the `audit-retention` lease; without it nothing is pruned.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditRetention, pruneIntervalMs } from '../src/audit/audit-retention.js';
import { StoreAuditLog } from '../src/audit/store-audit-log.js';
import { ManualClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createInProcessPubSub } from '../src/pubsub.js';
import { AuditEntries } from '../src/store/audit-entries.js';
import { openDatabase, type Database } from '../src/store/database.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const DAY = 86_400_000;
const analyst = { kind: 'USER' as const, id: 'u-1', name: null, email: null };
let database: Database | null = null;
let gw: TestGateway | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await database?.close();
  database = null;
  await gw?.close();
  gw = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('audit retention', () => {
  it('parses SECGRAPH_AUDIT_RETENTION like the incident retention, unset keeping everything', () => {
    const base = { SECGRAPH_DATA_DIR: '/tmp/secgraph-audit-config' };
    expect(loadConfig(base).audit.retentionMs).toBeNull();
    expect(loadConfig({ ...base, SECGRAPH_AUDIT_RETENTION: '400 days' }).audit.retentionMs).toBe(400 * DAY);
    expect(() => loadConfig({ ...base, SECGRAPH_AUDIT_RETENTION: 'forever' })).toThrow(/SECGRAPH_AUDIT_RETENTION/);
    expect(pruneIntervalMs(365 * DAY)).toBe(3_600_000);
    expect(pruneIntervalMs(DAY)).toBe(3_600_000);
    expect(pruneIntervalMs(3_600_000)).toBe(150_000);
  });

  it('prunes the entries begun before the period, whatever their outcome, and keeps the rest', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-audit-retention-'));
    dirs.push(dataDir);
    database = await openDatabase({ dataDir });
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00.000Z'));
    const entries = new AuditEntries(database.db);
    const audit = new StoreAuditLog({ entries, pubsub: createInProcessPubSub().pubsub, clock, logger: createLogger('silent'), instance: 'test' });
    await audit.record({ actor: analyst, action: 'old', target: null, requestId: null, outcome: 'SUCCEEDED' });
    await audit.begin({ actor: analyst, action: 'old-attempt', target: null, requestId: null });
    clock.advance(10 * DAY);
    await audit.record({ actor: analyst, action: 'recent', target: null, requestId: null, outcome: 'FAILED', errorCode: 'NOT_FOUND' });
    clock.advance(25 * DAY);
    await new AuditRetention(entries, 30 * DAY, clock, createLogger('silent')).prune();
    expect((await entries.page({}, 10, null)).map((e) => e.action)).toEqual(['recent']);
    // Ids go on from where they were: pruning never hands an id out again.
    await audit.record({ actor: analyst, action: 'next', target: null, requestId: null, outcome: 'SUCCEEDED' });
    expect((await entries.page({ action: 'next' }, 1, null))[0]!.id).toBe(4);
  });

  it('runs on the instance holding the audit-retention lease, only when configured', async () => {
    gw = await startTestGateway({ env: { SECGRAPH_AUDIT_RETENTION: '90 days' } });
    expect((await gw.services.auditTrail!.page({ action: 'lease.acquired', target: 'job:audit-retention' }, 5, null)).map((e) => e.actor.id)).toEqual(['audit-retention']);
    expect((await gw.services.leases.list()).map((l) => l.job)).toContain('audit-retention');
    await gw.close();
    gw = await startTestGateway();
    expect(await gw.services.auditTrail!.page({ target: 'job:audit-retention' }, 5, null)).toEqual([]);
  });
});
