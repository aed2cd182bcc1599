// Two gateways on one PostgreSQL database: two analysts changing the same alert at once, one on each
// instance, lose neither change (every one is in the activity, numbered without gaps or repeats), and the
// alertUpdates subscribers of both instances receive the same updates, with the same ids, in the same order.
import { afterAll, afterEach, expect, it } from 'vitest';
import { SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { AddAlertCommentDocument, AlertDetailDocument, AssignAlertsDocument, UpdateAlertStatusDocument } from './gql/graphql.js';
import { postgresCluster } from './helpers/databases.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { sseSubscribe, waitUntil } from './helpers/subscribers.js';

const ALICE = 'alice-key-12345';
const BOB = 'bob-key-1234567';
const UPDATES = 'subscription($after: ID) { alertUpdates(after: $after) { id kind alertId status assignee } }';

const gateways: TestGateway[] = [];
let emulator: SaasSecurityEmulator | null = null;
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close();
});
afterAll(async () => {
  await emulator?.stop();
});

function samlRecord(eventTime: string): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:mallory', arn: 'arn:aws:sts::111122223333:assumed-role/Admin/mallory', accountId: '111122223333' },
    eventTime,
    eventSource: 'iam.amazonaws.com',
    eventName: 'UpdateSAMLProvider',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.7',
    requestParameters: { sAMLProviderArn: 'arn:aws:iam::111122223333:saml-provider/Okta' },
    eventID: `id-${eventTime}`,
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
  };
}

it('two analysts on two instances change one alert at once: every change is kept, and both instances stream the same updates', async () => {
  emulator = new SaasSecurityEmulator();
  await emulator.start();
  const databaseUrl = await (await postgresCluster()).freshDatabase();
  const env = { DATABASE_URL: databaseUrl, SECGRAPH_API_KEYS: `${ALICE}=read+respond, ${BOB}=read+respond`, SECGRAPH_PUBSUB_CATCH_UP: '200ms' };
  const a = await startTestGateway({ sharedEmulator: emulator, env, staResponder: null });
  gateways.push(a);
  const b = await startTestGateway({ sharedEmulator: emulator, env, staResponder: null });
  gateways.push(b);

  const subs = [await sseSubscribe(a.yoga, UPDATES, { key: ALICE }), await sseSubscribe(b.yoga, UPDATES, { key: BOB })];
  await new Promise((r) => setTimeout(r, 200));

  const session = a.services.samlDetection!.startIngest('test');
  session.push({ ok: true, value: samlRecord('2026-01-05T09:00:00Z') });
  const alertId = `saml:${(await session.finish()).detectionIds[0]}`;

  const onA = [
    () => a.gql(AssignAlertsDocument, { alertIds: [alertId], assignee: 'alice@example.com' }, ALICE),
    () => a.gql(UpdateAlertStatusDocument, { alertIds: [alertId], status: 'TRIAGED' }, ALICE),
    ...Array.from({ length: 5 }, (_, i) => () => a.gql(AddAlertCommentDocument, { alertId, body: `alice ${i}` }, ALICE)),
  ];
  const onB = [
    () => b.gql(AssignAlertsDocument, { alertIds: [alertId], assignee: 'bob@example.com' }, BOB),
    () => b.gql(UpdateAlertStatusDocument, { alertIds: [alertId], status: 'RESOLVED' }, BOB),
    ...Array.from({ length: 5 }, (_, i) => () => b.gql(AddAlertCommentDocument, { alertId, body: `bob ${i}` }, BOB)),
  ];
  const answers = await Promise.all([...onA, ...onB].map((f) => f()));
  for (const r of answers) expect(r.body.errors).toBeUndefined();
  const changes = onA.length + onB.length;

  const { body } = await a.gql(`query($id: ID!) { alert(alertId: $id) { triage { comments(first: 100) { edges { node { body } } } activity(first: 100) { edges { node { id field actor { id } } } } } } }`, { id: alertId }, ALICE);
  const activity = body.data.alert.triage.activity.edges.map((e: any) => e.node);
  // Every change of both analysts, each with its own number: 14 changes, ids #a14 … #a1.
  expect(activity.map((x: any) => x.id)).toEqual(Array.from({ length: changes }, (_, i) => `${alertId}#a${changes - i}`));
  expect(activity.filter((x: any) => x.field === 'status')).toHaveLength(2);
  expect(activity.filter((x: any) => x.field === 'assignee')).toHaveLength(2);
  expect(body.data.alert.triage.comments.edges.map((e: any) => e.node.body).sort()).toEqual([...Array.from({ length: 5 }, (_, i) => `alice ${i}`), ...Array.from({ length: 5 }, (_, i) => `bob ${i}`)].sort());

  // CREATED, then one update per change, on both instances, identical and in id order.
  for (const s of subs) await waitUntil(() => s.results.length >= changes + 1, 'every alert update on both instances', 20_000);
  const seen = subs.map((s) => s.results.map((r) => r.data.alertUpdates as { id: string; kind: string; alertId: string }));
  expect(seen[0]).toEqual(seen[1]);
  const ids = seen[0]!.map((u) => Number(u.id));
  expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));
  expect(seen[0]!.map((u) => u.kind).sort()).toEqual(['ASSIGNED', 'ASSIGNED', 'CREATED', ...Array(10).fill('COMMENTED'), 'STATUS_CHANGED', 'STATUS_CHANGED'].sort());
  // The final status and assignee are the last writer's, and the last update says so.
  const detail = await b.gql(AlertDetailDocument, { alertId }, BOB);
  const last = seen[0]!.at(-1)! as unknown as { status: string; assignee: string | null };
  expect(detail.body.data!.alert!.triage).toMatchObject({ status: last.status, assignee: last.assignee });

  // A subscriber resuming on the other instance from the CREATED update gets the rest, same ids.
  const resumed = await sseSubscribe(b.yoga, UPDATES, { key: BOB, variables: { after: String(ids[0]) } });
  await waitUntil(() => resumed.results.length >= changes, 'the replayed updates', 10_000);
  expect(resumed.results.map((r) => r.data.alertUpdates.id)).toEqual(seen[0]!.slice(1).map((u) => u.id));
  for (const s of [...subs, resumed]) await s.cancel();
}, 60_000);
