// Query.auditLog over a long trail: 1,000,000 entries written straight into a SQLite database in a temp folder
// (never ./data), then filtered pages (50 entries, newest first) read through the resolver the field calls
// (src/resolvers/audit.ts: cursor, filter, store query, mapping), p50 and p99 per filter. Target: a filtered
// page in < 50 ms. With BENCH_AUDIT_POSTGRES=1 the same on a throwaway PostgreSQL cluster.
// BENCH_AUDIT_ENTRIES sets the count.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Context } from '../src/context.js';
import { auditLogPage, type AuditFilterArgs } from '../src/resolvers/audit.js';
import { deriveCursorKey } from '../src/security/cursor-keys.js';
import { CursorSigner } from '../src/security/cursor-signer.js';
import { AuditEntries, AUDIT_STREAM } from '../src/store/audit-entries.js';
import { openDatabase, type Database } from '../src/store/database.js';
import type { AuditEntriesTable } from '../src/store/tables.js';

const COUNT = Number(process.env['BENCH_AUDIT_ENTRIES'] ?? 1_000_000);
const CHUNK = 500;
const ROUNDS = 200;
const DAY = 86_400_000;
const START = Date.parse('2025-11-01T00:00:00.000Z');
/** One entry every this many ms: a million span about a year. */
const STEP = Math.floor((400 * DAY) / COUNT);

const ACTIONS = ['closeIncident', 'remediateAsset', 'addStaUserToGroup', 'removeStaUserFromGroup', 'terminateStaUserSessions', 'createStaUser', 'updateStaUser', 'deleteStaUser', 'updateAlertStatus', 'assignAlerts', 'addAlertComment', 'ingest.cloudtrail', 'playbook.ADD_TO_GROUP', 'playbook.REMOVE_FROM_GROUP', 'lease.acquired'];

/** A deterministic trail: 200 analysts, 20 keys, 4 jobs; 50,000 targets; 90% SUCCEEDED, 8% FAILED, 2% ATTEMPTED. */
function row(id: number): AuditEntriesTable {
  const r = (id * 2654435761) % 4294967296;
  const who = r % 224;
  const actor = who < 200 ? { kind: 'USER', id: `user-${who}`, name: `Analyst ${who}`, email: `analyst${who}@soc.example` } : who < 220 ? { kind: 'API_KEY', id: `key:${(who * 7919).toString(16).padStart(8, '0')}`, name: null, email: null } : { kind: 'SYSTEM', id: ['sta-playbook-timers', 'incident-fetch', 'cloudtrail-folder-watcher', 'audit-retention'][who - 220]!, name: null, email: null };
  const outcome = r % 50 === 0 ? 'ATTEMPTED' : r % 50 < 5 ? 'FAILED' : 'SUCCEEDED';
  const at = new Date(START + id * STEP).toISOString();
  return {
    id,
    seq: id,
    at,
    completed_at: outcome === 'ATTEMPTED' ? null : at,
    actor_kind: actor.kind,
    actor_id: actor.id,
    actor_name: actor.name,
    actor_email: actor.email,
    action: ACTIONS[(r >>> 8) % ACTIONS.length]!,
    target: `incident:${(r >>> 4) % 50_000}`,
    outcome,
    error_code: outcome === 'FAILED' ? 'UPSTREAM_REJECTED' : null,
    request_id: `req-${id}`,
    instance: `gw-${id % 3}`,
    details: JSON.stringify({ category: 'MISIDENTIFIED', instance: null }),
  };
}

async function fill(database: Database): Promise<void> {
  const t0 = performance.now();
  for (let start = 1; start <= COUNT; start += CHUNK * 20) {
    await database.db.transaction().execute(async (trx) => {
      for (let c = start; c < Math.min(start + CHUNK * 20, COUNT + 1); c += CHUNK) {
        const rows = [];
        for (let id = c; id < Math.min(c + CHUNK, COUNT + 1); id++) rows.push(row(id));
        await trx.insertInto('audit_entries').values(rows).execute();
      }
    });
  }
  await database.db.insertInto('event_streams').values({ stream: AUDIT_STREAM, last_id: COUNT }).execute();
  console.log(`stored audit entries        ${COUNT.toLocaleString('en')} (written in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function measure(engine: string, database: Database): Promise<void> {
  // auditLog's resolver signs and checks its cursors as the gateway does (src/security/cursor-signer.ts).
  const cursors = new CursorSigner([deriveCursorKey('audit-log bench cursor key, not a secret')]);
  const ctx = { services: { auditTrail: new AuditEntries(database.db), cursors } } as unknown as Context;
  const mid = new Date(START + (COUNT / 2) * STEP);
  const cases: Array<[string, AuditFilterArgs, boolean]> = [
    ['no filter', {}, false],
    ['actorId', { actorId: 'user-17' }, false],
    ['action', { action: 'removeStaUserFromGroup' }, false],
    ['target', { target: 'incident:1042' }, false],
    ['outcome FAILED', { outcome: 'FAILED' }, false],
    ['actorId + action', { actorId: 'user-17', action: 'closeIncident' }, false],
    ['action + outcome ATTEMPTED', { action: 'closeIncident', outcome: 'ATTEMPTED' }, false],
    ['one day, 200 days ago', { from: mid, to: new Date(mid.getTime() + DAY) }, false],
    ['actorId + one week', { actorId: 'user-17', from: mid, to: new Date(mid.getTime() + 7 * DAY) }, false],
    ['actorId, second page', { actorId: 'user-17' }, true],
  ];
  let worst = 0;
  let worstP50 = 0;
  for (const [name, filter, secondPage] of cases) {
    const after = secondPage ? (await auditLogPage({ first: 50, filter }, ctx)).pageInfo.endCursor : null;
    const times: number[] = [];
    let n = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      const page = await auditLogPage({ first: 50, after, filter }, ctx);
      times.push(performance.now() - t);
      n = page.edges.length;
    }
    const p50 = percentile(times, 50);
    const p90 = percentile(times, 90);
    const p99 = percentile(times, 99);
    worst = Math.max(worst, p99);
    worstP50 = Math.max(worstP50, p50);
    console.log(`${engine} auditLog(first: 50) ${name.padEnd(28)} ${String(n).padStart(3)} entries  p50 ${p50.toFixed(2)} ms  p90 ${p90.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms`);
  }
  console.log(`RATIO ${engine} auditLog filtered page over ${COUNT.toLocaleString('en')} entries, worst p50 / 50 ms target: ${(worstP50 / 50).toFixed(3)} (${worstP50.toFixed(2)} ms)`);
  console.log(`RATIO ${engine} auditLog filtered page over ${COUNT.toLocaleString('en')} entries, worst p99 / 50 ms target: ${(worst / 50).toFixed(3)} (${worst.toFixed(2)} ms; target < 1)`);
}

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-bench-audit-'));
  try {
    const database = await openDatabase({ dataDir });
    await fill(database);
    await measure('sqlite', database);
    await database.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (process.env['BENCH_AUDIT_POSTGRES'] === '1') {
    // The test helper that starts a throwaway cluster on a free loopback port (Debian's postgresql package).
    const { startPostgres } = await import('../test/helpers/postgres.js');
    const pg = await startPostgres();
    try {
      const database = await openDatabase({ dataDir: tmpdir(), databaseUrl: await pg.freshDatabase() });
      await fill(database);
      await sql`analyze audit_entries`.execute(database.db);
      await measure('postgres', database);
      await database.close();
    } finally {
      await pg.stop();
    }
  }
}
