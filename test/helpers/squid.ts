// A throwaway Squid (Debian's package; scripts/install-test-deps.sh installs it) on a free loopback port, with
// its own config, logs and pid file in a temporary folder, and Debian's default access rules: CONNECT only to
// the SSL ports (443, plus the ones a test names, as an administrator adds a non-standard TLS port), other
// requests to the "safe" ports, clients on localhost only. Optionally Basic auth (Squid's basic_ncsa_auth
// helper over an htpasswd file made with openssl). No cache. Its access log tells how each request came.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './net.js';

export interface SquidEntry {
  /** GET, POST, CONNECT, … */
  method: string;
  /** The absolute URL of a forwarded request, `host:port` of a CONNECT. */
  url: string;
  /** The status Squid answered the client with. */
  status: number;
  /** The proxy user, `-` without auth. */
  user: string;
}

export interface TestSquid {
  url: string;
  /** Every request Squid has logged, in order (after stop: all it logged, open tunnels included). */
  entries(): SquidEntry[];
  /** Stops Squid, which then logs the tunnels still open. */
  stop(): Promise<void>;
}

const SQUID = existsSync('/usr/sbin/squid') ? '/usr/sbin/squid' : 'squid';
const NCSA_AUTH = '/usr/lib/squid/basic_ncsa_auth';

export async function startSquid(opts: { sslPorts?: number[]; user?: string; password?: string } = {}): Promise<TestSquid> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'secgraph-squid-'));
  // Started as root, Squid drops to its own user (proxy), which must write its logs here.
  chmodSync(dir, 0o777);
  const file = (name: string) => path.join(dir, name);
  const auth: string[] = [];
  if (opts.user) {
    const hash = execFileSync('openssl', ['passwd', '-apr1', opts.password ?? ''], { encoding: 'utf8' }).trim();
    writeFileSync(file('passwd'), `${opts.user}:${hash}\n`, { mode: 0o644 });
    auth.push(`auth_param basic program ${NCSA_AUTH} ${file('passwd')}`, 'auth_param basic realm secgraph-test', 'acl authenticated proxy_auth REQUIRED');
  }
  const conf = [
    `http_port 127.0.0.1:${port}`,
    'visible_hostname secgraph-test-proxy',
    `pid_filename ${file('squid.pid')}`,
    `cache_log ${file('cache.log')}`,
    'logformat secgraph %rm %ru %>Hs %un',
    `access_log stdio:${file('access.log')} secgraph`,
    'cache_store_log none',
    `coredump_dir ${dir}`,
    'cache deny all',
    'cache_mem 8 MB',
    'pinger_enable off',
    'shutdown_lifetime 0 seconds',
    'logfile_rotate 0',
    ...auth,
    // Debian's /etc/squid/squid.conf access rules.
    `acl SSL_ports port 443 ${(opts.sslPorts ?? []).join(' ')}`.trim(),
    'acl Safe_ports port 80 21 443 70 210 1025-65535 280 488 591 777',
    'acl CONNECT method CONNECT',
    'http_access deny !Safe_ports',
    'http_access deny CONNECT !SSL_ports',
    opts.user ? 'http_access allow localhost authenticated' : 'http_access allow localhost',
    'http_access deny all',
  ];
  writeFileSync(file('squid.conf'), `${conf.join('\n')}\n`);
  let child: ChildProcess;
  const output: string[] = [];
  try {
    child = spawn(SQUID, ['-N', '-f', file('squid.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`squid could not be started (run scripts/install-test-deps.sh): ${String(e)}`);
  }
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (e) => reject(new Error(`squid is not installed (run scripts/install-test-deps.sh): ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`squid exited (${code}) at start: ${output.join('')}${readLog(file('cache.log'))}`)));
  });
  exited.catch(() => {});
  await Promise.race([untilListening(port), exited]);
  // Connections that sent nothing (the readiness probe's) are logged as `- error:…`: not requests.
  const parse = (): SquidEntry[] =>
    readLog(file('access.log'))
      .split('\n')
      .filter((line) => line && !line.startsWith('- '))
      .map((line) => {
        const [method, url, status, user] = line.split(' ');
        return { method: method!, url: url!, status: Number(status), user: user! };
      });
  let final: SquidEntry[] | null = null;
  return {
    url: `http://127.0.0.1:${port}`,
    entries: () => final ?? parse(),
    stop: async () => {
      if (final) return;
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      final = parse();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

async function untilListening(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`squid did not listen on 127.0.0.1:${port} within 10 s`);
}
