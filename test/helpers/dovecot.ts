// A throwaway Dovecot IMAP server on a free loopback port (Debian's dovecot-imapd; .ci/run installs it,
// docs/sta-alerts.md says how to get it locally). Its configuration, passwd-file user, maildir, state and
// log all live in one temp directory: no system config, no syslog, no TLS, plaintext login on loopback.
// A missing Dovecot is an error, never a skip: the STA alert mail tests must run against a real server.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeEach } from 'vitest';
import { freePort } from './net.js';

const DOVECOT_BIN = process.env['DOVECOT_BIN'] ?? '/usr/sbin/dovecot';
/** The IMAP protocol binary comes with dovecot-imapd, not with dovecot-core. */
const IMAP_BIN = '/usr/lib/dovecot/imap';
const INSTALL_HINT = 'install it with `sudo apt-get install -y dovecot-imapd` (see docs/sta-alerts.md)';

export interface TestDovecot {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The maildir root (one maildir per user below it) and its owner: a real MTA can deliver into it (test/helpers/postfix.ts). */
  mailRoot: string;
  mailOwner: { uid: number; gid: number };
  /** Dovecot's SASL socket for an MTA's SMTP AUTH (Postfix smtpd_sasl_type = dovecot). */
  authSocket: string;
  /** A logged-in client for the test's own use (append, flags); replaced by restart(), closed by stop(). */
  readonly client: ImapFlow;
  /** Appends a raw message and returns its UID. */
  append(folder: string, raw: string | Buffer, flags?: string[]): Promise<number>;
  /** The flags of a message, by UID. */
  flags(folder: string, uid: number): Promise<Set<string>>;
  log(): string;
  /** Stops the server (running `whileDown` meanwhile) and starts it again on the same port and maildir. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** uid and gid of a system account, from /etc/passwd. */
function account(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`Dovecot's system user "${name}" does not exist: ${INSTALL_HINT}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function waitForGreeting(port: number, child: ChildProcess, logFile: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) {
      throw new Error(`Dovecot exited with code ${child.exitCode}: ${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}`);
    }
    const greeted = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('* OK'));
      });
      s.once('error', () => resolve(false));
    });
    if (greeted) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('Dovecot did not start listening');
}

export async function startDovecot(): Promise<TestDovecot> {
  if (!existsSync(DOVECOT_BIN) || !existsSync(IMAP_BIN)) {
    throw new Error(`Dovecot IMAP is not installed (${existsSync(DOVECOT_BIN) ? IMAP_BIN : DOVECOT_BIN} is missing): ${INSTALL_HINT}`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'secgraph-dovecot-'));
  const port = await freePort();
  const user = 'sta-alerts@example.test';
  const password = 'imap-test-password-7Qx';
  const mailRoot = path.join(dir, 'mail');
  mkdirSync(mailRoot);
  mkdirSync(path.join(dir, 'run'));
  const logFile = path.join(dir, 'dovecot.log');

  // As root (CI) Dovecot runs its helpers as its own system users and refuses uid 0 for mail, so the
  // maildir belongs to the "dovecot" account. As anyone else, everything runs as that user, unchrooted.
  const root = process.getuid?.() === 0;
  const me = userInfo();
  const mailOwner = root ? account('dovecot') : { uid: me.uid, gid: me.gid };
  if (root) {
    chmodSync(dir, 0o711);
    chownSync(mailRoot, mailOwner.uid, mailOwner.gid);
  }
  const unprivileged = root
    ? ''
    : `default_login_user = ${me.username}
default_internal_user = ${me.username}
default_internal_group = ${execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim()}
service imap-login {
  chroot =
}
`;
  writeFileSync(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}::::::\n`);
  writeFileSync(
    path.join(dir, 'dovecot.conf'),
    `protocols = imap
listen = 127.0.0.1
base_dir = ${path.join(dir, 'run')}
state_dir = ${path.join(dir, 'state')}
log_path = ${logFile}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A refused login answers at once, and does not slow down the next tests' logins from the same address
# (Dovecot's per-IP auth penalty is off when auth cannot reach anvil's penalty socket).
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
${root ? '' : '  chroot =\n'}}
# SMTP AUTH of a test MTA (Postfix) against the same passwd file.
service auth {
  unix_listener auth-mta {
    mode = 0666
  }
}
first_valid_uid = 1
mail_location = maildir:${mailRoot}/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${path.join(dir, 'passwd')}
}
userdb {
  driver = static
  args = uid=${mailOwner.uid} gid=${mailOwner.gid} home=${mailRoot}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
${unprivileged}`,
  );

  const confFile = path.join(dir, 'dovecot.conf');
  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  /** Where the running instance's part of the log starts. */
  let logStart = 0;
  const launch = async (): Promise<ChildProcess> => {
    logStart = readLog().length;
    const child = spawn(DOVECOT_BIN, ['-F', '-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const spawnError = new Promise<never>((_, reject) => child.once('error', (e) => reject(new Error(`Dovecot could not be started: ${e.message}`))));
    try {
      await Promise.race([waitForGreeting(port, child, logFile), spawnError]);
    } catch (e) {
      child.kill('SIGKILL');
      throw new Error(`${e instanceof Error ? e.message : String(e)} ${stderr}`);
    }
    return child;
  };
  const login = async (): Promise<ImapFlow> => {
    const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: password }, logger: false });
    c.on('error', () => {}); // the tests' own connection; a drop shows up as a failing append
    await c.connect();
    return c;
  };
  const halt = async (child: ChildProcess, client: ImapFlow) => {
    await client.logout().catch(() => client.close());
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    // An IMAP process serving an IDLE client outlives its master by ~10 s before it disconnects. End the
    // ones this instance started (their pids are in its log as mpid=) so that an outage is an outage now.
    for (const [, pid] of readLog().slice(logStart).matchAll(/mpid=(\d+)/g)) {
      try {
        // Only a live Dovecot imap process: a pid from the log may have been reused since.
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'imap') process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  let child = await launch();
  let client = await login();

  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    mailRoot,
    mailOwner,
    authSocket: path.join(dir, 'run', 'auth-mta'),
    get client() {
      return client;
    },
    async append(folder, raw, flags = []) {
      const res = await client.append(folder, raw, flags);
      if (!res || res.uid === undefined) throw new Error(`APPEND to ${folder} returned no UID`);
      return res.uid;
    },
    async flags(folder, uid) {
      const lock = await client.getMailboxLock(folder);
      try {
        const msg = await client.fetchOne(String(uid), { flags: true }, { uid: true });
        return new Set(msg ? (msg.flags ?? []) : []);
      } finally {
        lock.release();
      }
    },
    async restart(whileDown) {
      await halt(child, client);
      await whileDown?.();
      child = await launch();
      client = await login();
    },
    log: readLog,
    stop: () => halt(child, client),
  };
}

/**
 * One Dovecot for a test file, started by its first test. Started in beforeEach (not beforeAll) so that a
 * missing Dovecot fails every test with its install hint instead of leaving them reported as skipped.
 */
export function sharedDovecot(): () => TestDovecot {
  let server: Promise<TestDovecot> | null = null;
  let current: TestDovecot | null = null;
  beforeEach(async () => {
    current = await (server ??= startDovecot());
  });
  afterAll(async () => {
    await (await server?.catch(() => null))?.stop();
  });
  return () => {
    if (!current) throw new Error('Dovecot is not started yet');
    return current;
  };
}
