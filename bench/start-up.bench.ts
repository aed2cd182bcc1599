// How long `npm start` (the compiled gateway, sandboxes on) takes from spawn to a 200 on /health, and the
// server's resident memory then. Printed, never asserted. Builds dist/ first if it is stale (not timed).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const ROUNDS = 3;

async function once(): Promise<{ ms: number; rssMb: number }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-bench-start-'));
  const started = performance.now();
  const child = spawn(process.execPath, ['scripts/start.mjs'], { env: { ...process.env, SECGRAPH_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  let url = '';
  for (;;) {
    url = /"url":"(http:\/\/[^"]+)","graphiql"/.exec(out)?.[1] ?? '';
    if (url && (await fetch(`${url}/health`).then((r) => r.ok, () => false))) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = performance.now() - started;
  const serverPid = Number(/"pid":(\d+)[^\n]*secgraph is listening/.exec(out)?.[1]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${serverPid}/status`, 'utf8'))?.[1] ?? 0);
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
  return { ms, rssMb: rssKb / 1024 };
}

export async function run(): Promise<void> {
  const results = [];
  // The first round builds dist/ if needed; it is reported apart.
  for (let i = 0; i <= ROUNDS; i += 1) results.push(await once());
  const [first, ...rest] = results;
  console.log(`npm start → /health 200: first ${first!.ms.toFixed(0)} ms (may include a build), then ${rest.map((r) => r.ms.toFixed(0)).join(', ')} ms`);
  console.log(`server resident memory at healthy: ${rest.map((r) => r.rssMb.toFixed(0)).join(', ')} MB`);
}
