// The triage queue over STA alerts (a fake STA on a ManualClock) and SAML detections: the playbook's own end
// resolves the alert by SYSTEM; closing a push-rejection alert whose user is still parked runs the
// reference's post-processing (removeUserFromGroup) as cancelStaPlaybookRun does; a status change on a SAML
// detection does not reset its dedup window, so a later match joins the resolved alert and its activity says so.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { GatewayError } from '../src/errors.js';
import type { IncomingStaAlert } from '../src/playbooks/sta-playbook-runner.js';
import { AlertDetailDocument, AlertQueueDocument, UpdateAlertStatusDocument } from './gql/graphql.js';
import { AuditRecorder } from './helpers/audit-recorder.js';
import { FakeStaResponder } from './helpers/fake-sta-responder.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-05T09:20:00.000Z');
const GROUP = 'Unusual Activity';
const KEY = 'responder-key-1';
const iso = (t: number) => new Date(t).toISOString();

let gw: TestGateway;
let sta: FakeStaResponder;
let clock: ManualClock;
let audit: AuditRecorder;
afterEach(async () => {
  await gw?.close();
});

async function start(): Promise<void> {
  clock = new ManualClock(T0);
  sta = new FakeStaResponder();
  gw = await startTestGateway({ clock, staResponder: sta, env: { SECGRAPH_API_KEYS: `${KEY}=read+respond`, SAAS_SECURITY_FETCH: 'false' } });
  audit = new AuditRecorder();
  gw.services.audit = audit;
}

let seq = 0;
function staMail(kind: 'PUSH_REJECTION' | 'ACCOUNT_LOCKOUT', userName: string): IncomingStaAlert {
  seq += 1;
  return {
    kind,
    subject: kind === 'PUSH_REJECTION' ? 'SafeNet Trusted Access Push Notification Rejection Alert' : 'SafeNet Trusted Access User Lockout Alert',
    messageId: `<triage-${seq}@sta.example>`,
    sentAt: iso(T0),
    userName,
    tenantName: 'Acme',
    instanceName: null,
    unlockAt: kind === 'ACCOUNT_LOCKOUT' ? iso(T0 + HOUR) : null,
    source: `INBOX/1/${seq}`,
    receivedAt: iso(T0),
  };
}

const detail = async (alertId: string) => {
  const { body } = await gw.gql(AlertDetailDocument, { alertId }, KEY);
  expect(body.errors).toBeUndefined();
  return body.data!.alert!;
};
const update = async (vars: { alertIds: string[]; status: 'OPEN' | 'TRIAGED' | 'RESOLVED' | 'CLOSED'; removeUserFromGroup?: boolean; comment?: string }) => {
  const { body } = await gw.gql(UpdateAlertStatusDocument, vars, KEY);
  expect(body.errors).toBeUndefined();
  return body.data!.updateAlertStatus;
};

describe('STA alerts in the triage queue', () => {
  it('a new alert is OPEN with its severity; the playbook end (user removed after N hours) resolves it by SYSTEM', async () => {
    await start();
    const { alert } = await gw.services.staAlerts.recordAlert(staMail('PUSH_REJECTION', 'demouser'));
    const alertId = `sta:${alert.id}`;
    expect(await detail(alertId)).toMatchObject({ source: 'STA_ALERT', severity: 'HIGH', title: 'STA push notification rejected: demouser', triage: { status: 'OPEN' } });
    await gw.services.staAlerts.tick();
    expect(sta.members(GROUP)).toEqual(['demouser']);
    expect((await detail(alertId)).triage).toMatchObject({ status: 'OPEN', sourceState: 'WAITING' });
    clock.advance(24 * HOUR);
    await gw.services.staAlerts.tick();
    const a = await detail(alertId);
    expect(a.triage).toMatchObject({ status: 'RESOLVED', sourceState: 'COMPLETED', updatedBy: { kind: 'SYSTEM', id: 'sta-playbook' } });
    expect(a.triage.activity.edges.map((e) => [e.node.field, e.node.from, e.node.to, e.node.note])).toEqual([
      ['status', 'OPEN', 'RESOLVED', 'User removed from the Unusual Activity Group.: User successfully removed from the Unusual Activity Group.'],
    ]);
  });

  it('the lockout playbook (sessions terminated) resolves its alert too; its severity is MEDIUM', async () => {
    await start();
    const { alert } = await gw.services.staAlerts.recordAlert(staMail('ACCOUNT_LOCKOUT', 'hellouser'));
    await gw.services.staAlerts.tick();
    clock.advance(120_000);
    await gw.services.staAlerts.tick();
    expect(await detail(`sta:${alert.id}`)).toMatchObject({ severity: 'MEDIUM', triage: { status: 'RESOLVED', updatedBy: { kind: 'SYSTEM' } } });
    expect(sta.callsOf('terminateUserSessions')).toEqual([{ method: 'terminateUserSessions', userName: 'hellouser' }]);
  });

  it('closing a push-rejection alert whose user is parked, with removeUserFromGroup, removes them and cancels the run', async () => {
    await start();
    const { alert } = await gw.services.staAlerts.recordAlert(staMail('PUSH_REJECTION', 'parked'));
    await gw.services.staAlerts.tick();
    expect(sta.members(GROUP)).toEqual(['parked']);
    const [r] = await update({ alertIds: [`sta:${alert.id}`], status: 'CLOSED', removeUserFromGroup: true, comment: 'user confirmed it was them' });
    expect(r).toMatchObject({ error: null, alert: { triage: { status: 'CLOSED', sourceState: 'CANCELLED', updatedBy: { kind: 'API_KEY' } } } });
    expect(sta.members(GROUP)).toEqual([]);
    expect(sta.callsOf('removeUserFromGroup')).toEqual([{ method: 'removeUserFromGroup', userName: 'parked', groupName: GROUP }]);
    const stored = await gw.services.staAlerts.store.get(alert.id);
    expect(stored).toMatchObject({ state: 'CLOSED', run: { state: 'CANCELLED' } });
    const a = await detail(`sta:${alert.id}`);
    expect(a.triage.activity.edges.map((e) => [e.node.field, e.node.to, e.node.actor.kind])).toEqual([
      ['comment', `sta:${alert.id}#c1`, 'API_KEY'],
      ['status', 'CLOSED', 'API_KEY'],
    ]);
    expect(audit.of('updateAlertStatus')).toEqual([expect.objectContaining({ outcome: 'SUCCEEDED', details: expect.objectContaining({ removeUserFromGroup: true }) })]);
    // Nothing left to do at the end of the stay.
    clock.advance(24 * HOUR);
    await gw.services.staAlerts.tick();
    expect(sta.callsOf('removeUserFromGroup')).toHaveLength(1);
  });

  it('without removeUserFromGroup the user stays parked (the reference\'s manual close), RESOLVED', async () => {
    await start();
    const { alert } = await gw.services.staAlerts.recordAlert(staMail('PUSH_REJECTION', 'stays'));
    await gw.services.staAlerts.tick();
    const [r] = await update({ alertIds: [`sta:${alert.id}`], status: 'RESOLVED' });
    expect(r!.alert!.triage.status).toBe('RESOLVED');
    expect(sta.members(GROUP)).toEqual(['stays']);
    expect((await gw.services.staAlerts.store.get(alert.id))!.closeNotes).toContain('stays there until removed by hand');
  });

  it('STA refusing the removal leaves the alert, its run and its status as they were', async () => {
    await start();
    const { alert } = await gw.services.staAlerts.recordAlert(staMail('PUSH_REJECTION', 'refused'));
    await gw.services.staAlerts.tick();
    sta.failNext('removeUserFromGroup', 1, () => new GatewayError('UPSTREAM_REJECTED', 'STA refused'));
    const [r] = await update({ alertIds: [`sta:${alert.id}`], status: 'CLOSED', removeUserFromGroup: true });
    expect(r).toMatchObject({ alert: null, error: { code: 'UPSTREAM_REJECTED' } });
    expect((await detail(`sta:${alert.id}`)).triage).toMatchObject({ status: 'OPEN', sourceState: 'WAITING' });
    expect(sta.members(GROUP)).toEqual(['refused']);
  });

  it('TRIAGED leaves the run alone; removeUserFromGroup is refused where it means nothing', async () => {
    await start();
    const { alert } = await gw.services.staAlerts.recordAlert(staMail('PUSH_REJECTION', 'busy'));
    const lockout = (await gw.services.staAlerts.recordAlert(staMail('ACCOUNT_LOCKOUT', 'other'))).alert;
    await gw.services.staAlerts.tick();
    const results = await update({ alertIds: [`sta:${alert.id}`, `sta:${lockout.id}`], status: 'TRIAGED' });
    expect(results.map((r) => r.alert?.triage.status)).toEqual(['TRIAGED', 'TRIAGED']);
    expect((await gw.services.staAlerts.store.get(alert.id))!.run!.state).toBe('WAITING');
    const [bad] = await update({ alertIds: [`sta:${lockout.id}`], status: 'CLOSED', removeUserFromGroup: true });
    expect(bad!.error).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

const ACTOR = 'arn:aws:sts::111122223333:assumed-role/Admin/mallory';
function samlRecord(eventTime: string): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:mallory', arn: ACTOR, accountId: '111122223333', accessKeyId: 'ASIAEXAMPLE' },
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

async function ingest(...records: Array<Record<string, unknown>>) {
  const session = gw.services.samlDetection!.startIngest('test');
  for (const r of records) session.push({ ok: true, value: r });
  return session.finish();
}

describe('SAML detections in the triage queue', () => {
  it('a later match inside the dedup window joins the same, resolved, alert; its activity says so and the status stays', async () => {
    await start();
    const first = await ingest(samlRecord('2026-01-05T09:00:00Z'));
    const alertId = `saml:${first.detectionIds[0]}`;
    const created = await detail(alertId);
    expect(created).toMatchObject({ source: 'SAML_DETECTION', triage: { status: 'OPEN' } });
    const [r] = await update({ alertIds: [alertId], status: 'RESOLVED' });
    expect(r!.error).toBeNull();
    const later = await ingest(samlRecord('2026-01-05T09:30:00Z'));
    expect(later.detectionIds).toEqual([first.detectionIds[0]]);
    const a = await detail(alertId);
    expect(a).toMatchObject({ eventCount: 2, triage: { status: 'RESOLVED' } });
    expect(a.triage.activity.edges.map((e) => [e.node.field, e.node.to, e.node.actor.kind, e.node.note])).toEqual([
      ['match', '2', 'SYSTEM', 'A later match joined this RESOLVED alert (2 events)'],
      ['status', 'RESOLVED', 'API_KEY', null],
    ]);
    // After the window, a new alert: OPEN.
    const next = await ingest(samlRecord('2026-01-05T11:00:00Z'));
    expect(next.detectionIds[0]).not.toBe(first.detectionIds[0]);
    const { body } = await gw.gql(AlertQueueDocument, { filter: { sources: ['SAML_DETECTION'] } }, KEY);
    expect(body.data!.alerts.edges.map((e) => [e.node.alertId, e.node.triage.status])).toEqual([
      [`saml:${next.detectionIds[0]}`, 'OPEN'],
      [alertId, 'RESOLVED'],
    ]);
  });
});
