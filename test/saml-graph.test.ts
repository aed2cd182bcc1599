// SAML detections in the graph: the sandbox's detections (paging, filters, matched events), evaluateSamlRule,
// access rules, and CREATED/UPDATED pushed to subscribers when logs are ingested.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samlRuleSpec } from '../src/detection/rule-spec.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const KEY = 'graph-reader-and-ingester-01';
const NO_READ = 'ingest-only-key-000001';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    samlSandbox: true,
    env: { SECGRAPH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'secgraph-saml-graph-')), SECGRAPH_API_KEYS: `${KEY}=read+ingest,${NO_READ}=ingest` },
  });
});
afterAll(async () => {
  await gw.close();
});

const LIST = `query($filter: SamlDetectionFilter, $first: Int, $after: String) {
  samlDetections(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id ruleId alertType title severity dedupString eventCount firstEventAt lastEventAt accountId actorArn actorName
      indicators { awsAccountIds awsArns ipAddresses domainNames traceIds usernames } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const q = (query: string, variables?: Record<string, unknown>, key = KEY) => gw.gql(query, variables, key);

describe('sandbox detections', () => {
  it('shows the detections of the generated CloudTrail tree, newest first, labelled as sandbox', async () => {
    const { body } = await q(`{ gateway { sandboxes } }`);
    expect(body.data.gateway.sandboxes).toContain('AWS CloudTrail');
    const list = await q(LIST, { first: 50 });
    expect(list.body.errors).toBeUndefined();
    const nodes = list.body.data.samlDetections.edges.map((e: any) => e.node);
    // Create; 3 updates in one window; two updates two hours apart; a delete. Not the failed delete, not the SSO role.
    expect(nodes.map((n: any) => [n.title.match(/performed \[(\w+)\]/)[1], n.eventCount])).toEqual([
      ['DeleteSAMLProvider', 1],
      ['UpdateSAMLProvider', 1],
      ['UpdateSAMLProvider', 1],
      ['UpdateSAMLProvider', 3],
      ['CreateSAMLProvider', 1],
    ]);
    expect(nodes.every((n: any) => n.severity === 'MEDIUM' && n.ruleId === 'AWS.Suspicious.SAML.Activity' && n.alertType === 'RULE' && n.dedupString === n.title)).toBe(true);
    const create = nodes[4];
    expect(create.actorName).toBe('ivan.petrov@sandbox.secgraph.example');
    expect(create.indicators.awsArns).toContain('arn:aws:iam::111122223333:saml-provider/PartnerIdP');
    expect(create.indicators.awsAccountIds).toEqual(['111122223333']);
    expect(create.indicators.ipAddresses).toHaveLength(1);
  });

  it('pages with cursors and filters by account, actor and time', async () => {
    const first = await q(LIST, { first: 2 });
    const page1 = first.body.data.samlDetections;
    expect(page1.edges).toHaveLength(2);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await q(LIST, { first: 10, after: page1.pageInfo.endCursor });
    const page2 = second.body.data.samlDetections;
    expect(page2.edges).toHaveLength(3);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const ids = [...page1.edges, ...page2.edges].map((e: any) => e.node.id);
    expect(new Set(ids).size).toBe(5);

    const dev = await q(LIST, { filter: { accountIds: ['444455556666'] } });
    expect(dev.body.data.samlDetections.edges.map((e: any) => e.node.accountId)).toEqual(['444455556666', '444455556666', '444455556666']);
    const ci = await q(LIST, { filter: { actorArn: 'arn:aws:iam::444455556666:user/ci-deploy' } });
    expect(ci.body.data.samlDetections.edges).toHaveLength(2);
    const day1 = await q(LIST, { filter: { from: '2026-03-02T00:00:00Z', to: '2026-03-02T23:59:59Z' } });
    expect(day1.body.data.samlDetections.edges).toHaveLength(2);

    const bad = await q(LIST, { after: 'not-a-cursor' });
    expect(bad.body.errors![0]!.extensions!['code']).toBe('BAD_USER_INPUT');
    const backwards = await q(LIST, { filter: { from: '2026-03-03T00:00:00Z', to: '2026-03-02T00:00:00Z' } });
    expect(backwards.body.errors![0]!.extensions!['code']).toBe('BAD_USER_INPUT');
  });

  it('serves one detection with its matched events and alert context', async () => {
    const list = await q(LIST, { first: 50 });
    const updates = list.body.data.samlDetections.edges.map((e: any) => e.node).find((n: any) => n.eventCount === 3);
    const { body } = await q(
      `query($id: ID!) { samlDetection(id: $id) { id alertContext events(first: 2) { edges { node { eventId eventTime eventName eventSource awsRegion actorArn record } } pageInfo { hasNextPage endCursor } } } }`,
      { id: updates.id },
    );
    expect(body.errors).toBeUndefined();
    const d = body.data.samlDetection;
    expect(Object.keys(d.alertContext)).toEqual(['eventName', 'eventSource', 'awsRegion', 'recipientAccountId', 'sourceIPAddress', 'userAgent', 'userIdentity', 'PantherFlow Investigation']);
    expect(d.alertContext['PantherFlow Investigation']).toContain('| where arrays.overlap(p_any_aws_arns, [');
    expect(d.events.edges.map((e: any) => e.node.eventTime)).toEqual(['2026-03-02T13:17:00.000Z', '2026-03-02T13:29:00.000Z']);
    expect(d.events.edges[0].node).toMatchObject({ eventName: 'UpdateSAMLProvider', eventSource: 'iam.amazonaws.com', awsRegion: 'us-east-1', actorArn: updates.actorArn });
    expect(d.events.edges[0].node.record.eventID).toBe(d.events.edges[0].node.eventId);
    expect(d.events.pageInfo.hasNextPage).toBe(true);
    const rest = await q(`query($id: ID!, $after: String) { samlDetection(id: $id) { events(first: 5, after: $after) { edges { node { eventTime } } } } }`, {
      id: updates.id,
      after: d.events.pageInfo.endCursor,
    });
    expect(rest.body.data.samlDetection.events.edges.map((e: any) => e.node.eventTime)).toEqual(['2026-03-02T13:48:00.000Z']);
    expect((await q(`{ samlDetection(id: "nope") { id } }`)).body.data.samlDetection).toBeNull();
  });

  it('needs the read scope', async () => {
    const anonymous = await gw.gql(`{ samlDetections { edges { node { id } } } }`);
    expect(anonymous.body.errors![0]!.extensions!['code']).toBe('UNAUTHENTICATED');
    const ingestOnly = await q(`{ samlDetections { edges { node { id } } } }`, undefined, NO_READ);
    expect(ingestOnly.body.errors![0]!.extensions!['code']).toBe('FORBIDDEN');
  });
});

describe('evaluateSamlRule', () => {
  const EVAL = `query($event: JSON!, $asIngested: Boolean) { evaluateSamlRule(event: $event, asIngested: $asIngested) {
    matches ruleError title dedupString alertContext error indicators { awsAccountIds awsArns traceIds usernames } } }`;
  const test1 = () => structuredClone(samlRuleSpec().tests[0]!.log);

  it('gives what the rule gives, storing nothing', async () => {
    const before = (await q(LIST, { first: 50 })).body.data.samlDetections.edges.length;
    const { body } = await q(EVAL, { event: test1() });
    expect(body.errors).toBeUndefined();
    expect(body.data.evaluateSamlRule).toMatchObject({
      matches: true,
      ruleError: false,
      error: null,
      title: '[arn:aws:sts::0123456789:assumed-role/role/account] performed [CreateSAMLProvider] in account [0123456789]',
      dedupString: '[arn:aws:sts::0123456789:assumed-role/role/account] performed [CreateSAMLProvider] in account [0123456789]',
      indicators: { awsAccountIds: ['0123456789'], traceIds: ['ABCDEFGHIJK'], usernames: ['ServiceRole'] },
    });
    expect(body.data.evaluateSamlRule.alertContext['PantherFlow Investigation']).not.toContain('arrays.overlap');
    expect((await q(LIST, { first: 50 })).body.data.samlDetections.edges).toHaveLength(before);
  });

  it('adds the p_* fields of ingestion when asked', async () => {
    const { body } = await q(EVAL, { event: test1(), asIngested: true });
    const flow = body.data.evaluateSamlRule.alertContext['PantherFlow Investigation'];
    expect(flow).toContain("time.parse_timestamp('2021-10-14 21:25:20.000000000')");
    expect(flow).toContain("| where arrays.overlap(p_any_aws_arns, ['arn:aws:iam::0123456789:role/ServiceRole', 'arn:aws:sts::0123456789:assumed-role/role/account'])");
  });

  it('reports a non-matching event and a rule error', async () => {
    const miss = await q(EVAL, { event: { ...test1(), eventName: 'ListSAMLProviders' } });
    expect(miss.body.data.evaluateSamlRule).toMatchObject({ matches: false, ruleError: false, title: null, alertContext: null, error: null });
    const event = test1();
    (event['userIdentity'] as any).arn = 7;
    const err = await q(EVAL, { event });
    expect(err.body.data.evaluateSamlRule).toMatchObject({ matches: false, ruleError: true, error: "AttributeError: 'int' object has no attribute 'endswith' (in rule)" });
  });

  it('refuses an event that is not an object', async () => {
    const { body } = await q(EVAL, { event: [1, 2] });
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'event' });
  });
});

describe('samlDetectionEvents subscription', () => {
  it('pushes CREATED when ingested logs open an alert, then UPDATED when another match joins it', async () => {
    const res = await gw.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query: 'subscription { samlDetectionEvents(filter: { accountIds: ["777788889999"] }) { kind detection { eventCount actorArn } } }' }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const events = (): any[] =>
      text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => JSON.parse(l.slice(6)))
        .filter((d) => d.data)
        .map((d) => d.data.samlDetectionEvents);
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value);
      }
    })();
    const ingest = (minute: number) =>
      gw.yoga.fetch('http://yoga/ingest/cloudtrail', {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}` },
        body: JSON.stringify({
          ...structuredClone(samlRuleSpec().tests[3]!.log),
          recipientAccountId: '777788889999',
          eventTime: `2026-05-01T10:${String(minute).padStart(2, '0')}:00Z`,
        }),
      });
    // The subscription goes live asynchronously: ingest until the first event arrives.
    let minute = 0;
    while (events().length === 0 && minute < 40) {
      expect((await ingest(minute++)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(events()[0]).toEqual({ kind: minute === 1 ? 'CREATED' : 'UPDATED', detection: { eventCount: minute, actorArn: 'arn:aws:sts::0123456789:assumed-role/role/account' } });
    const seen = events().length;
    await ingest(minute);
    while (events().length === seen) await new Promise((r) => setTimeout(r, 10));
    expect(events()[seen]).toEqual({ kind: 'UPDATED', detection: { eventCount: minute + 1, actorArn: 'arn:aws:sts::0123456789:assumed-role/role/account' } });
    await reader.cancel();
    await pump.catch(() => undefined);
  });
});
