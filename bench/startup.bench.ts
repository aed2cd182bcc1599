// Start-up: `npm start` (whatever it runs) in a fresh process with an empty temp data dir, timed from spawn to
// the first 200 from /health; against the same for a bare node:http server answering /health (the floor a
// Node process start costs on this machine). Median of ROUNDS, interleaved. The gateway runs its sandboxes
// (no configuration), as `npm start` does out of the box.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './child.js';

const ROUNDS = Number(process.env['BENCH_STARTUP_ROUNDS'] ?? 3);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BARE = `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')`;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

async function timeToHealth(command: string, args: string[]): Promise<number> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-bench-start-'));
  const t0 = performance.now();
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SECGRAPH_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    stdio: 'ignore',
    detached: true, // its own process group: npm's children are stopped with it
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited with ${child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        if (res.ok) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    const force = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(force);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const gateway: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    gateway.push(await timeToHealth('npm', ['start', '--silent']));
    bare.push(await timeToHealth(process.execPath, ['-e', BARE]));
  }
  const g = median(gateway);
  const b = median(bare);
  console.log(`npm start → /health: ${(g / 1000).toFixed(2)} s (median of ${ROUNDS}); bare node:http → /health: ${(b / 1000).toFixed(2)} s`);
  console.log(`RATIO start-up npm start / bare node: ${(g / b).toFixed(1)}`);
  console.log(`RATIO start-up npm start / 1.5 s target: ${(g / 1500).toFixed(2)} (target < 1)`);
}
