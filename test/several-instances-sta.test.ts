// The STA alert chain on two real gateway processes sharing one PostgreSQL database and one mailbox: the
// push-rejection email becomes one alert and one add-to-group request (the mailbox listener and the
// playbook timers each run on one instance, and a run's steps are claimed before they run); when the
// instance holding the timers is killed (-9) during the stay, the other takes the timers over and removes
// the user once, at the end of the stay.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { StaEmulator } from '../src/emulators/sta/emulator.js';
import { postgresCluster } from './helpers/databases.js';
import { sharedDovecot } from './helpers/dovecot.js';
import { killGatewayProcesses, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.js';
import { waitUntil } from './helpers/subscribers.js';

const GROUP = 'Unusual Activity';
const dovecot = sharedDovecot();
const dirs: string[] = [];
const servers: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await killGatewayProcesses();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(async () => {
  for (const s of servers) await s.stop();
});

const pushRejection = (): string =>
  readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'sta-alerts', 'push-rejection.eml'), 'utf8')
    .replace(/^Message-ID: .*$/m, 'Message-ID: <two-instances-push-1@sta.example>')
    .replace(/\r?\n/g, '\r\n');

it('a push rejection seen by two instances: one alert, one add, and after kill -9 of the timer holder one removal', async () => {
  const sta = new StaEmulator({ unusualActivityGroup: GROUP });
  const staUrl = await sta.start();
  servers.push(sta);
  sta.addUser({ userName: 'demouser', firstName: 'Demo', lastName: 'User', email: 'demo.user@example.test' });
  const saas = new SaasSecurityEmulator();
  const saasUrl = await saas.start();
  servers.push(saas);
  const folder = `TwoInstances${Date.now()}`;
  await dovecot().client.mailboxCreate(folder);
  const databaseUrl = await (await postgresCluster()).freshDatabase();
  const env = () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-sta-instance-'));
    dirs.push(dataDir);
    return {
      SECGRAPH_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      SECGRAPH_LEADER_LEASE_MS: '3000',
      SAAS_SECURITY_URL: saasUrl,
      SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
      SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
      SAAS_SECURITY_FETCH: 'false',
      STA_URL: staUrl,
      STA_TENANT_CODE: sta.tenantCode,
      STA_API_KEY: sta.apiKey,
      STA_ALERTS_IMAP_HOST: dovecot().host,
      STA_ALERTS_IMAP_PORT: String(dovecot().port),
      STA_ALERTS_IMAP_USER: dovecot().user,
      STA_ALERTS_IMAP_PASSWORD: dovecot().password,
      STA_ALERTS_IMAP_TLS: 'false',
      STA_ALERTS_IMAP_FOLDER: folder,
      STA_ALERTS_IMAP_POLL_SECONDS: '1',
      STA_UNUSUAL_ACTIVITY_GROUP: GROUP,
      // A 25-second stay: long enough to kill the holder of the timers during it.
      STA_UNUSUAL_ACTIVITY_HOURS: String(25 / 3600),
    };
  };
  const first = await startGatewayProcess(env());
  const second = await startGatewayProcess(env());
  const adds = () => sta.requestsTo(/\/groups\/[^/]+\/members$/, 'POST').length;
  const removals = () => sta.requestsTo(/\/groups\/[^/]+\/members\/[^/]+$/, 'DELETE').length;

  await dovecot().append(folder, pushRejection());
  await waitUntil(() => sta.memberNames(GROUP).includes('demouser'), 'the user added to the group', 30_000);
  const alerts = async (g: GatewayProcess) => (await g.gql('{ staAlerts { edges { node { id state run { state } } } } }')).staAlerts.edges.map((e: any) => e.node);
  const seen = await alerts(second);
  expect(seen).toHaveLength(1);

  // The first to start holds the timers (and the mailbox): kill it during the stay.
  const { gateway } = await first.gql('{ gateway { instance leases { job holder } } }');
  expect(gateway.leases.find((l: { job: string }) => l.job === 'sta-playbook-timers').holder).toBe(gateway.instance);
  await first.kill();

  await waitUntil(() => removals() > 0, 'the removal at the end of the stay, by the other instance', 60_000);
  let closed: any[] = [];
  for (let i = 0; i < 100 && closed[0]?.state !== 'CLOSED'; i++) {
    closed = await alerts(second);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(closed).toEqual([{ id: seen[0].id, state: 'CLOSED', run: { state: 'COMPLETED' } }]);
  await new Promise((r) => setTimeout(r, 1000));
  expect([adds(), removals()]).toEqual([1, 1]);
  expect(sta.memberNames(GROUP)).not.toContain('demouser');
  const { gateway: after } = await second.gql('{ gateway { instance leases { job holder } } }');
  expect(after.leases.find((l: { job: string }) => l.job === 'sta-playbook-timers').holder).toBe(after.instance);
}, 150_000);
