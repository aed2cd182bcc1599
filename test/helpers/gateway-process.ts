// A real gateway process (`tsx src/server.ts`), for tests that kill -9 it or run several side by side.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  /** Every log line it printed (JSON), in order. */
  logs: Array<Record<string, unknown>>;
  /** kill -9, resolved once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM, resolved once it has shut down. */
  stop(): Promise<void>;
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

const running: ChildProcess[] = [];

/** Kills every process still running (for afterEach). */
export async function killGatewayProcesses(): Promise<void> {
  for (const c of running.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    }
  }
}

export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/server.ts')], {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.push(child);
  const logs: Array<Record<string, unknown>> = [];
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry['msg'] === 'secgraph is listening' && typeof entry['url'] === 'string') resolve(entry['url']);
    });
  });
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    url,
    logs,
    kill: async () => {
      child.kill('SIGKILL');
      await gone;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await gone;
    },
    gql: async (query, variables) => {
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as { data?: any; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    },
  };
}
