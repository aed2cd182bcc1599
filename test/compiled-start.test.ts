// `npm start` runs the compiled gateway (building dist/ first when it is missing or stale), and SIGTERM or
// SIGINT sent to the npm process stops everything it started: no process is left behind.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

/** Processes whose environment carries `marker` (what npm start spawned, however deep). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(marker)) pids.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1200; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('npm start', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`serves /health from dist/server.js and leaves no process after ${signal} to npm`, async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-start-'));
      const marker = `SECGRAPH_DATA_DIR=${dataDir}`;
      const npm = spawn('npm', ['start'], {
        cwd: root,
        env: { ...process.env, SECGRAPH_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', SAAS_SECURITY_FETCH: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      npm.stdout.on('data', (d) => (out += String(d)));
      npm.stderr.on('data', (d) => (out += String(d)));
      const exited = new Promise<number | null>((r) => npm.on('exit', (code) => r(code)));
      let url = '';
      await until('the listening line', () => {
        const m = /"url":"(http:\/\/[^"]+)","graphiql"/.exec(out);
        url = m?.[1] ?? '';
        return url !== '';
      });
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const tree = processesWith(marker);
      const commands = tree.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      expect(commands.some((c) => /dist\/server\.js/.test(c))).toBe(true);
      expect(commands.some((c) => /tsx/.test(c))).toBe(false);

      npm.kill(signal);
      await exited;
      await until('every started process to end', () => processesWith(marker).length === 0);
      expect(out).toMatch(/shutting down/);
    }, 240_000);
  }
});
