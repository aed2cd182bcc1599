// The triage queue over a large store: 100,000 STA alerts (each with its alerts-index row: statuses,
// assignees, severities, times spread over 90 days) written straight into a SQLite database in a temp folder
// (never ./data), then the gateway started on it in this process and `alerts(first: 50)` asked through
// yoga.fetch, one request at a time, with each filter an analyst uses (none, the default Open+Triaged tabs,
// assigned to me, unassigned + open, a source + severity, a week, a text search, the second page). Prints
// p50 and p99 per filter; target p99 < 50 ms. BENCH_ALERTS sets the count, BENCH_ALERT_REQUESTS the requests
// per filter (default 200).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { createLogger } from '../src/logger.js';
import { startServices } from '../src/services.js';
import { openDatabase } from '../src/store/database.js';
import { staSourceAlert } from '../src/triage/source-alerts.js';
import type { StaAlert } from '../src/domain/sta-alert.js';

const COUNT = Number(process.env['BENCH_ALERTS'] ?? 100_000);
const REQUESTS = Number(process.env['BENCH_ALERT_REQUESTS'] ?? 200);
const CHUNK = 500;
const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T00:00:00.000Z');
const STATUSES = ['OPEN', 'OPEN', 'OPEN', 'OPEN', 'TRIAGED', 'TRIAGED', 'RESOLVED', 'RESOLVED', 'RESOLVED', 'CLOSED'] as const;
const ANALYSTS = Array.from({ length: 20 }, (_, i) => `analyst${i}@example.com`);

const QUERY = `query($first: Int, $after: String, $filter: AlertFilter) {
  alerts(first: $first, after: $after, filter: $filter) {
    edges { cursor node { alertId source title severity createdAt triage { status assignee } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** A deterministic pseudo-random sequence, so every run stores the same data. */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

export async function seed(dataDir: string): Promise<void> {
  const database = await openDatabase({ dataDir });
  const rnd = random(7);
  for (let start = 0; start < COUNT; start += CHUNK * 10) {
    await database.db.transaction().execute(async (trx) => {
      for (let c = start; c < Math.min(start + CHUNK * 10, COUNT); c += CHUNK) {
        const sta = [];
        const index = [];
        for (let n = c; n < Math.min(c + CHUNK, COUNT); n++) {
          const recordedAt = new Date(NOW - Math.floor(rnd() * 90 * DAY)).toISOString();
          const kind = rnd() < 0.7 ? 'PUSH_REJECTION' : 'ACCOUNT_LOCKOUT';
          const alert: StaAlert = {
            id: `sta-bench-${String(n).padStart(7, '0')}`,
            kind,
            userName: `user${n % 5000}`,
            instanceName: null,
            tenantName: 'Acme',
            subject: 'SafeNet Trusted Access alert',
            messageId: `<bench-${n}@sta.example>`,
            sentAt: recordedAt,
            receivedAt: recordedAt,
            recordedAt,
            unlockAt: null,
            state: 'CLOSED',
            closedAt: recordedAt,
            closeReason: 'Resolved',
            closeNotes: null,
            problem: null,
            source: `INBOX/1/${n}`,
            run: null,
          };
          sta.push({ id: alert.id, recorded_at: recordedAt, kind, state: 'CLOSED', user_key: alert.userName, run_state: null, due_at: null, superseded_by: null, version: 1, body: JSON.stringify(alert) });
          const a = staSourceAlert(alert);
          const status = STATUSES[Math.floor(rnd() * STATUSES.length)]!;
          index.push({
            alert_id: a.alertId,
            source: a.source,
            source_id: a.sourceId,
            severity: a.severity,
            title: a.title,
            created_at: a.createdAt,
            status,
            assignee: rnd() < 0.5 ? ANALYSTS[Math.floor(rnd() * ANALYSTS.length)]! : null,
            search_text: a.searchText,
            source_state: a.sourceState,
            updated_at: null,
            updated_by: null,
            triaged_at: status === 'OPEN' ? null : recordedAt,
            resolved_at: status === 'RESOLVED' || status === 'CLOSED' ? recordedAt : null,
            comment_seq: 0,
            activity_seq: 0,
          });
        }
        await trx.insertInto('sta_alerts').values(sta).execute();
        await trx.insertInto('alerts').values(index).execute();
      }
    });
  }
  await database.close();
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-bench-alerts-'));
  const cloudtrail = mkdtempSync(path.join(tmpdir(), 'secgraph-bench-alerts-ct-'));
  const t0 = performance.now();
  await seed(dataDir);
  console.log(`stored alerts               ${COUNT.toLocaleString('en')} (written in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const emulator = new SaasSecurityEmulator();
  const url = await emulator.start();
  const config = loadConfig({
    SECGRAPH_DATA_DIR: dataDir,
    SAAS_SECURITY_URL: url,
    SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
    SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    SAAS_SECURITY_FETCH: 'false',
    STA_SANDBOX_ALERTS: 'false',
    CLOUDTRAIL_DIR: cloudtrail,
    NODE_ENV: 'production',
  });
  const running = await startServices(config, createLogger('silent'));
  const yoga = createApp({ services: running.services });
  const ask = async (variables: Record<string, unknown>) => {
    const res = await yoga.fetch('http://bench/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY, variables }) });
    const json = (await res.json()) as { data?: { alerts: { edges: unknown[]; pageInfo: { endCursor: string } } }; errors?: unknown };
    if (json.errors || !json.data) throw new Error(`alerts failed: ${JSON.stringify(json).slice(0, 300)}`);
    return json.data.alerts;
  };
  const page2 = (await ask({ first: 50, filter: { statuses: ['OPEN', 'TRIAGED'] } })).pageInfo.endCursor;
  const filters: Array<[string, Record<string, unknown>]> = [
    ['no filter', { first: 50 }],
    ['Open + Triaged (default tabs)', { first: 50, filter: { statuses: ['OPEN', 'TRIAGED'] } }],
    ['Open + Triaged, page 2', { first: 50, after: page2, filter: { statuses: ['OPEN', 'TRIAGED'] } }],
    ['assigned to me, open', { first: 50, filter: { assignee: ANALYSTS[3], statuses: ['OPEN', 'TRIAGED'] } }],
    ['unassigned, OPEN', { first: 50, filter: { unassigned: true, statuses: ['OPEN'] } }],
    ['source + severity', { first: 50, filter: { sources: ['STA_ALERT'], severities: ['HIGH', 'CRITICAL'] } }],
    ['one week', { first: 50, filter: { from: new Date(NOW - 30 * DAY).toISOString(), to: new Date(NOW - 23 * DAY).toISOString() } }],
    ['CLOSED (Invalid)', { first: 50, filter: { statuses: ['CLOSED'] } }],
    ['text "user4242" (one user)', { first: 50, filter: { text: 'user4242' } }],
    ['text "push" (most alerts)', { first: 50, filter: { text: 'push' } }],
  ];
  let worst = 0;
  let textP99 = 0;
  try {
    for (const [, vars] of filters) for (let i = 0; i < 20; i++) await ask(vars); // warm-up
    for (const [name, vars] of filters) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const t = performance.now();
        rows = (await ask(vars)).edges.length;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const p99 = pct(times, 99);
      if (name.startsWith('text')) textP99 = Math.max(textP99, p99);
      worst = Math.max(worst, p99);
      console.log(`alerts(first: 50) ${name.padEnd(30)} ${String(rows).padStart(3)} rows  p50 ${pct(times, 50).toFixed(1).padStart(6)} ms  p99 ${p99.toFixed(1).padStart(6)} ms`);
    }
    console.log(`RATIO alerts(first: 50) worst filter p99 over ${COUNT.toLocaleString('en')} alerts / 50 ms target: ${(worst / 50).toFixed(2)} (${worst.toFixed(1)} ms; target < 1)`);
    console.log(`RATIO alerts(first: 50) worst text filter p99 (newest alerts in order, else the trigram index of migration 010) / 50 ms target: ${(textP99 / 50).toFixed(2)} (${textP99.toFixed(1)} ms)`);
  } finally {
    await running.close();
    await emulator.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(cloudtrail, { recursive: true, force: true });
  }
}
