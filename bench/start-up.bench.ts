// How long `npm start` (npm itself, then the compiled gateway, sandboxes on) takes from spawn to a 200 on
// /health, and the server's resident memory then; the launcher alone (scripts/start.mjs, no npm) beside it. Printed, never asserted. Builds dist/ first if it is stale (not timed).
// Anchor: a bare node:http server answering /health, started the same way between the rounds (what a Node
// process start costs on this machine at the moment).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startToHealth } from './start-to-health.js';

const ROUNDS = 3;

async function once(via: 'npm' | 'launcher' = 'npm'): Promise<{ ms: number; rssMb: number }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-bench-start-'));
  try {
    return await startToHealth(dataDir, {}, via);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const BARE = `const s = require('node:http').createServer((q, r) => r.end('ok')); s.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: 'http://127.0.0.1:' + s.address().port })))`;

async function bareNode(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', BARE], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  for (;;) {
    const url = /"url":"([^"]+)"/.exec(out)?.[1];
    if (url && (await fetch(`${url}/health`).then((r) => r.ok, () => false))) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = performance.now() - started;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const results = [];
  const bare: number[] = [];
  const launcher: number[] = [];
  // The first round builds dist/ if needed; it is reported apart.
  for (let i = 0; i <= ROUNDS; i += 1) {
    results.push(await once());
    if (i > 0) launcher.push((await once('launcher')).ms);
    if (i > 0) bare.push(await bareNode());
  }
  const [first, ...rest] = results;
  console.log(`npm start → /health 200: first ${first!.ms.toFixed(0)} ms (may include a build), then ${rest.map((r) => r.ms.toFixed(0)).join(', ')} ms`);
  console.log(`server resident memory at healthy: ${rest.map((r) => r.rssMb.toFixed(0)).join(', ')} MB`);
  const gateway = median(rest.map((r) => r.ms));
  console.log(`node scripts/start.mjs (no npm) → /health: ${launcher.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  console.log(`bare node:http → /health: ${bare.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  console.log(`RATIO start-up npm start / bare node: ${(gateway / median(bare)).toFixed(1)}`);
  console.log(`RATIO start-up npm start / 1.5 s target: ${(gateway / 1500).toFixed(2)} (target < 1)`);
}
