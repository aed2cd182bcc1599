// A throwaway Postfix (Debian's postfix package) on a free loopback port, with its own config, queue and log in
// one temp directory: SMTP submission with STARTTLS (a self-signed certificate) and SMTP AUTH against a test
// Dovecot's passwd file (Dovecot SASL), delivering with Postfix's virtual agent into that Dovecot's maildirs,
// so a test reads what arrived over IMAP. Mail is accepted only from an authenticated client. Postfix's
// master runs as root (it drops to the postfix user itself): the tests run as root, as CI does.
// A missing Postfix is an error, never a skip.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestDovecot } from './dovecot.js';
import { freePort } from './net.js';
import { selfSignedCertificate } from './self-signed.js';

const POSTFIX_BIN = '/usr/sbin/postfix';
const INSTALL_HINT = 'install it with `sudo apt-get install -y postfix` (scripts/install-test-deps.sh does)';

export interface TestPostfix {
  host: string;
  port: number;
  /** The CA file a client trusts the STARTTLS certificate with. */
  caFile: string;
  log(): string;
  stop(): Promise<void>;
}

function account(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`Postfix's system user "${name}" does not exist: ${INSTALL_HINT}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function waitForBanner(port: number, logFile: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('220'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Postfix did not start listening: ${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}`);
}

/** `domains` are delivered to the Dovecot user's maildir (every address in them: a catch-all). */
export async function startPostfix(dovecot: TestDovecot, domains: string[]): Promise<TestPostfix> {
  if (!existsSync(POSTFIX_BIN)) throw new Error(`Postfix is not installed (${POSTFIX_BIN} is missing): ${INSTALL_HINT}`);
  if (process.getuid?.() !== 0) throw new Error('the Postfix test MTA needs root (its master process starts as root); run the tests as root, as CI does');
  const dir = mkdtempSync(path.join(tmpdir(), 'secgraph-postfix-'));
  const port = await freePort();
  const tls = selfSignedCertificate();
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  writeFileSync(keyFile, tls.key, { mode: 0o600 });
  writeFileSync(certFile, tls.cert);
  tls.cleanup();
  const logFile = path.join(dir, 'postfix.log');
  // Postfix's own checks: its daemons (user postfix) reach into the directory; the data directory is theirs.
  chmodSync(dir, 0o711);
  mkdirSync(path.join(dir, 'queue'));
  mkdirSync(path.join(dir, 'data'));
  const pf = account('postfix');
  chownSync(path.join(dir, 'data'), pf.uid, pf.gid);
  writeFileSync(path.join(dir, 'vmailbox'), domains.map((d) => `@${d} ${dovecot.user}/`).join('\n') + '\n');
  writeFileSync(
    path.join(dir, 'main.cf'),
    `compatibility_level = 3.6
queue_directory = ${path.join(dir, 'queue')}
data_directory = ${path.join(dir, 'data')}
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = ${logFile}
maillog_file_prefixes = ${dir}
myhostname = mta.secgraph.test
mydomain = secgraph.test
myorigin = secgraph.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
relay_domains =
relayhost =
biff = no
smtputf8_enable = no
smtpd_banner = $myhostname ESMTP secgraph test MTA
smtpd_tls_cert_file = ${certFile}
smtpd_tls_key_file = ${keyFile}
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = ${dovecot.authSocket}
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
virtual_mailbox_domains = ${domains.join(' ')}
virtual_mailbox_base = ${dovecot.mailRoot}
virtual_mailbox_maps = texthash:${path.join(dir, 'vmailbox')}
virtual_minimum_uid = 1
virtual_uid_maps = static:${dovecot.mailOwner.uid}
virtual_gid_maps = static:${dovecot.mailOwner.gid}
`,
  );
  // Debian's services, unchrooted, with the submission listener on the test port instead of port 25.
  const services = readFileSync('/etc/postfix/master.cf', 'utf8')
    .split('\n')
    .filter((l) => /^[a-z0-9]/i.test(l) && !/^(smtp\s+inet|submission|smtps|#)/.test(l))
    .map((l) => {
      const f = l.split(/\s+/);
      if (f.length >= 8) f[4] = 'n';
      return f.join(' ');
    });
  writeFileSync(path.join(dir, 'master.cf'), [`127.0.0.1:${port} inet n - n - - smtpd`, ...services].join('\n') + '\n');
  try {
    execFileSync(POSTFIX_BIN, ['-c', dir, 'start'], { stdio: 'pipe' });
  } catch {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Postfix could not be started: ${log.split('\n').filter((l) => /fatal|error/.test(l)).join('\n')}`);
  }
  const stop = async () => {
    try {
      execFileSync(POSTFIX_BIN, ['-c', dir, 'stop'], { stdio: 'ignore' });
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForBanner(port, logFile);
  } catch (e) {
    await stop();
    throw e;
  }
  return { host: '127.0.0.1', port, caFile: certFile, log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''), stop };
}
