// The triage queue over SaaS Security incidents (the reference's recorded incidents 3..10 fetched from the
// emulator; incident 4 is closed at the source, business_justified): each status move and its upstream
// effect (the close with the mapped category), the activity and audit entries, a refused close leaving the
// status as it was, closes and reopens at the source, and a bulk call with bad ids.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { WireIncident } from '../src/connectors/saas-security/wire.js';
import { AlertDetailDocument, AlertQueueDocument, UpdateAlertStatusDocument } from './gql/graphql.js';
import { AuditRecorder } from './helpers/audit-recorder.js';
import { recordedFixture } from './helpers/fixtures.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const REFERENCE_NOW = Date.parse('2021-08-24T18:04:00.000Z');
const RESPONDER = 'responder-key-1';
const STATE_PATH = (id: number) => `/incident/api/incidents/${id}/state`;

let gw: TestGateway;
let audit: AuditRecorder;
afterEach(async () => {
  await gw?.close();
});

async function fetched(env: Record<string, string> = {}): Promise<ManualClock> {
  const clock = new ManualClock(REFERENCE_NOW);
  gw = await startTestGateway({
    clock,
    fixtures: true,
    env: { SAAS_SECURITY_FIRST_FETCH: '2021-08-01', SAAS_SECURITY_MIRROR_DIRECTION: 'Incoming', SECGRAPH_API_KEYS: `${RESPONDER}=read+respond`, ...env },
  });
  audit = new AuditRecorder();
  gw.services.audit = audit;
  await gw.services.incidentSync!.runOnce();
  clock.advance(60_000);
  return clock;
}

const detail = async (alertId: string) => {
  const { body } = await gw.gql(AlertDetailDocument, { alertId }, RESPONDER);
  expect(body.errors).toBeUndefined();
  return body.data!.alert!;
};
const activity = async (alertId: string) => (await detail(alertId)).triage.activity.edges.map((e) => e.node);
const setStatus = async (vars: { alertIds: string[]; status: 'OPEN' | 'TRIAGED' | 'RESOLVED' | 'CLOSED'; comment?: string; closeCategory?: 'MISIDENTIFIED' | 'BUSINESS_JUSTIFIED' | 'NO_REASON' }) => {
  const { body } = await gw.gql(UpdateAlertStatusDocument, vars, RESPONDER);
  expect(body.errors).toBeUndefined();
  return body.data!.updateAlertStatus;
};
const closeRequests = (id: number) => gw.emulator.requestsTo(STATE_PATH(id), 'POST').map((r) => JSON.parse(r.body));

describe('SaaS Security incidents in the triage queue', () => {
  it('every fetched incident is an alert; one closed at the source with close-mirrored on starts RESOLVED by SYSTEM', async () => {
    await fetched({ SAAS_SECURITY_CLOSE_MIRRORED: 'true' });
    const { body } = await gw.gql(AlertQueueDocument, { first: 50, filter: { sources: ['SAAS_INCIDENT'] } }, RESPONDER);
    expect(body.errors).toBeUndefined();
    const nodes = body.data!.alerts.edges.map((e) => e.node);
    expect(nodes.map((n) => n.alertId).sort()).toEqual([3, 4, 5, 6, 7, 8, 9, 10].map((id) => `saas:default:${id}`).sort());
    // Newest first by created_at.
    const created = nodes.map((n) => String(n.createdAt));
    expect([...created].sort().reverse()).toEqual(created);
    expect(nodes.find((n) => n.alertId === 'saas:default:4')!.triage).toMatchObject({ status: 'RESOLVED', updatedBy: { kind: 'SYSTEM', id: 'incident-fetch' } });
    expect(nodes.find((n) => n.alertId === 'saas:default:5')!.triage).toMatchObject({ status: 'OPEN', sourceState: 'OPEN', assignee: null });
    expect(nodes.every((n) => n.source === 'SAAS_INCIDENT')).toBe(true);
  });

  it('CLOSED closes the incident upstream as misidentified, with the activity, the comment and an audit entry', async () => {
    await fetched();
    const [result] = await setStatus({ alertIds: ['saas:default:5'], status: 'CLOSED', comment: 'test account, not a leak' });
    expect(result).toMatchObject({ alertId: 'saas:default:5', error: null, alert: { triage: { status: 'CLOSED', updatedBy: { kind: 'API_KEY' } } } });
    expect(closeRequests(5)).toEqual([{ state: 'closed', category: 'misidentified' }]);
    expect(gw.emulator.incidents.get(5)).toMatchObject({ state: 'closed', category: 'misidentified' });
    const a = await detail('saas:default:5');
    expect(a.triage.sourceState).toBe('CLOSED (misidentified)');
    expect(a.triage.activity.edges.map((e) => [e.node.field, e.node.from, e.node.to])).toEqual([
      ['comment', null, 'saas:default:5#c1'],
      ['status', 'OPEN', 'CLOSED'],
    ]);
    expect(a.triage.comments.edges.map((e) => e.node.body)).toEqual(['test account, not a leak']);
    expect(audit.of('updateAlertStatus')).toEqual([
      expect.objectContaining({ target: 'alert:saas:default:5', outcome: 'SUCCEEDED', actor: expect.objectContaining({ kind: 'API_KEY' }), details: expect.objectContaining({ status: 'CLOSED' }) }),
    ]);
  });

  it('RESOLVED needs business_justified or no_reason and sends it upstream', async () => {
    await fetched();
    const [missing] = await setStatus({ alertIds: ['saas:default:6'], status: 'RESOLVED' });
    expect(missing!.error).toMatchObject({ code: 'BAD_USER_INPUT' });
    const [wrong] = await setStatus({ alertIds: ['saas:default:6'], status: 'RESOLVED', closeCategory: 'MISIDENTIFIED' });
    expect(wrong!.error).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(closeRequests(6)).toEqual([]);
    const [ok] = await setStatus({ alertIds: ['saas:default:6'], status: 'RESOLVED', closeCategory: 'BUSINESS_JUSTIFIED' });
    expect(ok).toMatchObject({ error: null, alert: { triage: { status: 'RESOLVED' } } });
    expect(closeRequests(6)).toEqual([{ state: 'closed', category: 'business_justified' }]);
    expect(audit.of('updateAlertStatus').map((e) => [e.outcome, e.errorCode])).toEqual([
      ['FAILED', 'BAD_USER_INPUT'],
      ['FAILED', 'BAD_USER_INPUT'],
      ['SUCCEEDED', null],
    ]);
  });

  it('a refused upstream close leaves the status unchanged and fails like closeIncident', async () => {
    await fetched();
    gw.emulator.injectFault({ kind: 'reject', status: 403, message: 'Forbidden' }, { path: /\/state$/ });
    const [result] = await setStatus({ alertIds: ['saas:default:7'], status: 'CLOSED' });
    expect(result).toMatchObject({ alert: null, error: { code: 'UPSTREAM_REJECTED' } });
    const a = await detail('saas:default:7');
    expect(a.triage.status).toBe('OPEN');
    expect(a.triage.activity.edges).toEqual([]);
    expect(audit.of('updateAlertStatus')).toEqual([expect.objectContaining({ outcome: 'FAILED', errorCode: 'UPSTREAM_REJECTED' })]);
  });

  it('TRIAGED touches nothing upstream; a closed incident cannot be moved back (the API cannot reopen)', async () => {
    await fetched();
    const [t] = await setStatus({ alertIds: ['saas:default:8'], status: 'TRIAGED' });
    expect(t!.alert!.triage.status).toBe('TRIAGED');
    expect(closeRequests(8)).toEqual([]);
    await setStatus({ alertIds: ['saas:default:8'], status: 'CLOSED' });
    const [back] = await setStatus({ alertIds: ['saas:default:8'], status: 'OPEN' });
    expect(back!.error).toMatchObject({ code: 'UPSTREAM_REJECTED' });
    expect((await activity('saas:default:8')).map((e) => [e.from, e.to])).toEqual([
      ['TRIAGED', 'CLOSED'],
      ['OPEN', 'TRIAGED'],
    ]);
  });

  it('closeIncident moves the status too, by the analyst who closed', async () => {
    await fetched();
    const { body } = await gw.gql('mutation { closeIncident(id: "9", category: NO_REASON) { incidentId } }', {}, RESPONDER);
    expect(body.errors).toBeUndefined();
    const a = await detail('saas:default:9');
    expect(a.triage).toMatchObject({ status: 'RESOLVED', updatedBy: { kind: 'API_KEY' } });
    expect((await activity('saas:default:9'))[0]).toMatchObject({ field: 'status', from: 'OPEN', to: 'RESOLVED', note: 'Closed in secgraph: no_reason' });
  });

  it('closed at the source: close-mirrored off keeps the status and shows the upstream state beside it', async () => {
    const clock = await fetched({ SAAS_SECURITY_CLOSE_MIRRORED: 'false' });
    gw.emulator.updateIncident(10, { state: 'closed', status: 'Closed-No Reason', category: 'no_reason' });
    clock.advance(60_000);
    await gw.services.incidentSync!.runOnce();
    const a = await detail('saas:default:10');
    expect(a.triage).toMatchObject({ status: 'OPEN', sourceState: 'CLOSED (no_reason)' });
  });

  it('closed at the source with close-mirrored on: RESOLVED/CLOSED by SYSTEM; a reopen at the source makes it OPEN again', async () => {
    const clock = await fetched({ SAAS_SECURITY_CLOSE_MIRRORED: 'true' });
    gw.emulator.updateIncident(10, { state: 'closed', status: 'Closed-Misidentified', category: 'misidentified' });
    clock.advance(60_000);
    await gw.services.incidentSync!.runOnce();
    expect((await detail('saas:default:10')).triage).toMatchObject({ status: 'CLOSED', updatedBy: { kind: 'SYSTEM' } });
    gw.emulator.updateIncident(10, { state: 'open', status: 'Open-New', category: 'new' });
    clock.advance(60_000);
    await gw.services.incidentSync!.runOnce();
    const a = await detail('saas:default:10');
    expect(a.triage).toMatchObject({ status: 'OPEN', sourceState: 'OPEN' });
    expect(a.triage.activity.edges.map((e) => [e.node.from, e.node.to, e.node.actor.kind, e.node.note])).toEqual([
      ['CLOSED', 'OPEN', 'SYSTEM', 'Reopened at the source'],
      ['OPEN', 'CLOSED', 'SYSTEM', 'From SaasSecurity: misidentified'],
    ]);
  });

  it('a bulk call answers per id: bad ids fail alone', async () => {
    await fetched();
    const results = await setStatus({ alertIds: ['saas:default:3', 'not-an-alert', 'sta:nope', 'saas:default:999'], status: 'TRIAGED' });
    expect(results.map((r) => [r.alertId, r.error?.code ?? null, r.alert?.triage.status ?? null])).toEqual([
      ['saas:default:3', null, 'TRIAGED'],
      ['not-an-alert', 'BAD_USER_INPUT', null],
      ['sta:nope', 'NOT_FOUND', null],
      ['saas:default:999', 'NOT_FOUND', null],
    ]);
    const { body } = await gw.gql(UpdateAlertStatusDocument, { alertIds: Array.from({ length: 101 }, (_, i) => `sta:${i}`), status: 'TRIAGED' }, RESPONDER);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('needs the respond scope', async () => {
    await fetched({ SECGRAPH_API_KEYS: `${RESPONDER}=read+respond, reader-key-1=read` });
    const { body } = await gw.gql(UpdateAlertStatusDocument, { alertIds: ['saas:default:3'], status: 'TRIAGED' }, 'reader-key-1');
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });
});

void recordedFixture<{ resources: WireIncident[] }>;
