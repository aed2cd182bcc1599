// Incidents through GraphQL against the SaaS Security emulator: list (paging, filters, cursors), get, close,
// and the request shapes the API requires.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseIncidentDocument, IncidentByIdDocument, IncidentPageDocument } from './gql/graphql.js';
import { recordedFixture } from './helpers/fixtures.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;
afterEach(async () => {
  await gw.close();
});

const DELTA = '/incident/api/incidents/delta';

describe('incidents from the recorded fixtures', () => {
  beforeEach(async () => {
    gw = await startTestGateway({ fixtures: true });
  });

  it('lists them in updated_at order, deriving state from status when the API omits it (incident 4)', async () => {
    const { body } = await gw.gql(IncidentPageDocument, { first: 20 });
    expect(body.errors).toBeUndefined();
    const nodes = body.data!.incidents.edges.map((e) => e.node);
    expect(nodes.map((n) => n.incidentId)).toEqual([3, 5, 6, 7, 8, 9, 10, 4]);
    expect(nodes.find((n) => n.incidentId === 4)).toMatchObject({
      state: 'CLOSED',
      status: 'Closed-Business Justified',
      statusName: 'BUSINESS_JUSTIFIED',
      severity: 'LOW',
      severityRaw: 'Low',
      app: { appName: 'Box 1', appType: 'box' },
    });
    expect(body.data!.incidents.pageInfo.hasNextPage).toBe(false);
  });

  it('reads one incident with every upstream field in camelCase (spec T7)', async () => {
    const fixture = recordedFixture<Record<string, any>>('saas-security/get-incident-by-id.json');
    const { body } = await gw.gql(IncidentByIdDocument, { id: '4' });
    expect(body.errors).toBeUndefined();
    const inc = body.data!.incident!;
    expect(inc).toMatchObject({
      id: '4',
      incidentId: fixture['incident_id'],
      tenant: fixture['tenant'],
      appId: fixture['app_id'],
      assetName: fixture['asset_name'],
      assetSha256: fixture['asset_sha256'],
      assetOwnerEmail: fixture['asset_owner_email'],
      exposureType: fixture['exposure_type'],
      exposureLevel: fixture['exposure_level'],
      policyVersion: fixture['policy_version'],
      status: fixture['status'],
      category: fixture['category'],
      resolvedBy: fixture['resolved_by'],
      state: 'CLOSED',
      createdAt: fixture['created_at'],
      updatedAt: fixture['updated_at'],
      groupIds: [],
    });
    expect(gw.emulator.requestsTo('/incident/api/incidents/4', 'GET')).toHaveLength(1);
  });

  it('answers null when the upstream has no such incident, and BAD_USER_INPUT for a non-numeric id', async () => {
    const missing = await gw.gql(IncidentByIdDocument, { id: '999999' });
    expect(missing.body.errors).toBeUndefined();
    expect(missing.body.data!.incident).toBeNull();
    const bad = await gw.gql(IncidentByIdDocument, { id: 'abc' });
    expect(bad.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(gw.emulator.requestsTo(/\/incident\/api\/incidents\/abc/)).toHaveLength(0);
  });

  it('sends the filters as the API names them, in the reference order', async () => {
    const { body } = await gw.gql(IncidentPageDocument, {
      first: 5,
      filter: {
        from: '2018-10-01T20:22:35.000Z',
        to: '2030-01-01T00:00:00.000Z',
        appIds: ['acf49b2389c09f26ad0ccd2b1a603328', '2642aaa03dc6fc44496bdfffe5e1bc74'],
        state: 'OPEN',
        severities: ['HIGH', 'LOW'],
        statuses: ['NEW', 'IN_PROGRESS'],
      },
    });
    expect(body.errors).toBeUndefined();
    const [req] = gw.emulator.requestsTo(DELTA);
    expect([...req!.query.keys()]).toEqual(['limit', 'from', 'to', 'app_ids', 'state', 'severity', 'status']);
    expect(req!.query.get('limit')).toBe('10');
    expect(req!.query.get('from')).toBe('2018-10-01T20:22:35.000Z');
    expect(req!.query.get('app_ids')).toBe('acf49b2389c09f26ad0ccd2b1a603328,2642aaa03dc6fc44496bdfffe5e1bc74');
    expect(req!.query.get('state')).toBe('open');
    expect(req!.query.get('severity')).toBe('4,2');
    expect(req!.query.get('status')).toBe('open-new,open-in progress');
    // Every incident returned is open and High (the only Low one is closed).
    expect(body.data!.incidents.edges.every((e) => e.node.state === 'OPEN' && e.node.severity === 'HIGH')).toBe(true);
  });

  it('leaves out filters that are not given (no state, no status: both states come back)', async () => {
    await gw.gql(IncidentPageDocument, { first: 10 });
    const [req] = gw.emulator.requestsTo(DELTA);
    expect(req!.rawQuery).toBe('limit=10');
  });

  it('rejects first outside 1..1000 and a reversed window without calling the upstream', async () => {
    for (const first of [0, 1001, -5]) {
      const { body } = await gw.gql(IncidentPageDocument, { first });
      expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    }
    const reversed = await gw.gql(IncidentPageDocument, { filter: { from: '2022-01-01T00:00:00Z', to: '2021-01-01T00:00:00Z' } });
    expect(reversed.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const badCursor = await gw.gql(IncidentPageDocument, { after: 'not-a-cursor' });
    expect(badCursor.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(gw.emulator.requestsTo(DELTA)).toHaveLength(0);
    // Each refusal leaves a log line with its code and the field it came from.
    const refusals = gw.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.code === 'BAD_USER_INPUT');
    expect(refusals).toHaveLength(5);
    expect(refusals[0]).toMatchObject({ path: ['incidents'], msg: 'first must be between 1 and 1000' });
  });

  it('closes an incident with each category, sending the API body and showing the change on the next read (spec T8)', async () => {
    const cases = [
      ['3', 'MISIDENTIFIED', 'misidentified', 'Closed-Misidentified'],
      ['5', 'NO_REASON', 'no_reason', 'Closed-No Reason'],
      ['6', 'BUSINESS_JUSTIFIED', 'business_justified', 'Closed-Business Justified'],
    ] as const;
    for (const [id, category, wire, status] of cases) {
      // Warm the cache so the test proves invalidation.
      expect((await gw.gql(IncidentByIdDocument, { id })).body.data!.incident!.state).toBe('OPEN');
      const { body } = await gw.gql(CloseIncidentDocument, { id, category });
      expect(body.errors).toBeUndefined();
      expect(body.data!.closeIncident).toMatchObject({ incidentId: Number(id), state: 'CLOSED', category: wire, status, resolvedBy: 'api' });
      const [post] = gw.emulator.requestsTo(`/incident/api/incidents/${id}/state`, 'POST');
      expect(JSON.parse(post!.body)).toEqual({ state: 'closed', category: wire });
      expect(post!.headers['content-type']).toBe('application/json');
      const reread = await gw.gql(IncidentByIdDocument, { id });
      expect(reread.body.data!.incident).toMatchObject({ state: 'CLOSED', category: wire });
    }
    const list = await gw.gql(IncidentPageDocument, { filter: { state: 'OPEN' }, first: 20 });
    expect(list.body.data!.incidents.edges.map((e) => e.node.incidentId)).toEqual([7, 8, 9, 10]);
  });

  it('closing an unknown incident is NOT_FOUND and posts nothing', async () => {
    const { body } = await gw.gql(CloseIncidentDocument, { id: '424242', category: 'NO_REASON' });
    expect(body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    expect(gw.emulator.requestsTo(/\/state$/, 'POST')).toHaveLength(0);
  });
});

describe('paging through a larger tenant', () => {
  beforeEach(async () => {
    gw = await startTestGateway({ emulator: { generatedIncidents: 137 } });
  });

  it('asks only for page sizes the API accepts and follows nextPath until first is met', async () => {
    const { body } = await gw.gql(IncidentPageDocument, { first: 25 });
    expect(body.data!.incidents.edges).toHaveLength(25);
    const limits = gw.emulator.requestsTo(DELTA).map((r) => Number(r.query.get('limit')));
    expect(limits.every((l) => l % 10 === 0 && l >= 10 && l <= 1000)).toBe(true);

    const big = await gw.gql(IncidentPageDocument, { first: 1000 });
    expect(big.body.data!.incidents.edges).toHaveLength(137);
    expect(big.body.data!.incidents.pageInfo.hasNextPage).toBe(false);
  });

  it('walks every incident exactly once with after-cursors, whatever first each request uses', async () => {
    const seen: number[] = [];
    let after: string | null | undefined = null;
    const sizes = [7, 30, 1, 50, 13, 100];
    for (let i = 0; ; i++) {
      const res: any = await gw.gql(IncidentPageDocument, { first: sizes[i % sizes.length], after });
      expect(res.body.errors).toBeUndefined();
      const conn = res.body.data.incidents;
      seen.push(...conn.edges.map((e: any) => e.node.incidentId));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(137);
    expect(new Set(seen).size).toBe(137);
    const followed = gw.emulator.requestsTo(DELTA).filter((r) => r.query.has('from'));
    expect(followed.length).toBeGreaterThan(0);
  });

  it('a cursor cannot point the gateway at another endpoint or host', async () => {
    const forged = Buffer.from(JSON.stringify({ p: '//evil.example/steal', s: 0 })).toString('base64url');
    const other = Buffer.from(JSON.stringify({ p: '/remediation/api/assets', s: 0 })).toString('base64url');
    for (const after of [forged, other]) {
      const { body } = await gw.gql(IncidentPageDocument, { after });
      expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    }
    expect(gw.emulator.requests.filter((r) => r.path !== '/oauth/token')).toHaveLength(0);
  });
});
