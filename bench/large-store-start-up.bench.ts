// Start-up with a large store: 1,000,000 incidents written straight into a SQLite database in a temp folder
// (never ./data), then a real gateway process (`tsx src/server.ts`) started on it, timed until /health
// answers. Nothing is read whole at start (the old JSON-lines store replayed everything), so this should not
// grow with the store. BENCH_STARTUP_INCIDENTS sets the count.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { openDatabase } from '../src/store/database.js';

const COUNT = Number(process.env['BENCH_STARTUP_INCIDENTS'] ?? 1_000_000);
const CHUNK = 500;

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-bench-startup-'));
  const t0 = performance.now();
  const database = await openDatabase({ dataDir });
  const gateway = { mirrorDirection: 'None', fetchedAt: '2026-03-10T12:00:00.000Z', lastMirroredAt: null, mirrorError: null, gatewayState: 'OPEN', closeReason: null };
  for (let start = 1; start <= COUNT; start += CHUNK * 20) {
    await database.db.transaction().execute(async (trx) => {
      for (let c = start; c < Math.min(start + CHUNK * 20, COUNT + 1); c += CHUNK) {
        const rows = [];
        for (let id = c; id < Math.min(c + CHUNK, COUNT + 1); id++) {
          const wire = { incident_id: id, app_id: 'acf49b2389c09f26ad0ccd2b1a603328', app_name: 'Box 1', asset_name: `file-${id}.txt`, severity: 'High', state: 'open', status: 'Open-New', category: 'new', created_at: '2026-03-10T12:00:00Z', updated_at: '2026-03-10T12:00:00Z' };
          rows.push({ scope: 'saas', incident_id: id, incoming: 0, fetched_at: gateway.fetchedAt, body: JSON.stringify({ wire, gateway }) });
        }
        await trx.insertInto('incidents').values(rows).execute();
      }
    });
  }
  await database.close();
  console.log(`stored incidents            ${COUNT} (written in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  const emulator = new SaasSecurityEmulator();
  const url = await emulator.start();
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/server.ts')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: '0',
      LOG_LEVEL: 'info',
      SECGRAPH_DATA_DIR: dataDir,
      SAAS_SECURITY_URL: url,
      SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
      SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const gatewayUrl = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'secgraph is listening' && entry.url) resolve(entry.url);
    });
  });
  for (;;) {
    const ok = await fetch(`${gatewayUrl}/health`).then((r) => r.ok).catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  console.log(`start to /health            ${((performance.now() - started) / 1000).toFixed(2)} s (process spawn and module loading included)`);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await emulator.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
