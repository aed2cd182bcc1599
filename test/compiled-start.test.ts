// `npm start` runs the compiled gateway (building dist/, an esbuild bundle, first when it is missing or
// stale), and SIGTERM or SIGINT sent to the npm process stops everything it started: no process is left
// behind. The bundle also runs with the optional connectors configured (PostgreSQL, Redis): those clients
// are loaded from node_modules, not bundled, and the tests otherwise run src/ under tsx. Those clients load
// only when configured: the packages the gateway process resolves are recorded (test/helpers/record-imports.mjs).
// The mail listener runs from the bundle too: an alert email in a real IMAP mailbox (Dovecot) is recorded.
// The launcher runs the bundle in its own process with Node's source maps on (a failed start names src/),
// and the bundle reads the rule from the JSON the build wrote of its YAML.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledRuleFile, parseRuleSpec, ruleSpecFrom, SAML_RULE_FILE } from '../src/detection/rule-spec.js';
import { postgresCluster } from './helpers/databases.js';
import { startDovecot } from './helpers/dovecot.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

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

/** The optional connectors' clients, each to be loaded only when its connector is configured. */
const OPTIONAL_CLIENTS = ['pg', 'ioredis', '@keyv/redis', 'imapflow', 'mailparser', 'nodemailer'];

/** What the gateway process (npm start's launcher, which runs the bundle in-process) resolved, from the recording. */
function resolvedByGateway(recording: string): Array<{ specifier: string; url: string }> {
  const lines = readFileSync(recording, 'utf8').trim().split('\n');
  return lines.map((l) => JSON.parse(l) as { main: string; specifier: string; url: string }).filter((r) => /scripts\/start\.mjs$/.test(r.main));
}

/** Bare package specifiers (not node: builtins) the gateway process resolved. */
function packagesResolvedByGateway(recording: string): string[] {
  return [...new Set(resolvedByGateway(recording).filter((r) => !/^(node:|file:|\.)/.test(r.specifier)).map((r) => r.specifier))];
}

/** `npm start` with `env`, until it prints its listening line. */
async function npmStart(env: Record<string, string>) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-start-'));
  const marker = `SECGRAPH_DATA_DIR=${dataDir}`;
  const recording = path.join(dataDir, 'resolved-imports.jsonl');
  const recorder = `--import=${path.join(root, 'test/helpers/record-imports.mjs')}`;
  const npm = spawn('npm', ['start'], {
    cwd: root,
    env: {
      ...process.env,
      SECGRAPH_DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      SAAS_SECURITY_FETCH: 'false',
      NODE_OPTIONS: [process.env.NODE_OPTIONS, recorder].filter(Boolean).join(' '),
      SECGRAPH_RECORD_IMPORTS: recording,
      ...env,
    },
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
    return url !== '' || npm.exitCode !== null;
  });
  if (!url) throw new Error(`npm start ended before listening:\n${out}`);
  return { npm, marker, url, exited, out: () => out, resolved: () => packagesResolvedByGateway(recording), loaded: () => resolvedByGateway(recording).map((r) => r.url) };
}

let redis: TestRedis | null = null;
afterAll(async () => {
  await redis?.stop();
});

describe('npm start', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`serves /health from dist/server.js and leaves no process after ${signal} to npm`, async () => {
      const { npm, marker, url, exited, out, loaded } = await npmStart({});
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const tree = processesWith(marker);
      const commands = tree.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      // The launcher runs the bundle in its own process: one node under npm, and it loaded dist/server.js.
      expect(commands.filter((c) => /scripts\/start\.mjs/.test(c) && !/^(sh|\/bin\/sh) /.test(c))).toHaveLength(1);
      expect(loaded().some((u) => u === `file://${path.join(root, 'dist/server.js')}`)).toBe(true);
      expect(commands.some((c) => /tsx/.test(c))).toBe(false);

      npm.kill(signal);
      await exited;
      await until('every started process to end', () => processesWith(marker).length === 0);
      expect(out()).toMatch(/shutting down/);
    }, 240_000);
  }

  it('loads none of the optional connectors\' clients when none is configured', async () => {
    const { npm, url, exited, resolved } = await npmStart({});
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const packages = resolved();
    expect(packages).toContain('better-sqlite3'); // the recording works: the store's driver is there
    expect(packages.filter((p) => OPTIONAL_CLIENTS.includes(p))).toEqual([]);
    npm.kill('SIGTERM');
    await exited;
  }, 240_000);

  it('says where in src/ a start failed: the launcher maps the bundle\'s stack trace to the sources', async () => {
    const { npm, exited } = await npmStart({}); // dist/ is built (or rebuilt when stale) by npm start
    npm.kill('SIGTERM');
    await exited;
    // A data directory that is a file: opening the store fails inside src/store/database.ts.
    const notADir = path.join(mkdtempSync(path.join(tmpdir(), 'secgraph-start-')), 'a-file');
    writeFileSync(notADir, '');
    const run = (args: string[]) =>
      spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, SECGRAPH_DATA_DIR: notADir, PORT: '0' } });
    const launched = run(['scripts/start.mjs']);
    expect(launched.status).toBe(1);
    expect(launched.stderr).toMatch(/secgraph failed to start: Error: EEXIST/);
    expect(launched.stderr).toMatch(/at openSqlite \(.*src\/store\/database\.ts:\d+:\d+\)/);
    // The bundle run bare (no source maps) names its own lines: the check above would catch a lost mapping.
    const bare = run(['dist/server.js']);
    expect(bare.stderr).toMatch(/at openSqlite \(.*dist\/server\.js:\d+:\d+\)/);
  }, 240_000);

  it("reads the rule from the JSON the build wrote of its YAML, which says the same", async () => {
    const { npm, exited } = await npmStart({}); // dist/ is built (or rebuilt when stale) by npm start
    npm.kill('SIGTERM');
    await exited;
    const compiled = path.join(root, 'dist/rules/aws_saml_activity.json');
    expect(compiledRuleFile(path.join(root, 'dist/rules/aws_saml_activity.yml'))).toBe(compiled);
    const fromJson = ruleSpecFrom(JSON.parse(readFileSync(compiled, 'utf8')), compiled);
    expect(fromJson).toEqual(parseRuleSpec(readFileSync(SAML_RULE_FILE, 'utf8')));
    expect(fromJson.tests).toHaveLength(5); // the rule file's five Panther tests came through
  }, 240_000);

  it('the bundle runs with PostgreSQL and Redis configured', async () => {
    redis = await startRedis();
    const databaseUrl = await (await postgresCluster()).freshDatabase();
    const { npm, marker, url, exited, out, resolved } = await npmStart({ DATABASE_URL: databaseUrl, REDIS_URL: redis.url });
    const r = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ gateway { leases { job heldHere } } apps { appName } }' }),
    });
    const body = (await r.json()) as { data?: { gateway: { leases: Array<{ job: string; heldHere: boolean }> }; apps: unknown[] }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    // Leases exist only on PostgreSQL (SQLite's instance is its one process); the apps are read with the Redis cache on.
    expect(body.data!.gateway.leases.map((l) => l.job)).toContain('incident-fetch');
    expect(body.data!.apps.length).toBeGreaterThan(0);
    expect(out()).toMatch(/"engine":"postgres"/);
    expect(resolved()).toEqual(expect.arrayContaining(['pg', 'ioredis', '@keyv/redis']));
    expect(resolved()).not.toContain('imapflow'); // no mailbox configured
    npm.kill('SIGTERM');
    await exited;
    await until('every started process to end', () => processesWith(marker).length === 0);
    expect(out()).not.toMatch(/"level":(50|60)/);
  }, 240_000);

  it('the bundle records an STA alert email from a real IMAP mailbox (imapflow and mailparser loaded)', async () => {
    const dovecot = await startDovecot();
    try {
      const raw = readFileSync(path.join(root, 'test/fixtures/sta-alerts/push-rejection.eml'), 'utf8').replace(/\r?\n/g, '\r\n');
      await dovecot.append('INBOX', raw);
      const { npm, url, exited, out, resolved } = await npmStart({
        STA_ALERTS_IMAP_HOST: dovecot.host,
        STA_ALERTS_IMAP_PORT: String(dovecot.port),
        STA_ALERTS_IMAP_USER: dovecot.user,
        STA_ALERTS_IMAP_PASSWORD: dovecot.password,
        STA_ALERTS_IMAP_TLS: 'false',
        STA_SANDBOX_ALERTS: 'false',
      });
      let alerts: Array<{ kind: string; messageId: string | null }> = [];
      await until('the alert email to be recorded', async () => {
        const r = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ staAlerts(first: 10) { edges { node { kind messageId } } } }' }),
        });
        const body = (await r.json()) as { data?: { staAlerts: { edges: Array<{ node: { kind: string; messageId: string | null } }> } } };
        alerts = body.data?.staAlerts.edges.map((e) => e.node) ?? [];
        return alerts.length > 0;
      });
      expect(alerts).toEqual([{ kind: 'PUSH_REJECTION', messageId: '<push-rejection-0001@mail.safenetid.example>' }]);
      expect(resolved()).toEqual(expect.arrayContaining(['imapflow', 'mailparser']));
      npm.kill('SIGTERM');
      await exited;
      expect(out()).not.toMatch(/"level":(50|60)/);
    } finally {
      await dovecot.stop();
    }
  }, 240_000);
});
