// Several STA tenants from a SECGRAPH_CONFIG file, against two STA emulator tenants on loopback: STA fields
// take `instance` (default: the first), nested fields stay on their parent's tenant, alert playbooks act on
// the tenant their email's "Instance name:" names, and an unknown instance fails the run with the reason.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { StaEmulator } from '../src/emulators/sta/emulator.js';
import type { IncomingStaAlert } from '../src/playbooks/sta-playbook-runner.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const A = 'SafeNet Trusted Access_instance_1';
const B = 'SafeNet Trusted Access_instance_2';
let dir: string;
let tenantA: StaEmulator;
let tenantB: StaEmulator;
let gw: TestGateway;

const yaml = (instances: Array<{ name: string; sta: StaEmulator }>, settings = '') => `
${settings}
sta:
  instances:
${instances.map((i) => `    - name: "${i.name}"\n      url: ${i.sta.url}\n      tenantCode: ${i.sta.tenantCode}\n      apiKey: "${i.sta.apiKey}"`).join('\n')}
`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'secgraph-sta-instances-'));
  tenantA = new StaEmulator({ tenantCode: 'TENANTAAA1', apiKey: 'key-of-tenant-a-0001' });
  tenantB = new StaEmulator({ tenantCode: 'TENANTBBB2', apiKey: 'key-of-tenant-b-0002' });
  await tenantA.start();
  await tenantB.start();
  tenantB.addUser({ userName: 'only.in.b', email: 'only.in.b@b.example', firstName: 'Only', lastName: 'InB' });
  const file = path.join(dir, 'secgraph.yaml');
  writeFileSync(file, yaml([{ name: A, sta: tenantA }, { name: B, sta: tenantB }], 'settings:\n  STA_UNUSUAL_ACTIVITY_HOURS: 1\n'));
  gw = await startTestGateway({ env: { SECGRAPH_CONFIG: file } });
});
afterAll(async () => {
  await gw.close();
  await tenantA.stop();
  await tenantB.stop();
  rmSync(dir, { recursive: true, force: true });
});

const USER = `query($instance: String) { staUser(userName: "only.in.b", instance: $instance) { userName groups { name } } }`;

describe('STA fields with instance', () => {
  it('asks the first instance by default and the named one with instance; nested fields stay on that tenant', async () => {
    const byDefault = await gw.gql(USER);
    expect(byDefault.body.errors).toBeUndefined();
    expect(byDefault.body.data.staUser).toBeNull();
    const before = tenantA.requests.length;
    const inB = await gw.gql(USER, { instance: B });
    expect(inB.body.errors).toBeUndefined();
    expect(inB.body.data.staUser).toMatchObject({ userName: 'only.in.b', groups: [] });
    expect(tenantA.requests.length).toBe(before);
    expect(tenantB.requestsTo(/\/users\/[^/]+\/groups$/).length).toBe(1);
    const named = await gw.gql(USER, { instance: A });
    expect(named.body.data.staUser).toBeNull();
  });

  it("refuses a list cursor of one tenant on another (users and access logs)", async () => {
    const USERS = `query($instance: String, $after: String) { staUsers(first: 1, after: $after, instance: $instance) { edges { node { userName } } pageInfo { endCursor } } }`;
    const fromB = await gw.gql(USERS, { instance: B });
    const cursor = fromB.body.data.staUsers.pageInfo.endCursor as string;
    expect((await gw.gql(USERS, { instance: B, after: cursor })).body.errors).toBeUndefined();
    const onA = await gw.gql(USERS, { after: cursor });
    expect(onA.body.errors?.[0]).toMatchObject({ message: 'this cursor belongs to another STA instance', extensions: { code: 'BAD_USER_INPUT' } });

    const LOGS = `query($instance: String, $after: String) { staAccessLogs(first: 1, after: $after, instance: $instance, filter: { includeAnonymous: true }) { pageInfo { endCursor } } }`;
    const logsOfA = await gw.gql(LOGS, { instance: A });
    expect(logsOfA.body.errors).toBeUndefined();
    const logCursor = logsOfA.body.data.staAccessLogs.pageInfo.endCursor as string;
    expect(logCursor).toEqual(expect.any(String)); // the seeded tenant has logs
    expect((await gw.gql(LOGS, { instance: A, after: logCursor })).body.errors).toBeUndefined();
    const onB = await gw.gql(LOGS, { instance: B, after: logCursor });
    expect(onB.body.errors?.[0]).toMatchObject({ message: 'this cursor belongs to another STA instance', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it("finds an incident's asset owner in the first tenant that has them, and asks that tenant for their groups", async () => {
    gw.emulator.putIncident({
      incident_id: 9_101,
      app_id: 'app-b',
      app_name: 'Box 1',
      asset_name: 'owned-in-b.txt',
      asset_owner_email: 'ONLY.IN.B@b.example',
      severity: 'High',
      state: 'open',
      status: 'Open-New',
      category: 'new',
      created_at: '2026-03-10T12:00:00Z',
      updated_at: '2026-03-10T12:00:00Z',
    });
    const OWNER = `{ incident(id: 9101) { assetOwner { userName groups { name } } } }`;
    const r = await gw.gql(OWNER);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.incident.assetOwner).toEqual({ userName: 'only.in.b', groups: [] });
  });

  it('shows each tenant\'s circuit breaker in /ready', async () => {
    const ready = (await (await gw.yoga.fetch('http://yoga/ready')).json()) as { breakers: Record<string, unknown> };
    expect(ready.breakers['staInstances']).toEqual({ [A]: 'closed', [B]: 'closed' });
  });

  it('mutates only the named tenant, and refuses an unknown instance', async () => {
    const ADD = `mutation($instance: String) { addStaUserToGroup(userName: "only.in.b", groupName: "Unusual Activity", instance: $instance) { isMember user { userName groups { name } } } }`;
    const { body } = await gw.gql(ADD, { instance: B });
    expect(body.errors).toBeUndefined();
    expect(body.data.addStaUserToGroup).toEqual({ isMember: true, user: { userName: 'only.in.b', groups: [{ name: 'Unusual Activity' }] } });
    expect(tenantB.memberNames('Unusual Activity')).toContain('only.in.b');
    expect(tenantA.requestsTo(/\/members$/, 'POST')).toEqual([]);
    // A group of B: its members, and each member's user, come from B (only.in.b does not exist in A).
    const group = await gw.gql(`query($instance: String) { staGroup(name: "Unusual Activity", instance: $instance) { members(first: 100) { edges { node { userName user { email } } } } } }`, { instance: B });
    expect(group.body.errors).toBeUndefined();
    expect(group.body.data.staGroup.members.edges.map((e: any) => e.node)).toContainEqual({ userName: 'only.in.b', user: { email: 'only.in.b@b.example' } });
    const unknown = await gw.gql(ADD, { instance: 'nope' });
    expect(unknown.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'instance' } });
    expect(unknown.body.errors?.[0]?.message).toContain(B);
    const tenant = await gw.gql(`{ a: staTenantAccessible b: staTenantAccessible(instance: "${B}") }`);
    expect(tenant.body.data).toEqual({ a: true, b: true });
  });
});

describe('alert playbooks by instance', () => {
  let seq = 0;
  const pushAlert = (userName: string, instanceName: string | null): IncomingStaAlert => ({
    kind: 'PUSH_REJECTION',
    subject: 'SafeNet Trusted Access Push Notification Rejection Alert',
    messageId: `<instances-${++seq}@sta.example>`,
    sentAt: new Date().toISOString(),
    userName,
    tenantName: 'Acme',
    instanceName,
    unlockAt: null,
    source: `INBOX/7/${seq}`,
    receivedAt: new Date().toISOString(),
  });

  it("routes to the tenant the email's Instance name names", async () => {
    const aliceInB = tenantB.userByName('alice.moreau')!;
    expect(aliceInB).toBeDefined();
    const { alert } = (await gw.services.staAlerts.recordAlert(pushAlert('alice.moreau', B)));
    await gw.services.staAlerts.tick();
    expect((await gw.services.staAlerts.store.get(alert.id))!.run!.state).toBe('WAITING');
    expect(tenantB.memberNames('Unusual Activity')).toContain('alice.moreau');
    expect(tenantA.memberNames('Unusual Activity')).not.toContain('alice.moreau');
    const { body } = await gw.gql(`query($id: ID!) { staAlert(id: $id) { instanceName user { userName } } }`, { id: alert.id });
    expect(body.data.staAlert).toEqual({ instanceName: B, user: { userName: 'alice.moreau' } });
  });

  it('fails the run with a clear reason when the instance is not configured', async () => {
    const { alert } = (await gw.services.staAlerts.recordAlert(pushAlert('kofi.mensah', 'Some Other Instance')));
    await gw.services.staAlerts.tick();
    const run = (await gw.services.staAlerts.store.get(alert.id))!.run!;
    expect(run.state).toBe('FAILED');
    expect(run.steps[0]).toMatchObject({
      name: 'VALIDATE_TENANT',
      status: 'FAILED',
      error: { code: 'NOT_FOUND', message: `The alert email's instance "Some Other Instance" is not a configured STA instance (configured: "${A}", "${B}").` },
    });
    expect(tenantA.memberNames('Unusual Activity')).not.toContain('kofi.mensah');
    expect(tenantB.memberNames('Unusual Activity')).not.toContain('kofi.mensah');
  });
});

describe('SECGRAPH_CONFIG', () => {
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads settings under the environment: a variable set in the environment wins', () => {
    const file = write('settings.yaml', 'settings:\n  LOG_LEVEL: debug\n  STA_UNUSUAL_ACTIVITY_HOURS: 2.5\n  SAAS_SECURITY_FETCH: false\n');
    const c = loadConfig({ SECGRAPH_CONFIG: file, LOG_LEVEL: 'warn' });
    expect(c.logLevel).toBe('warn');
    expect(c.staPlaybooks.unusualActivityHours).toBe(2.5);
    expect(c.incidentFetch.enabled).toBe(false);
  });

  it('validates file settings as the environment is validated, naming the variable', () => {
    const file = write('bad-setting.yaml', 'settings:\n  SAAS_SECURITY_FETCH_INTERVAL: soon\n');
    expect(() => loadConfig({ SECGRAPH_CONFIG: file })).toThrow(/SAAS_SECURITY_FETCH_INTERVAL/);
  });

  it.each([
    ['unknown-key.yaml', 'stuff: 1\n', /SECGRAPH_CONFIG.*stuff|SECGRAPH_CONFIG.*Unrecognized/],
    ['no-name.yaml', 'sta:\n  instances:\n    - url: https://api.safenetid.com\n      tenantCode: HOESABCHA9\n      apiKey: k\n', /sta\.instances\.0\.name/],
    ['twice.yaml', `sta:\n  instances:\n${['X', 'X'].map((n) => `    - name: ${n}\n      url: https://api.safenetid.com\n      tenantCode: HOESABCHA9\n      apiKey: k`).join('\n')}\n`, /used twice/],
    ['bad-code.yaml', 'sta:\n  instances:\n    - name: X\n      url: https://api.safenetid.com\n      tenantCode: "../x"\n      apiKey: k\n', /tenantCode/],
    ['not-yaml.yaml', 'sta: [\n', /not valid YAML/],
  ])('refuses %s', (name, text, message) => {
    const file = write(name, text);
    expect(() => loadConfig({ SECGRAPH_CONFIG: file })).toThrow(ConfigError);
    expect(() => loadConfig({ SECGRAPH_CONFIG: file })).toThrow(message);
  });

  it('the STA_* shorthand replaces the file\'s instances with one', () => {
    const file = write('two.yaml', yaml([{ name: A, sta: tenantA }, { name: B, sta: tenantB }]));
    const c = loadConfig({ SECGRAPH_CONFIG: file, STA_URL: tenantB.url, STA_TENANT_CODE: tenantB.tenantCode, STA_API_KEY: tenantB.apiKey, STA_INSTANCE_NAME: 'Only' });
    expect(c.sta.instances).toEqual([{ name: 'Only', url: tenantB.url, tenantCode: 'TENANTBBB2', apiKey: tenantB.apiKey }]);
    expect(loadConfig({ SECGRAPH_CONFIG: file }).sta.instances.map((i) => i.name)).toEqual([A, B]);
  });
});
