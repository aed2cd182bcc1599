// The queue itself, whatever the source: filters and keyset paging, assignment, comments (editable only by
// their author, earlier bodies kept), the activity history newest first with cursors, and alertStats.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import {
  AddAlertCommentDocument,
  AlertDetailDocument,
  AlertQueueDocument,
  AlertStatsDocument,
  AssignAlertsDocument,
  EditAlertCommentDocument,
  UpdateAlertStatusDocument,
} from './gql/graphql.js';
import { AuditRecorder } from './helpers/audit-recorder.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const ALICE = 'alice-key-12345';
const BOB = 'bob-key-1234567';
let gw: TestGateway;
let audit: AuditRecorder;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock(Date.parse('2021-08-24T18:04:00.000Z'));
  gw = await startTestGateway({
    clock,
    fixtures: true,
    env: { SAAS_SECURITY_FIRST_FETCH: '2021-08-01', SECGRAPH_API_KEYS: `${ALICE}=read+respond, ${BOB}=read+respond` },
  });
  audit = new AuditRecorder();
  gw.services.audit = audit;
  await gw.services.incidentSync!.runOnce();
});
afterEach(async () => {
  await gw.close();
});

const queue = async (vars: Parameters<typeof gw.gql<any, any>>[1]) => {
  const { body } = await gw.gql(AlertQueueDocument, vars as any, ALICE);
  expect(body.errors).toBeUndefined();
  return body.data!.alerts;
};

describe('the alert queue', () => {
  it('pages newest first with cursors that new alerts cannot shift', async () => {
    const all = (await queue({ first: 50 })).edges.map((e) => e.node.alertId);
    expect(all).toHaveLength(8);
    const first = await queue({ first: 3 });
    expect(first.pageInfo.hasNextPage).toBe(true);
    gw.emulator.createIncident({ created_at: new Date(clock.now()).toISOString() });
    clock.advance(60_000);
    await gw.services.incidentSync!.runOnce();
    const rest = await queue({ first: 50, after: first.pageInfo.endCursor });
    expect([...first.edges, ...rest.edges].map((e) => e.node.alertId)).toEqual(all);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const { body } = await gw.gql(AlertQueueDocument, { after: 'garbage' }, ALICE);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('assigns, filters by assignee, unassigned, status, severity and text, and unassigns with null', async () => {
    const assigned = await gw.gql(AssignAlertsDocument, { alertIds: ['saas:default:5', 'saas:default:6'], assignee: 'alice@example.com' }, ALICE);
    expect(assigned.body.data!.assignAlerts.map((r) => r.alert?.triage.assignee)).toEqual(['alice@example.com', 'alice@example.com']);
    await gw.gql(UpdateAlertStatusDocument, { alertIds: ['saas:default:6'], status: 'TRIAGED' }, ALICE);
    const mine = await queue({ filter: { assignee: 'alice@example.com' } });
    expect(mine.edges.map((e) => e.node.alertId).sort()).toEqual(['saas:default:5', 'saas:default:6']);
    expect((await queue({ filter: { assignee: 'alice@example.com', statuses: ['TRIAGED'] } })).edges.map((e) => e.node.alertId)).toEqual(['saas:default:6']);
    expect((await queue({ filter: { unassigned: true } })).edges).toHaveLength(6);
    const severity = (await queue({ first: 1 })).edges[0]!.node.severity;
    expect((await queue({ filter: { severities: [severity] } })).edges.every((e) => e.node.severity === severity)).toBe(true);
    const detail = await gw.gql(AlertDetailDocument, { alertId: 'saas:default:7' }, ALICE);
    const word = detail.body.data!.alert!.title.split(/[\s:]+/).find((w) => w.length > 3)!;
    const byText = await queue({ filter: { text: word.toUpperCase() } });
    expect(byText.edges.map((e) => e.node.alertId)).toContain('saas:default:7');
    expect((await queue({ filter: { text: 'no such words anywhere %_' } })).edges).toEqual([]);
    const unassigned = await gw.gql(AssignAlertsDocument, { alertIds: ['saas:default:5'], assignee: null }, BOB);
    expect(unassigned.body.data!.assignAlerts[0]!.alert!.triage).toMatchObject({ assignee: null, updatedBy: { kind: 'API_KEY' } });
    const activity = await gw.gql(AlertDetailDocument, { alertId: 'saas:default:5' }, ALICE);
    expect(activity.body.data!.alert!.triage.activity.edges.map((e) => [e.node.field, e.node.from, e.node.to])).toEqual([
      ['assignee', 'alice@example.com', null],
      ['assignee', null, 'alice@example.com'],
    ]);
    expect(audit.of('assignAlerts').map((e) => [e.target, e.outcome])).toEqual([
      ['alert:saas:default:5', 'SUCCEEDED'],
      ['alert:saas:default:6', 'SUCCEEDED'],
      ['alert:saas:default:5', 'SUCCEEDED'],
    ]);
  });

  it('comments: only the author edits, the earlier body is kept, newest first with cursors', async () => {
    const c1 = await gw.gql(AddAlertCommentDocument, { alertId: 'saas:default:3', body: 'first look' }, ALICE);
    expect(c1.body.data!.addAlertComment).toMatchObject({ id: 'saas:default:3#c1', body: 'first look', author: { kind: 'API_KEY' } });
    await gw.gql(AddAlertCommentDocument, { alertId: 'saas:default:3', body: 'second look' }, BOB);
    const denied = await gw.gql(EditAlertCommentDocument, { commentId: 'saas:default:3#c1', body: 'rewritten by bob' }, BOB);
    expect(denied.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    const edited = await gw.gql(EditAlertCommentDocument, { commentId: 'saas:default:3#c1', body: 'first look, corrected' }, ALICE);
    expect(edited.body.data!.editAlertComment).toMatchObject({ body: 'first look, corrected', previousBodies: ['first look'], editedAt: expect.any(String) });
    const { body } = await gw.gql(AlertDetailDocument, { alertId: 'saas:default:3' }, ALICE);
    const triage = body.data!.alert!.triage;
    expect(triage.comments.edges.map((e) => e.node.body)).toEqual(['second look', 'first look, corrected']);
    expect(triage.activity.edges.map((e) => e.node.note)).toEqual(['edited', null, null]);
    const ACTIVITY = `query($c: String) { alert(alertId: "saas:default:3") { triage { activity(first: 1, after: $c) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } } }`;
    const newest = (await gw.gql(ACTIVITY, {}, ALICE)).body.data.alert.triage.activity;
    expect(newest.edges.map((e: any) => e.node.id)).toEqual(['saas:default:3#a3']);
    const page = await gw.gql(ACTIVITY, { c: newest.pageInfo.endCursor }, ALICE);
    expect(page.body.data.alert.triage.activity).toMatchObject({ edges: [{ cursor: expect.any(String), node: { id: 'saas:default:3#a2' } }], pageInfo: { hasNextPage: true } });
    // Cursors are signed (README "Security defaults"): the bare number is not one.
    expect((await gw.gql(ACTIVITY, { c: '3' }, ALICE)).body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const missing = await gw.gql(AddAlertCommentDocument, { alertId: 'sta:nope', body: 'x' }, ALICE);
    expect(missing.body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect(audit.of('addAlertComment').map((e) => e.outcome)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'FAILED']);
    expect(audit.of('editAlertComment').map((e) => [e.outcome, e.errorCode])).toEqual([
      ['FAILED', 'FORBIDDEN'],
      ['SUCCEEDED', null],
    ]);
  });

  it('alertStats counts by status, severity, source and assignee, with times to triage and to resolve', async () => {
    await gw.gql(AssignAlertsDocument, { alertIds: ['saas:default:5'], assignee: 'alice@example.com' }, ALICE);
    await gw.gql(UpdateAlertStatusDocument, { alertIds: ['saas:default:5', 'saas:default:6'], status: 'TRIAGED' }, ALICE);
    await gw.gql(UpdateAlertStatusDocument, { alertIds: ['saas:default:6'], status: 'CLOSED' }, ALICE);
    const { body } = await gw.gql(AlertStatsDocument, {}, ALICE);
    expect(body.errors).toBeUndefined();
    const s = body.data!.alertStats;
    expect(s.total).toBe(8);
    expect(s.bySource).toEqual([{ key: 'SAAS_INCIDENT', count: 8 }]);
    expect(Object.fromEntries(s.byStatus.map((c) => [c.key, c.count]))).toMatchObject({ OPEN: 6, TRIAGED: 1, CLOSED: 1 });
    expect(s.byAssignee).toContainEqual({ assignee: 'alice@example.com', count: 1 });
    expect(s.byAssignee).toContainEqual({ assignee: null, count: 7 });
    expect(s.bySeverity.reduce((n, c) => n + c.count, 0)).toBe(8);
    expect(s.timeToTriage.count).toBe(2);
    expect(s.timeToResolve.count).toBe(1);
    expect(s.timeToTriage.medianSeconds).toBeGreaterThan(0);
    const none = await gw.gql(AlertStatsDocument, { sources: ['STA_ALERT'] }, ALICE);
    expect(none.body.data!.alertStats).toMatchObject({ total: 0, timeToTriage: { count: 0, medianSeconds: null } });
    // The same numbers for Prometheus (times over the alerts created in the last 7 days: the recording is older).
    const metrics = await (await gw.yoga.fetch('http://yoga/metrics')).text();
    expect(metrics).toMatch(/secgraph_alerts\{source="SAAS_INCIDENT",status="OPEN"\} 6/);
    expect(metrics).toMatch(/secgraph_alerts\{source="SAAS_INCIDENT",status="CLOSED"\} 1/);
    expect(metrics).toMatch(/secgraph_alert_time_to_triage_seconds\{quantile="0.5"\} Nan/);
  });
});
