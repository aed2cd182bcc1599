// A throwaway redis-server on a free loopback port (Debian's package; scripts/install-test-deps.sh installs it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './net.js';

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
  /** Stops the server and starts a new one on the same port (an outage, then recovery); nothing is kept. */
  restart(downMs?: number): Promise<void>;
  /** Stops it (the first half of restart): `start` brings it back on the same port. */
  down(): Promise<void>;
  start(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'secgraph-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    try {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
        stdio: 'ignore',
      });
    } catch (e) {
      throw new Error(`redis-server could not be started (run scripts/install-test-deps.sh): ${String(e)}`);
    }
    const spawnError = new Promise<never>((_, reject) =>
      child!.once('error', (e) => reject(new Error(`redis-server is not installed (run scripts/install-test-deps.sh): ${e.message}`))),
    );
    await Promise.race([untilListening(url), spawnError]);
  };
  const down = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    c.kill('SIGTERM');
    await new Promise((r) => c.once('exit', r));
  };
  await start();
  return {
    url,
    stop: down,
    down,
    start,
    restart: async (downMs = 0) => {
      await down();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
  };
}

async function untilListening(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {}); // refused while the server starts: expected
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return;
    } catch {
      probe.disconnect();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('redis-server did not start listening');
}
