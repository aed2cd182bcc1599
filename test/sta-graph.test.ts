// STA in the graph, against the STA emulator on loopback through the real services and yoga app: queries,
// connections and cursors, mutations and their scopes, typed errors, and DataLoader batching (counted in
// the emulator's request log).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_PEOPLE } from '../src/emulators/sandbox-people.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const READ = 'reader-key-0001';
const RESPOND = 'responder-key-0002';

let gw: TestGateway;
beforeEach(async () => {
  gw = await startTestGateway({ sta: true, env: { SECGRAPH_API_KEYS: `${READ}=read,${RESPOND}=read+respond` } });
});
afterEach(async () => {
  await gw.close();
});

const sta = () => gw.sta!;
const base = () => sta().basePath;
const read = (q: string, v?: Record<string, unknown>) => gw.gql(q, v, READ);
const respond = (q: string, v?: Record<string, unknown>) => gw.gql(q, v, RESPOND);

describe('queries', () => {
  it('answers a user with groups, applications, sessions and access logs; null for an unknown user', async () => {
    const { body } = await read(`{
      staUser(userName: "alice.moreau") {
        userName email firstName lastName isSynchronized
        groups { name } applications { name applicationType assignment { everyone groups } }
        sessions { id start expiry applicationNames }
        accessLogs(first: 3) { userName timeStamp resultText ip }
      }
      nobody: staUser(userName: "nobody") { id }
    }`);
    expect(body.errors).toBeUndefined();
    const u = body.data.staUser;
    expect(u).toMatchObject({ userName: 'alice.moreau', email: 'alice.moreau@sandbox.secgraph.example', firstName: 'Alice', isSynchronized: false });
    expect(u.groups.map((g: any) => g.name)).toEqual(['All Staff', 'Finance']);
    expect(u.applications.find((a: any) => a.name === 'Box')).toEqual({ name: 'Box', applicationType: 'Saml', assignment: { everyone: false, groups: ['Finance', 'Legal'] } });
    const alice = sta().userByName('alice.moreau')!;
    expect(u.sessions.map((s: any) => s.id)).toEqual((sta().sessions.get(alice.id) ?? []).map((s) => s.id));
    expect(u.accessLogs.length).toBe(3);
    expect(u.accessLogs.every((l: any) => l.userName === 'alice.moreau')).toBe(true);
    expect(body.data.nobody).toBeNull();
  });

  it('pages users with cursors and searches them', async () => {
    const page = `query($after: String, $search: String) { staUsers(first: 5, after: $after, search: $search) { edges { cursor node { userName } } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { body } = await read(page, { after });
      expect(body.errors).toBeUndefined();
      seen.push(...body.data.staUsers.edges.map((e: any) => e.node.userName));
      if (!body.data.staUsers.pageInfo.hasNextPage) break;
      after = body.data.staUsers.pageInfo.endCursor;
    }
    expect(seen).toEqual(SANDBOX_PEOPLE.map((p) => p.userName));
    const { body } = await read(page, { search: 'MOREAU' });
    expect(body.data.staUsers.edges.map((e: any) => e.node.userName)).toEqual(['alice.moreau']);

    const bad = await read(page, { after: 'not-a-cursor' });
    expect(bad.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('answers a group with its members as a connection, the group list, and null for an unknown group', async () => {
    const q = `query($after: String) { staGroup(name: "All Staff") { id name description members(first: 5, after: $after) { edges { node { userName user { email } } } pageInfo { hasNextPage endCursor } } } staGroups { name } none: staGroup(name: "Nope") { id } }`;
    const first = await read(q);
    expect(first.body.errors).toBeUndefined();
    const g = first.body.data.staGroup;
    expect(g.members.edges.map((e: any) => e.node.userName)).toEqual(SANDBOX_PEOPLE.slice(0, 5).map((p) => p.userName));
    expect(g.members.edges[0].node.user.email).toBe(SANDBOX_PEOPLE[0]!.email);
    expect(first.body.data.staGroups.map((x: any) => x.name)).toContain('Unusual Activity');
    expect(first.body.data.none).toBeNull();
    const second = await read(q, { after: g.members.pageInfo.endCursor });
    expect(second.body.data.staGroup.members.edges.map((e: any) => e.node.userName)).toEqual(SANDBOX_PEOPLE.slice(5, 10).map((p) => p.userName));
  });

  it('lists access logs filtered by user across pages, with the reference argument rules as typed errors', async () => {
    sta().maxPageSize = 10;
    const q = `query($filter: StaAccessLogFilter, $after: String) { staAccessLogs(filter: $filter, first: 4, after: $after) { edges { node { id userName } } pageInfo { hasNextPage endCursor } } }`;
    const expected = sta().logs.filter((l) => l.context?.principalId === 'hana.sato').map((l) => l.id);
    const got: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { body } = await read(q, { filter: { userName: 'hana.sato', since: '2000-01-01T00:00:00.000Z' }, after });
      expect(body.errors).toBeUndefined();
      got.push(...body.data.staAccessLogs.edges.map((e: any) => e.node.id));
      if (!body.data.staAccessLogs.pageInfo.hasNextPage) break;
      after = body.data.staAccessLogs.pageInfo.endCursor;
    }
    expect(got).toEqual(expected);

    const untilOnly = await read(q, { filter: { until: '2026-01-01T00:00:00.000Z' } });
    expect(untilOnly.body.errors![0]!).toMatchObject({ message: 'Use until argument only while using since.', extensions: { code: 'BAD_USER_INPUT' } });
    const reversed = await read(q, { filter: { since: '2026-01-02T00:00:00.000Z', until: '2026-01-01T00:00:00.000Z' } });
    expect(reversed.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const unknown = await read(q, { filter: { userName: 'nobody' } });
    expect(unknown.body.errors![0]!.extensions!.code).toBe('NOT_FOUND');
  });

  it('answers applications, one by name, the tenant check and the membership check', async () => {
    const { body } = await read(`{ staApplications { name status } staApplication(name: "AWS Console") { name assignment { groups } lastModified }
      staTenantAccessible yes: staUserInGroup(userName: "ivan.petrov", groupName: "IT") no: staUserInGroup(userName: "ivan.petrov", groupName: "HR") }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.staApplications).toHaveLength(6);
    expect(body.data.staApplication).toMatchObject({ name: 'AWS Console', assignment: { groups: ['Engineering', 'IT', 'Security'] } });
    expect(body.data).toMatchObject({ staTenantAccessible: true, yes: true, no: false });
  });
});

describe('mutations', () => {
  const ADD = `mutation($u: String!, $g: String!) { addStaUserToGroup(userName: $u, groupName: $g) { isMember user { userName } group { name } } }`;
  const REMOVE = `mutation($u: String!, $g: String!) { removeStaUserFromGroup(userName: $u, groupName: $g) { isMember } }`;

  it('need the respond scope', async () => {
    const vars = { u: 'dana.kowalski', g: 'Unusual Activity' };
    const anonymous = await gw.gql(ADD, vars);
    expect(anonymous.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const reader = await read(ADD, vars);
    expect(reader.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    for (const m of [
      `mutation { terminateStaUserSessions(userName: "dana.kowalski") { id } }`,
      `mutation { deleteStaUser(userName: "dana.kowalski") { id } }`,
      `mutation { createStaGroup(input: { name: "X" }) { id } }`,
    ]) {
      expect((await read(m)).body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    }
    expect(sta().requestsTo(/members|sessions/, 'POST')).toHaveLength(0);
    expect(sta().requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  it('add and remove are idempotent: the second call succeeds and sends nothing', async () => {
    const vars = { u: 'dana.kowalski', g: 'Unusual Activity' };
    for (let i = 0; i < 2; i++) {
      const { body } = await respond(ADD, vars);
      expect(body.errors).toBeUndefined();
      expect(body.data.addStaUserToGroup).toEqual({ isMember: true, user: { userName: 'dana.kowalski' }, group: { name: 'Unusual Activity' } });
    }
    expect(sta().requestsTo(/\/members$/, 'POST')).toHaveLength(1);
    expect(sta().memberNames('Unusual Activity')).toEqual(['dana.kowalski']);
    for (let i = 0; i < 2; i++) expect((await respond(REMOVE, vars)).body.data.removeStaUserFromGroup).toEqual({ isMember: false });
    expect(sta().requestsTo(/\/members\/[^/]+$/, 'DELETE')).toHaveLength(1);
    expect(sta().memberNames('Unusual Activity')).toEqual([]);

    const missing = await respond(ADD, { u: 'dana.kowalski', g: 'Nope' });
    expect(missing.body.errors![0]!).toMatchObject({ message: 'The group Nope was not found.', extensions: { code: 'NOT_FOUND' } });
    const blank = await respond(ADD, { u: '  ', g: 'Unusual Activity' });
    expect(blank.body.errors![0]!.extensions!).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'userName' });
  });

  it('terminates a user\'s sessions', async () => {
    const kofi = sta().userByName('kofi.mensah')!;
    sta().sessions.set(kofi.id, [{ id: 'live', start: 1, expiry: 2, applications: [] }]);
    const { body } = await respond(`mutation { terminateStaUserSessions(userName: "kofi.mensah") { userName sessions { id } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.terminateStaUserSessions).toEqual({ userName: 'kofi.mensah', sessions: [] });
    expect(sta().requestsTo(`${base()}/users/${encodeURIComponent(kofi.id)}/sessions`, 'DELETE')).toHaveLength(1);
  });

  it('creates, updates and deletes users and groups', async () => {
    const created = await respond(`mutation { createStaUser(input: { userName: "newuser", firstName: "New", lastName: "User", email: "new@x.example" }) { id userName } }`);
    expect(created.body.errors).toBeUndefined();
    const updated = await respond(`mutation { updateStaUser(userName: "newuser", input: { userName: "renamed", city: "Lyon" }) { userName city } }`);
    expect(updated.body.data.updateStaUser).toEqual({ userName: 'renamed', city: 'Lyon' });
    const listed = await read(`{ staUsers(first: 100, search: "renamed") { edges { node { userName } } } }`);
    expect(listed.body.data.staUsers.edges).toEqual([{ node: { userName: 'renamed' } }]);
    const deleted = await respond(`mutation { deleteStaUser(userName: "renamed") { id name deleted } }`);
    expect(deleted.body.data.deleteStaUser).toEqual({ id: created.body.data.createStaUser.id, name: 'renamed', deleted: true });
    expect((await read(`{ staUser(userName: "renamed") { id } }`)).body.data.staUser).toBeNull();
    const dup = await respond(`mutation { createStaUser(input: { userName: "alice.moreau", firstName: "A", lastName: "M", email: "a@x.example" }) { id } }`);
    expect(dup.body.errors![0]!.extensions!).toMatchObject({ code: 'UPSTREAM_REJECTED', upstreamStatus: 409 });

    const g = await respond(`mutation { createStaGroup(input: { name: "TestGroup2", description: "Group description." }) { id name } }`);
    expect(g.body.data.createStaGroup.name).toBe('TestGroup2');
    const gu = await respond(`mutation { updateStaGroup(name: "TestGroup2", input: { name: "TestGroup3" }) { name description } }`);
    expect(gu.body.data.updateStaGroup).toEqual({ name: 'TestGroup3', description: 'Group description.' });
    expect((await read(`{ staGroup(name: "TestGroup3") { id } }`)).body.data.staGroup.id).toBe(g.body.data.createStaGroup.id);
    const gd = await respond(`mutation { deleteStaGroup(name: "TestGroup3") { name deleted } }`);
    expect(gd.body.data.deleteStaGroup).toEqual({ name: 'TestGroup3', deleted: true });
    expect((await read(`{ staGroup(name: "TestGroup3") { id } }`)).body.data.staGroup).toBeNull();
  });
});

describe('batching and errors', () => {
  it('batches user sub-fields: one user listing, one call per user per resource, one logs scan for all users', async () => {
    const { body } = await read(`{ staUsers(first: 12) { edges { node { userName
      groups { name } sessions { id } applications { name } accessLogs(first: 2) { id }
      again: groups { id } } } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.staUsers.edges).toHaveLength(12);
    const count = (re: RegExp) => sta().requests.filter((r) => re.test(r.path)).length;
    expect(count(/\/users$/)).toBe(1);
    expect(count(/\/users\/[^/]+\/groups$/)).toBe(12);
    expect(count(/\/users\/[^/]+\/sessions$/)).toBe(12);
    expect(count(/\/users\/[^/]+\/applications$/)).toBe(12);
    expect(count(/\/logs$/)).toBe(1);

    const before = sta().requests.length;
    await read(`{ a: staUser(userName: "lena.lindqvist") { id } b: staUser(userName: "lena.lindqvist") { email }
      staGroup(name: "Security") { members { edges { node { user { userName } } } } } }`);
    expect(sta().requests.slice(before).filter((r) => r.path.endsWith('/users/lena.lindqvist'))).toHaveLength(1);
  });

  it('turns an upstream outage into UPSTREAM_UNAVAILABLE and keeps serving; never shows the API key', async () => {
    sta().injectFault({ kind: 'server-error', status: 503 }, { times: 3 });
    const down = await read(`{ staGroups { name } }`);
    expect(down.body.errors![0]!.extensions!).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'SafeNet Trusted Access' });
    const up = await read(`{ staGroups { name } }`);
    expect(up.body.errors).toBeUndefined();
    expect(JSON.stringify(down.body)).not.toContain(sta().apiKey);
    expect(gw.logs.text).not.toContain(sta().apiKey);
  });
});
