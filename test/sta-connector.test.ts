// The STA connector against the STA emulator on loopback: every reference command's requests (paths, auth
// header, bodies), paging followed to the end, the reference defects fixed, idempotent membership, typed
// errors, caching with invalidation, and the API key kept out of logs and errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryCacheFactory } from '../src/connectors/cache.js';
import { StaClient } from '../src/connectors/sta/client.js';
import { StaConnector } from '../src/connectors/sta/connector.js';
import { StaEmulator, type StaEmulatorOptions } from '../src/emulators/sta/emulator.js';
import { SANDBOX_PEOPLE } from '../src/emulators/sandbox-people.js';
import { errorCodeOf, type GatewayError } from '../src/errors.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { LogCapture } from './helpers/gateway.js';

const API_KEY = 'sta-test-key-5f1c9e2a7b';
const HTTP = { timeoutMs: 2000, retryLimit: 2, retryBaseDelayMs: 5, maxRetryDelayMs: 3000 };

let emu: StaEmulator;
let logs: LogCapture;
let connector: StaConnector;
let client: StaClient;

async function setup(opts: StaEmulatorOptions = {}, clientOverrides: { url?: string; apiKey?: string } = {}) {
  emu = new StaEmulator({ apiKey: API_KEY, tenantCode: 'HNSA1UHHA6', ...opts });
  const url = await emu.start();
  logs = new LogCapture();
  const logger = createLogger('debug', logs);
  client = new StaClient({ url: clientOverrides.url ?? url, tenantCode: 'HNSA1UHHA6', apiKey: clientOverrides.apiKey ?? API_KEY, http: HTTP, logger });
  connector = new StaConnector(client, memoryCacheFactory(), logger);
}

async function failure(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error('expected a failure');
}

const BASE = '/api/v1/tenants/HNSA1UHHA6';
const calls = () => emu.requests.map((r) => `${r.method} ${r.path.slice(BASE.length)}${r.rawQuery ? `?${r.rawQuery}` : ''}`);

afterEach(async () => {
  await emu.stop();
});

describe('transport', () => {
  beforeEach(() => setup());

  it('validates the tenant with GET /authorized and the static headers, key in the literal apikey header', async () => {
    await expect(connector.validateTenant()).resolves.toBe(true);
    expect(calls()).toEqual(['GET /authorized']);
    const h = emu.requests[0]!.headers;
    expect(h['apikey']).toBe(API_KEY);
    expect(h['accept']).toBe('application/json');
    expect(h['object-id-format']).toBe('base64');
    expect(h['content-type']).toBe('application/json');
    expect(h['authorization']).toBeUndefined();
  });

  it('retries a 503 and a 429 (honouring Retry-After), then gives up with UPSTREAM_UNAVAILABLE', async () => {
    emu.injectFault({ kind: 'rate-limit', retryAfterSeconds: 0 }, { times: 1 });
    emu.injectFault({ kind: 'server-error', status: 503 }, { times: 1 });
    await expect(connector.listGroups()).resolves.toHaveLength(emu.groups.size);
    expect(emu.requestsTo(`${BASE}/groups`)).toHaveLength(3);

    emu.injectFault({ kind: 'server-error', status: 502 }, { times: 3 });
    const e = await failure(connector.getUser('nobody-cached'));
    expect(e.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'SafeNet Trusted Access', upstreamStatus: 502 });
  });

  it('never logs or returns the API key, even when the key is refused', async () => {
    await emu.stop();
    await setup({}, { apiKey: 'wrong-key-never-logged-91b2' });
    emu.injectFault({ kind: 'server-error', status: 503 }, { times: 1 });
    const e = await failure(connector.validateTenant());
    expect(e.extensions).toMatchObject({ code: 'UPSTREAM_REJECTED', upstreamStatus: 403 });
    expect(e.message).toBe('Authorization Error: Ensure that the API key is correct.');
    expect(await connector.isReady()).toBe(false);
    expect(logs.text).toContain('retrying request');
    expect(logs.text).not.toContain('wrong-key-never-logged-91b2');
    expect(JSON.stringify(e)).not.toContain('wrong-key-never-logged-91b2');
  });

  it('refuses to follow a next link outside the configured tenant URL (the key would go with it)', async () => {
    await emu.stop();
    emu = new StaEmulator({ apiKey: API_KEY, tenantCode: 'HNSA1UHHA6', maxPageSize: 5 });
    const url = await emu.start();
    // Same server under another host name: the emulator's absolute next links name 127.0.0.1.
    client = new StaClient({ url: url.replace('127.0.0.1', 'localhost'), tenantCode: 'HNSA1UHHA6', apiKey: API_KEY, http: HTTP, logger: createLogger('silent') });
    const e = await failure(client.listUsers());
    expect(errorCodeOf(e)).toBe('UPSTREAM_UNAVAILABLE');
    expect(e.message).toContain('outside');
    expect(emu.requests).toHaveLength(1);
  });
});

describe('paging', () => {
  it('follows links.next to the end: 40 users at 3 a page is 14 requests, no cap at 10, no duplicates', async () => {
    await setup({ maxPageSize: 3 });
    for (let i = 0; i < 28; i++) emu.addUser({ userName: `extra${i}`, email: `extra${i}@example.com` });
    const users = await connector.listUsers();
    expect(users).toHaveLength(40);
    expect(new Set(users.map((u) => u.id)).size).toBe(40);
    const pages = emu.requestsTo(`${BASE}/users`);
    expect(pages).toHaveLength(14);
    expect(pages.map((r) => r.query.get('pageIndex'))).toEqual(Array.from({ length: 14 }, (_, i) => String(i)));
  });

  it('a limit reads whole pages and trims: 150 of 250 is items 0-149 once each (the reference re-read 50-99)', async () => {
    await setup({ seed: false });
    for (let i = 0; i < 250; i++) emu.addUser({ userName: `u${String(i).padStart(3, '0')}` });
    const users = await client.listUsers(150);
    expect(users.map((u) => u.userName)).toEqual(Array.from({ length: 150 }, (_, i) => `u${String(i).padStart(3, '0')}`));
    expect(calls()).toEqual(['GET /users?pageIndex=0&pageSize=100', 'GET /users?pageIndex=1&pageSize=100']);
  });

  it('a small limit is one request of exactly that size', async () => {
    await setup();
    expect(await client.listUsers(5)).toHaveLength(5);
    expect(calls()).toEqual(['GET /users?pageIndex=0&pageSize=5']);
  });
});

describe('users', () => {
  beforeEach(() => setup());

  it('gets by userName (null on 404) and caches', async () => {
    const alice = await connector.getUser('alice.moreau');
    expect(alice).toMatchObject({ userName: 'alice.moreau', email: 'alice.moreau@sandbox.secgraph.example', isSynchronized: false });
    expect(await connector.getUser('alice.moreau')).toEqual(alice);
    expect(await connector.getUser('nobody')).toBeNull();
    expect(calls()).toEqual(['GET /users/alice.moreau', 'GET /users/nobody']);
  });

  it('creates with all sixteen keys (unset ones null, isSynchronized a boolean), updates only given fields, deletes', async () => {
    const created = await connector.createUser({ userName: 'usertest123', firstName: 'User', lastName: 'Test', email: 'demo.user@demisto.com' });
    expect(created.userName).toBe('usertest123');
    const post = emu.requestsTo(`${BASE}/users`, 'POST')[0]!;
    const body = JSON.parse(post.body) as Record<string, unknown>;
    expect(Object.keys(body)).toHaveLength(16);
    expect(body).toMatchObject({ userName: 'usertest123', firstName: 'User', mobileNumber: null, custom3: null, postalCode: null, isSynchronized: null });

    const updated = await connector.updateUser('usertest123', { firstName: 'Demo', userName: 'testuser' });
    expect(updated).toMatchObject({ userName: 'testuser', firstName: 'Demo', lastName: 'Test' });
    const patch = emu.requestsTo(`${BASE}/users/usertest123`, 'PATCH')[0]!;
    expect(JSON.parse(patch.body)).toEqual({ firstName: 'Demo', userName: 'testuser' });

    const deleted = await connector.deleteUser('testuser');
    expect(deleted.id).toBe(created.id);
    expect(emu.requestsTo(`${BASE}/users/testuser`, 'DELETE')).toHaveLength(1);
    expect(await connector.getUser('testuser')).toBeNull();
    expect((await connector.listUsers()).map((u) => u.userName)).not.toContain('testuser');
  });

  it('a duplicate create is UPSTREAM_REJECTED (409); deleting an unknown user is NOT_FOUND', async () => {
    const dup = await failure(connector.createUser({ userName: 'alice.moreau', firstName: 'A', lastName: 'M', email: 'a@x.example' }));
    expect(dup.extensions).toMatchObject({ code: 'UPSTREAM_REJECTED', upstreamStatus: 409 });
    expect(errorCodeOf(await failure(connector.deleteUser('nobody')))).toBe('NOT_FOUND');
  });

  it('addresses sub-resources by the base64 id, percent-encoded (+ / = and spaces)', async () => {
    const odd = emu.addUser({ userName: 'Ann Lee', id: 'iNlsjym+x1MLesvCSusA/Ac=' });
    expect((await connector.getUser('Ann Lee'))?.id).toBe(odd.id);
    await connector.listUserGroups(odd.id);
    await connector.listUserSessions(odd.id);
    const raw = emu.requests.map((r) => r.path);
    expect(raw).toContain(`${BASE}/users/Ann%20Lee`);
    expect(raw).toContain(`${BASE}/users/iNlsjym%2Bx1MLesvCSusA%2FAc%3D/groups`);
    expect(raw).toContain(`${BASE}/users/iNlsjym%2Bx1MLesvCSusA%2FAc%3D/sessions`);
  });

  it("lists a user's groups and applications (all pages) and sessions (epoch seconds)", async () => {
    const alice = emu.userByName('alice.moreau')!;
    expect((await connector.listUserGroups(alice.id)).map((g) => g.name)).toEqual(['All Staff', 'Finance']);
    expect((await connector.listUserApplications(alice.id)).map((a) => a.name)).toEqual(['Salesforce', 'Office 365', 'Box', 'Workday']);
    emu.sessions.set(alice.id, [{ id: 's1', start: 1633079752, expiry: 1633086960, applications: [{ id: 'a1', name: 'Application1' }] }]);
    expect(await connector.listUserSessions(alice.id)).toEqual([
      { id: 's1', start: new Date('2021-10-01T09:15:52.000Z'), expiry: new Date('2021-10-01T11:16:00.000Z'), applications: [{ id: 'a1', name: 'Application1' }] },
    ]);
  });

  it('terminates sessions with DELETE /users/{id}/sessions and forgets the cached list', async () => {
    const alice = emu.userByName('alice.moreau')!;
    emu.sessions.set(alice.id, [{ id: 's1', start: 1, expiry: 2, applications: [] }]);
    expect(await connector.listUserSessions(alice.id)).toHaveLength(1);
    await connector.terminateUserSessions('alice.moreau');
    expect(emu.requestsTo(`${BASE}/users/${encodeURIComponent(alice.id)}/sessions`, 'DELETE')).toHaveLength(1);
    expect(await connector.listUserSessions(alice.id)).toEqual([]);
    expect(errorCodeOf(await failure(connector.terminateUserSessions('nobody')))).toBe('NOT_FOUND');
  });

  it('tells whether a user has an SSO session, reading STA afresh each time (the lockout playbook decides on it)', async () => {
    const alice = emu.userByName('alice.moreau')!;
    emu.sessions.set(alice.id, []);
    expect(await connector.hasActiveSessions('alice.moreau')).toBe(false);
    emu.sessions.set(alice.id, [{ id: 's1', start: 1, expiry: 2, applications: [] }]);
    expect(await connector.hasActiveSessions('alice.moreau')).toBe(true);
    expect(emu.requestsTo(`${BASE}/users/${encodeURIComponent(alice.id)}/sessions`, 'GET')).toHaveLength(2);
    expect(errorCodeOf(await failure(connector.hasActiveSessions('nobody')))).toBe('NOT_FOUND');
  });
});

describe('groups and membership', () => {
  it('finds a group by exact, case-sensitive name over every page; creates, updates and deletes it', async () => {
    await setup({ maxPageSize: 4 });
    expect((await connector.getGroup('Unusual Activity'))?.name).toBe('Unusual Activity');
    expect(await connector.getGroup('unusual activity')).toBeNull();
    const created = await connector.createGroup({ name: 'TestGroup2', description: 'Group description.' });
    expect(JSON.parse(emu.requestsTo(`${BASE}/groups`, 'POST')[0]!.body)).toEqual({ name: 'TestGroup2', description: 'Group description.', isSynchronized: null });
    expect((await connector.getGroup('TestGroup2'))?.id).toBe(created.id);
    const updated = await connector.updateGroup('TestGroup2', { description: 'Description has been updated.' });
    expect(updated.description).toBe('Description has been updated.');
    expect(JSON.parse(emu.requestsTo(`${BASE}/groups/${created.id}`, 'PATCH')[0]!.body)).toEqual({ description: 'Description has been updated.' });
    await connector.deleteGroup('TestGroup2');
    expect(emu.requestsTo(`${BASE}/groups/${created.id}`, 'DELETE')).toHaveLength(1);
    expect(await connector.getGroup('TestGroup2')).toBeNull();
    const missing = await failure(connector.updateGroup('Nope', { description: 'x' }));
    expect(missing.extensions.code).toBe('NOT_FOUND');
    expect(missing.message).toBe('The group Nope was not found.');
  });

  it('lists members (all pages) with their ids and names', async () => {
    await setup({ maxPageSize: 5 });
    const all = (await connector.getGroup('All Staff'))!;
    const members = await connector.listGroupMembers(all.id);
    expect(members.map((m) => m.name)).toEqual(SANDBOX_PEOPLE.map((p) => p.userName));
    expect(emu.requestsTo(`${BASE}/groups/${all.id}/members`)).toHaveLength(3);
  });

  it("reads every page of the user's groups for the membership check (the reference read only the first)", async () => {
    await setup({ maxPageSize: 2 });
    for (const name of ['G1', 'G2', 'G3']) {
      emu.addGroup(name);
      emu.addMember(name, 'alice.moreau');
    }
    emu.addMember('Unusual Activity', 'alice.moreau'); // sixth group: page 3 at two a page
    expect(await connector.isUserInGroup('alice.moreau', 'Unusual Activity')).toBe(true);
    expect(await connector.isUserInGroup('bilal.haddad', 'Unusual Activity')).toBe(false);
    const alice = emu.userByName('alice.moreau')!;
    expect(emu.requestsTo(`${BASE}/users/${encodeURIComponent(alice.id)}/groups`)).toHaveLength(3);

    // Already a member (found on page 3): adding sends no POST, and is success.
    await connector.addUserToGroup('alice.moreau', 'Unusual Activity');
    expect(emu.requestsTo(/\/members$/, 'POST')).toHaveLength(0);
  });

  it('adds and removes idempotently: POST {id, type: User} once, DELETE once', async () => {
    await setup();
    const bilal = emu.userByName('bilal.haddad')!;
    const group = emu.groupByName('Unusual Activity')!;
    await connector.addUserToGroup('bilal.haddad', 'Unusual Activity');
    await connector.addUserToGroup('bilal.haddad', 'Unusual Activity');
    const posts = emu.requestsTo(`${BASE}/groups/${group.id}/members`, 'POST');
    expect(posts).toHaveLength(1);
    expect(JSON.parse(posts[0]!.body)).toEqual({ id: bilal.id, type: 'User' });
    expect(emu.memberNames('Unusual Activity')).toEqual(['bilal.haddad']);
    expect((await connector.listGroupMembers(group.id)).map((m) => m.name)).toEqual(['bilal.haddad']);

    await connector.removeUserFromGroup('bilal.haddad', 'Unusual Activity');
    await connector.removeUserFromGroup('bilal.haddad', 'Unusual Activity');
    expect(emu.requestsTo(`${BASE}/groups/${group.id}/members/${encodeURIComponent(bilal.id)}`, 'DELETE')).toHaveLength(1);
    expect(emu.memberNames('Unusual Activity')).toEqual([]);
    expect(await connector.listGroupMembers(group.id)).toEqual([]);

    expect(errorCodeOf(await failure(connector.addUserToGroup('nobody', 'Unusual Activity')))).toBe('NOT_FOUND');
    expect(errorCodeOf(await failure(connector.removeUserFromGroup('bilal.haddad', 'Nope')))).toBe('NOT_FOUND');
  });

  it('a 409 from a concurrent add is success, not an error', async () => {
    await setup();
    const group = emu.groupByName('Unusual Activity')!;
    // Someone else adds the user between our membership check and our POST.
    const realAdd = client.addGroupMember.bind(client);
    client.addGroupMember = async (gid, uid) => {
      emu.addMember('Unusual Activity', 'bilal.haddad');
      return realAdd(gid, uid);
    };
    await expect(connector.addUserToGroup('bilal.haddad', 'Unusual Activity')).resolves.toMatchObject({ user: { userName: 'bilal.haddad' }, group: { name: 'Unusual Activity' } });
    expect(emu.requestsTo(`${BASE}/groups/${group.id}/members`, 'POST')).toHaveLength(1);
  });
});

describe('applications and logs', () => {
  beforeEach(() => setup({ maxPageSize: 10 }));

  it('lists applications and gets one by name through GET /applications/{id}', async () => {
    const apps = await connector.listApplications();
    expect(apps.map((a) => a.name)).toContain('Box');
    const box = await connector.getApplicationByName('Box');
    expect(box).toMatchObject({ name: 'Box', status: 'Active', applicationType: 'Saml', assignment: { everyone: false, groups: ['Finance', 'Legal'] } });
    expect(box?.lastModified).toBeInstanceOf(Date);
    expect(calls().at(-1)).toBe(`GET /applications/${box!.id}`);
    expect(await connector.getApplicationByName('Nope')).toBeNull();
  });

  it('sends since/until in the API format and follows next through every logs page', async () => {
    const since = new Date(Date.now() - 3 * 86_400_000);
    const until = new Date(Date.now());
    const byUser = await connector.accessLogsByUser(['alice.moreau'], since, until, 1000);
    const expected = emu.logs.filter((l) => l.context?.principalId === 'alice.moreau' && Date.parse(l.timeStamp!) >= since.getTime());
    expect(byUser.get('alice.moreau')!.map((l) => l.id)).toEqual(expected.map((l) => l.id));
    const first = emu.requestsTo(`${BASE}/logs`)[0]!;
    expect(first.rawQuery).toBe(`since=${encodeURIComponent(since.toISOString())}&until=${encodeURIComponent(until.toISOString())}`);
    expect(emu.requestsTo(`${BASE}/logs`).length).toBeGreaterThan(1);
  });
});

describe('configuration', () => {
  it('is the sandbox with no STA variables, upstream with all three, and a named error with only some', () => {
    expect(loadConfig({}).sta).toMatchObject({ mode: 'sandbox' });
    expect(loadConfig({}).staPlaybooks.unusualActivityGroup).toBe('Unusual Activity');
    const full = loadConfig({ STA_URL: 'https://api.safenet.com/', STA_TENANT_CODE: 'HNSA1UHHA6', STA_API_KEY: 'k-123456', STA_UNUSUAL_ACTIVITY_GROUP: 'TestUnusualActivityGroup' });
    expect(full.sta).toMatchObject({ mode: 'upstream', url: 'https://api.safenet.com', tenantCode: 'HNSA1UHHA6', apiKey: 'k-123456' });
    expect(full.staPlaybooks.unusualActivityGroup).toBe('TestUnusualActivityGroup');
    expect(() => loadConfig({ STA_URL: 'https://api.safenet.com' })).toThrow(new ConfigError('STA_TENANT_CODE', 'is required when STA_URL or STA_API_KEY is set'));
    expect(() => loadConfig({ STA_URL: 'https://api.safenet.com', STA_TENANT_CODE: 'HNSA1UHHA6' })).toThrow(/STA_API_KEY/);
    expect(() => loadConfig({ STA_URL: 'https://x.example', STA_TENANT_CODE: '../other', STA_API_KEY: 'k-123456' })).toThrow(/STA_TENANT_CODE/);
    expect(() => loadConfig({ STA_RETRIES: 'many' })).toThrow(/STA_RETRIES/);
  });
});
