// Connection cursors are signed with the deployment's key (HMAC-SHA256, README "Security defaults"): a cursor
// a client forged or altered (another upstream path or page size, another position, another tenant, another
// list, a flipped bit, garbage, the unsigned form of earlier versions) is BAD_USER_INPUT before any upstream
// request (counted on the SaaS Security and STA emulators) or store read. A genuine cursor is accepted by
// every instance of the deployment: with no key configured they share the key generated once in the common
// database (SQLite file or PostgreSQL), with SECGRAPH_CURSOR_KEY they share the configured one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { ConfigError, loadConfig } from '../src/config.js';
import type { WireIncident } from '../src/connectors/saas-security/wire.js';
import { SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { StaEmulator } from '../src/emulators/sta/emulator.js';
import { DeploymentSecrets } from '../src/store/deployment-secrets.js';
import { databaseLocation, ENGINES, open, type EngineName } from './helpers/databases.js';
import { recordedFixture } from './helpers/fixtures.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const TAG_BYTES = 16;
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
/** The payload a cursor carries (everything but its tag), parsed. */
const payloadOf = (cursor: string): any => JSON.parse(Buffer.from(cursor, 'base64url').subarray(0, -TAG_BYTES).toString('utf8'));
/** A cursor with another payload and the original's tag: what a client editing a cursor can make. */
const withPayload = (cursor: string, payload: unknown) =>
  Buffer.concat([Buffer.from(JSON.stringify(payload), 'utf8'), Buffer.from(cursor, 'base64url').subarray(-TAG_BYTES)]).toString('base64url');
/** The cursor with one bit of its tag flipped. */
const flipped = (cursor: string) => {
  const raw = Buffer.from(cursor, 'base64url');
  raw[raw.length - 1]! ^= 0x01;
  return raw.toString('base64url');
};

const INCIDENTS = `query($first: Int, $after: String) { incidents(first: $first, after: $after) { edges { cursor node { incidentId } } pageInfo { hasNextPage endCursor } } }`;
const FIXTURE_IDS = recordedFixture<{ resources: WireIncident[] }>('saas-security/get-incidents.json').resources.length;

describe('forged cursors are refused before anything reaches an upstream or the store', () => {
  const A = 'sta-a';
  const B = 'sta-b';
  const KEY = 'cursor-test-key-12345';
  let dir: string;
  let tenantA: StaEmulator;
  let tenantB: StaEmulator;
  let gw: TestGateway;
  const upstreamRequests = () => gw.emulator.requests.length + tenantA.requests.length + tenantB.requests.length;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'secgraph-cursors-'));
    tenantA = new StaEmulator({ tenantCode: 'TENANTAAA1', apiKey: 'key-of-tenant-a-0001' });
    tenantB = new StaEmulator({ tenantCode: 'TENANTBBB2', apiKey: 'key-of-tenant-b-0002' });
    await tenantA.start();
    await tenantB.start();
    const file = path.join(dir, 'secgraph.yaml');
    writeFileSync(
      file,
      `sta:\n  instances:\n${[
        [A, tenantA],
        [B, tenantB],
      ]
        .map(([name, t]) => `    - name: "${name}"\n      url: ${(t as StaEmulator).url}\n      tenantCode: ${(t as StaEmulator).tenantCode}\n      apiKey: "${(t as StaEmulator).apiKey}"`)
        .join('\n')}\n`,
    );
    gw = await startTestGateway({
      fixtures: true,
      clock: new ManualClock(Date.parse('2021-08-24T18:04:00.000Z')),
      env: { SECGRAPH_CONFIG: file, SAAS_SECURITY_FIRST_FETCH: '2021-08-01', SECGRAPH_API_KEYS: `${KEY}=read+respond+audit` },
    });
    // The fetched incidents are the queue's alerts (comments, activity, the alerts connection).
    await gw.services.incidentSync!.runOnce();
  });
  afterAll(async () => {
    await gw.close();
    await tenantA.stop();
    await tenantB.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the query with each cursor: every one BAD_USER_INPUT, no data, and not one upstream request. */
  async function refused(query: string, cursors: Record<string, string>, variables: Record<string, unknown> = {}): Promise<void> {
    for (const [what, after] of Object.entries(cursors)) {
      const before = upstreamRequests();
      const r = await gw.gql(query, { ...variables, after }, KEY);
      expect(r.body.errors?.[0]?.extensions?.code, what).toBe('BAD_USER_INPUT');
      expect(r.body.errors?.[0]?.message, what).not.toMatch(/incident\/api|limit=/);
      expect(upstreamRequests(), `${what}: upstream requests`).toBe(before);
    }
  }

  it('incidents: another path or page size, another position or tenant, a flipped bit, the unsigned form, garbage', async () => {
    // What a read key could send before cursors were signed: the gateway requested any delta query upstream.
    const busting = { p: '/incident/api/incidents/delta?limit=1000&cache=bust-1', s: 0, t: 'default' };
    await refused(INCIDENTS, {
      'limit=1000, cache-busting (unsigned, as earlier versions wrote cursors)': b64(JSON.stringify(busting)),
      'unsigned, another tenant': b64(JSON.stringify({ ...busting, p: '/incident/api/incidents/delta?limit=10' })),
    });
    const page = await gw.gql(INCIDENTS, { first: 2 }, KEY);
    expect(page.body.errors).toBeUndefined();
    const genuine = page.body.data.incidents.pageInfo.endCursor as string;
    const p = payloadOf(genuine);
    expect(p).toMatchObject({ p: expect.stringMatching(/^\/incident\/api\/incidents\/delta\?limit=10/), s: 2, t: 'default' });
    await refused(INCIDENTS, {
      'limit=1000, cache-busting (the tag of a genuine cursor)': withPayload(genuine, busting),
      'another position': withPayload(genuine, { ...p, s: 0 }),
      'another tenant': withPayload(genuine, { ...p, t: 'sandbox-2' }),
      'a flipped bit in the tag': flipped(genuine),
      'the payload alone': b64(JSON.stringify(p)),
      'the tag alone': Buffer.from(genuine, 'base64url').subarray(-TAG_BYTES).toString('base64url'),
      garbage: 'bm90LWEtY3Vyc29y',
      'not base64url': 'eyJwIjoiL2luY2lkZW50In0=!!',
      'an access-log cursor': (await staLogCursor(A)).cursor,
    });
    // The genuine one still pages on, whatever `first`; with another filter it is another list's.
    const next = await gw.gql(INCIDENTS, { first: 3, after: genuine }, KEY);
    expect(next.body.errors).toBeUndefined();
    expect(next.body.data.incidents.edges).toHaveLength(3);
    const FILTERED = `query($after: String) { incidents(first: 1, after: $after, filter: { state: OPEN }) { edges { node { incidentId } } } }`;
    await refused(FILTERED, { 'a cursor of the unfiltered list': genuine });
  });

  const LOGS = `query($instance: String, $after: String) { staAccessLogs(first: 1, after: $after, instance: $instance, filter: { includeAnonymous: true }) { edges { cursor } pageInfo { endCursor } } }`;
  async function staLogCursor(instance: string): Promise<{ cursor: string; payload: any }> {
    const r = await gw.gql(LOGS, { instance }, KEY);
    expect(r.body.errors).toBeUndefined();
    const cursor = r.body.data.staAccessLogs.pageInfo.endCursor as string;
    return { cursor, payload: payloadOf(cursor) };
  }

  it("STA: access logs with another page reference, another tenant's cursor rewritten for this one, users of another search", async () => {
    await refused(LOGS, { 'an unsigned page reference': b64(JSON.stringify({ p: 'logs?since=2000-01-01T00:00:00.000Z', s: 0, t: B })) }, { instance: B });
    const a = await staLogCursor(A);
    expect(a.payload).toMatchObject({ p: expect.stringMatching(/^logs/), t: A });
    await refused(
      LOGS,
      {
        'another page reference': withPayload(a.cursor, { ...a.payload, p: 'logs?since=2000-01-01T00:00:00.000Z&cache=bust' }),
        "tenant A's cursor rewritten as tenant B's": withPayload(a.cursor, { ...a.payload, t: B }),
        'a flipped bit': flipped(a.cursor),
      },
      { instance: B },
    );
    // A's genuine cursor on B is refused by name (it verifies: same list), still without a request.
    await refused(LOGS, { "tenant A's genuine cursor": a.cursor }, { instance: B });
    // On A with another filter: another scan's cursor.
    const NAMED = `query($after: String) { staAccessLogs(first: 1, after: $after, instance: "${A}", filter: { includeAnonymous: false }) { edges { cursor } } }`;
    await refused(NAMED, { 'a cursor of the scan with anonymous events': a.cursor });
    expect((await gw.gql(LOGS, { instance: A, after: a.cursor }, KEY)).body.errors).toBeUndefined();

    const USERS = `query($search: String, $after: String) { staUsers(first: 1, search: $search, after: $after, instance: "${A}") { edges { node { userName } } pageInfo { endCursor } } }`;
    const users = await gw.gql(USERS, {}, KEY);
    expect(users.body.errors).toBeUndefined();
    const usersCursor = users.body.data.staUsers.pageInfo.endCursor as string;
    await refused(USERS, { "the whole list's cursor on a search": usersCursor, 'rewritten for the search': withPayload(usersCursor, { ...payloadOf(usersCursor), p: 'sta:users?search=a' }) }, { search: 'a' });
    expect((await gw.gql(USERS, { after: usersCursor }, KEY)).body.errors).toBeUndefined();
  });

  it("store lists: the queue's, another alert's comments, the audit log's: edited or foreign cursors are refused", async () => {
    const QUEUE = `query($after: String) { alerts(first: 2, after: $after) { edges { node { alertId } } pageInfo { endCursor } } }`;
    await refused(QUEUE, { 'an unsigned position': b64(JSON.stringify({ c: '2999-01-01T00:00:00.000Z', a: 'saas:default:3' })) });
    const queue = await gw.gql(QUEUE, {}, KEY);
    expect(queue.body.errors).toBeUndefined();
    const qc = queue.body.data.alerts.pageInfo.endCursor as string;
    await refused(QUEUE, {
      'another position': withPayload(qc, { ...payloadOf(qc), c: '2999-01-01T00:00:00.000Z' }),
      'unsigned, as earlier versions': b64(JSON.stringify(payloadOf(qc))),
      "an incidents cursor": (await gw.gql(INCIDENTS, { first: 1 }, KEY)).body.data.incidents.pageInfo.endCursor,
    });
    expect((await gw.gql(QUEUE, { after: qc }, KEY)).body.errors).toBeUndefined();

    const COMMENT = `mutation($alertId: ID!, $body: String!) { addAlertComment(alertId: $alertId, body: $body) { id } }`;
    for (const alertId of ['saas:default:3', 'saas:default:4']) {
      for (const body of ['one', 'two']) expect((await gw.gql(COMMENT, { alertId, body }, KEY)).body.errors).toBeUndefined();
    }
    const COMMENTS = `query($alertId: ID!, $after: String) { alert(alertId: $alertId) { triage { comments(first: 1, after: $after) { edges { node { body } } pageInfo { endCursor } } } } }`;
    const of3 = await gw.gql(COMMENTS, { alertId: 'saas:default:3' }, KEY);
    const c3 = of3.body.data.alert.triage.comments.pageInfo.endCursor as string;
    const onOwn = await gw.gql(COMMENTS, { alertId: 'saas:default:3', after: c3 }, KEY);
    expect(onOwn.body.data.alert.triage.comments.edges.map((e: any) => e.node.body)).toEqual(['one']);
    const onOther = await gw.gql(COMMENTS, { alertId: 'saas:default:4', after: c3 }, KEY);
    expect(onOther.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await gw.gql(COMMENTS, { alertId: 'saas:default:4', after: '2' }, KEY)).body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const AUDIT = `query($after: String) { auditLog(first: 1, after: $after) { edges { node { action } } pageInfo { endCursor } } }`;
    const audit = await gw.gql(AUDIT, {}, KEY);
    expect(audit.body.errors).toBeUndefined();
    const ac = audit.body.data.auditLog.pageInfo.endCursor as string;
    expect((await gw.gql(AUDIT, { after: ac }, KEY)).body.errors).toBeUndefined();
    for (const forged of [b64('audit:999999'), flipped(ac), c3]) {
      expect((await gw.gql(AUDIT, { after: forged }, KEY)).body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('pages through the whole incident list one at a time, as before', async () => {
    const seen: number[] = [];
    let after: string | null = null;
    for (let i = 0; i < FIXTURE_IDS + 1; i++) {
      const r: any = await gw.gql(INCIDENTS, { first: 1, after }, KEY);
      expect(r.body.errors).toBeUndefined();
      seen.push(...r.body.data.incidents.edges.map((e: any) => e.node.incidentId));
      if (!r.body.data.incidents.pageInfo.hasNextPage) break;
      after = r.body.data.incidents.pageInfo.endCursor;
      // Short enough for a URL.
      expect(after!.length).toBeLessThan(200);
    }
    expect(seen).toHaveLength(FIXTURE_IDS);
    expect(new Set(seen).size).toBe(FIXTURE_IDS);
  });
});

describe('one cursor key per deployment', () => {
  const emulator = new SaasSecurityEmulator();
  const gateways: TestGateway[] = [];
  const dirs: string[] = [];
  /** A data dir of its own for a second instance on a PostgreSQL database (removed after the tests). */
  const scratchDir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'secgraph-cursor-instance-'));
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    emulator.load(recordedFixture<{ resources: WireIncident[] }>('saas-security/get-incidents.json').resources);
    await emulator.start();
  });
  afterAll(async () => {
    for (const g of gateways.splice(0)) await g.close();
    await emulator.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function gateway(where: { dataDir: string; databaseUrl: string | null }, env: Record<string, string> = {}): Promise<TestGateway> {
    const g = await startTestGateway({
      sharedEmulator: emulator,
      env: { SECGRAPH_DATA_DIR: where.dataDir, ...(where.databaseUrl ? { DATABASE_URL: where.databaseUrl } : {}), ...env },
    });
    gateways.push(g);
    return g;
  }
  /** The end cursor of a first page on `from`, then what `to` answers for the page after it. */
  async function handOver(from: TestGateway, to: TestGateway): Promise<{ ids: number[]; code: string | undefined }> {
    const first = await from.gql(INCIDENTS, { first: 3 });
    expect(first.body.errors).toBeUndefined();
    const next = await to.gql(INCIDENTS, { first: 3, after: first.body.data.incidents.pageInfo.endCursor });
    return { ids: next.body.data?.incidents.edges.map((e: any) => e.node.incidentId) ?? [], code: next.body.errors?.[0]?.extensions?.code };
  }
  const own = async (engine: EngineName) => databaseLocation(engine);

  for (const engine of ENGINES) {
    it(`${engine}: with no key configured, two instances starting together on one database share the generated key`, async () => {
      const where = await own(engine);
      // On PostgreSQL started at once: both race to generate the key; one row wins and both use it. (Two
      // processes migrating one new SQLite file at once is not a deployment secgraph has; the race on
      // SQLite is the next test's, after the migration.)
      const second = () => gateway(engine === 'sqlite' ? where : { ...where, dataDir: scratchDir() });
      const [one, two] = engine === 'postgres' ? await Promise.all([gateway(where), second()]) : [await gateway(where), await second()];
      const across = await handOver(one!, two!);
      expect(across.code).toBeUndefined();
      expect(across.ids).toHaveLength(3);
      expect(await handOver(two!, one!)).toMatchObject({ code: undefined });
      // The key is logged as generated by exactly one of them, and never its value.
      const generated = [one!, two!].filter((g) => g.logs.text.includes('cursor signing key generated and stored in the database'));
      expect(generated).toHaveLength(1);
      // A gateway on another database has another key: the cursor is foreign there.
      const elsewhere = await gateway(await own(engine));
      expect(await handOver(one!, elsewhere)).toEqual({ ids: [], code: 'BAD_USER_INPUT' });
    });

    it(`${engine}: with SECGRAPH_CURSOR_KEY, instances share the configured key (a rotation keeps accepting the previous one)`, async () => {
      const key = 'k'.repeat(20) + 'configured-cursor-key-1';
      const where = await own(engine);
      const one = await gateway(where, { SECGRAPH_CURSOR_KEY: key });
      const two = await gateway(engine === 'sqlite' ? where : { ...where, dataDir: scratchDir() }, { SECGRAPH_CURSOR_KEY: key });
      expect(await handOver(one, two)).toMatchObject({ code: undefined, ids: expect.arrayContaining([expect.any(Number)]) });
      // The same key on another database: the same deployment as far as cursors go.
      const sameKeyElsewhere = await gateway(await own(engine), { SECGRAPH_CURSOR_KEY: key });
      expect((await handOver(one, sameKeyElsewhere)).code).toBeUndefined();
      // On the same database, the generated key is not the configured one.
      const unconfigured = await gateway(engine === 'sqlite' ? await own(engine) : { ...where, dataDir: scratchDir() });
      expect((await handOver(one, unconfigured)).code).toBe('BAD_USER_INPUT');
      // Rotated: the new key signs, the previous one still verifies; a third key does not.
      const rotated = await gateway(await own(engine), { SECGRAPH_CURSOR_KEY: `${key}-rotated`, SECGRAPH_CURSOR_PREVIOUS_KEY: key });
      expect((await handOver(one, rotated)).code).toBeUndefined();
      expect((await handOver(rotated, one)).code).toBe('BAD_USER_INPUT');
      const other = await gateway(await own(engine), { SECGRAPH_CURSOR_KEY: `${key}-another` });
      expect((await handOver(one, other)).code).toBe('BAD_USER_INPUT');
      for (const g of [one, two, rotated]) {
        expect(g.logs.text).not.toContain(key);
        expect(g.logs.text).toContain('cursor signing key configured');
      }
    });
  }

  for (const engine of ENGINES) {
    it(`${engine}: the generated key is written once, whoever asks first: two handles racing on one database agree`, async () => {
      const where = await own(engine);
      // Two handles (two pools on PostgreSQL, two connections to one file on SQLite), both finding no key.
      const [a, b] = [await open(where), await open(where)];
      const results = await Promise.all([new DeploymentSecrets(a.db).getOrCreate('race', 32), new DeploymentSecrets(b.db).getOrCreate('race', 32)]);
      expect(results[0].secret.equals(results[1].secret)).toBe(true);
      expect(results[0].secret).toHaveLength(32);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect((await new DeploymentSecrets(b.db).getOrCreate('race', 32)).created).toBe(false);
    });
  }

  it('a configured key shorter than 32 characters stops the start, without repeating it', () => {
    expect(() => loadConfig({ SECGRAPH_CURSOR_KEY: 'too-short-a-key' })).toThrow(ConfigError);
    expect(() => loadConfig({ SECGRAPH_CURSOR_KEY: 'too-short-a-key' })).not.toThrow(/too-short-a-key/);
  });
});
