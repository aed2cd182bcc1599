// One start of the gateway through `npm start` itself (npm, then scripts/start.mjs: the compiled server,
// rebuilt first when stale), timed from spawn to a 200 on /health, with the server's resident memory then.
// `via: 'launcher'` spawns scripts/start.mjs without npm, to tell npm's own share. Until 2026-12-03 the
// benches timed only the launcher, so npm (~0.35 s here) and the prestart script then (~0.7 s) were
// missing from the "npm start" figure. Shared by the start-up benches; the caller owns dataDir.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export async function startToHealth(dataDir: string, env: Record<string, string> = {}, via: 'npm' | 'launcher' = 'npm'): Promise<{ ms: number; rssMb: number }> {
  const started = performance.now();
  const [command, args] = via === 'npm' ? ['npm', ['start']] : [process.execPath, ['scripts/start.mjs']];
  const child = spawn(command, args, {
    env: { ...process.env, SECGRAPH_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  const exited = new Promise((r) => child.on('exit', r));
  let url = '';
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}: ${out}`);
    url = /"url":"(http:\/\/[^"]+)","graphiql"/.exec(out)?.[1] ?? '';
    if (url && (await fetch(`${url}/health`).then((r) => r.ok, () => false))) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = performance.now() - started;
  const serverPid = Number(/"pid":(\d+)[^\n]*secgraph is listening/.exec(out)?.[1]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${serverPid}/status`, 'utf8'))?.[1] ?? 0);
  child.kill('SIGTERM');
  await exited;
  return { ms, rssMb: rssKb / 1024 };
}
