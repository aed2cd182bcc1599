// Starts a bench server (a TypeScript file run with tsx) in its own process and waits for its "READY <url>"
// line, so load generators and the server under test never share a CPU's event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

export interface Child {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startChild(script: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Child> {
  const child = spawn(tsx, [...nodeArgs, path.join(root, script)], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill("SIGKILL"), 15_000).unref();
      }),
  };
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The process and its descendants (tsx runs the script in a child node): Linux's /proc, else just pid. */
function processTree(pid: number): number[] {
  const out = [pid];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const c of children ? children.split(/\s+/) : []) out.push(...processTree(Number(c)));
    }
  } catch {
    // Not Linux, or the process has gone: what was read so far.
  }
  return out;
}

/** CPU time (user + system, ms) used so far by a bench server and its descendants; null where /proc is absent. */
export function serverCpuMs(child: Child): number | null {
  const pid = child.process.pid;
  if (pid === undefined) return null;
  let ticks = 0;
  let read = false;
  for (const p of processTree(pid)) {
    try {
      // Fields after the command name: utime and stime are the 12th and 13th (clock ticks, 100 a second on Linux).
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      read = true;
    } catch {
      // A process that ended between the listing and the read.
    }
  }
  return read ? ticks * 10 : null;
}

/** Resident memory (bytes) of the largest process of a bench server's tree (the server, not tsx's launcher); null without /proc. */
export function serverRssBytes(child: Child): number | null {
  const pid = child.process.pid;
  if (pid === undefined) return null;
  let max: number | null = null;
  for (const p of processTree(pid)) {
    try {
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1];
      if (kb) max = Math.max(max ?? 0, Number(kb) * 1024);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return max;
}
