// Every action attributed: each mutation (SaaS Security, STA users, groups and sessions, playbook retry and
// cancel) leaves one audit entry with its caller, target, outcome and the arguments that matter, completed
// FAILED with the upstream's code when the upstream refuses; playbook steps that act on STA, CloudTrail
// ingestion (HTTP and the folder watcher) are audited as SYSTEM or as their caller.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../src/domain/audit-entry.js';
import type { IncomingStaAlert } from '../src/playbooks/sta-playbook-runner.js';
import type { AuditFilter } from '../src/store/audit-entries.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const RESPONDER = 'responder-key-0001';
const INGESTER = 'ingester-key-0002';
let gw: TestGateway;
let cloudtrailDir: string;
const FOLDER_FILE = 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/02/111122223333_CloudTrail_us-east-1_20260102T0000Z_a.json';

beforeAll(async () => {
  cloudtrailDir = mkdtempSync(path.join(tmpdir(), 'secgraph-audit-ct-'));
  mkdirSync(path.join(cloudtrailDir, path.dirname(FOLDER_FILE)), { recursive: true });
  writeFileSync(path.join(cloudtrailDir, FOLDER_FILE), JSON.stringify({ Records: [{ eventVersion: '1.08', eventTime: '2026-01-02T00:00:00Z', eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity', eventID: 'e-1', recipientAccountId: '111122223333' }] }));
  gw = await startTestGateway({
    fixtures: true,
    sta: true,
    env: { SECGRAPH_API_KEYS: `${RESPONDER}=read+respond,${INGESTER}=ingest`, CLOUDTRAIL_DIR: cloudtrailDir, CLOUDTRAIL_POLL_INTERVAL_MS: '100', CLOUDTRAIL_SETTLE_MS: '0' },
  });
});
afterAll(async () => {
  await gw?.close();
});

const respond = async (query: string, variables?: Record<string, unknown>) => (await gw.gql(query, variables, RESPONDER)).body;
const entries = (filter: AuditFilter) => gw.services.auditTrail!.page(filter, 100, null);
const only = async (filter: AuditFilter): Promise<AuditEntry> => {
  const found = await entries(filter);
  expect(found, JSON.stringify(filter)).toHaveLength(1);
  return found[0]!;
};
const responderActor = () => ({ kind: 'API_KEY', id: expect.stringMatching(/^key:[0-9a-f]{8}$/), name: null, email: null });

describe('mutations are audited', () => {
  it('closeIncident and remediateAsset: caller, target, arguments, SUCCEEDED', async () => {
    const closed = await respond(`mutation { closeIncident(id: "3", category: MISIDENTIFIED) { id } }`);
    expect(closed.errors).toBeUndefined();
    const entry = await only({ action: 'closeIncident' });
    expect(entry).toMatchObject({ target: 'incident:3', outcome: 'SUCCEEDED', errorCode: null, details: { category: 'MISIDENTIFIED' }, actor: responderActor() });
    expect(entry.requestId).toMatch(/.+/);
    expect(entry.completedAt).not.toBeNull();

    await respond(`mutation { remediateAsset(assetId: "asset-1", type: QUARANTINE) { assetId } }`);
    expect(await only({ action: 'remediateAsset' })).toMatchObject({ target: 'asset:asset-1', details: { type: 'QUARANTINE', removeInheritedSharing: false } });
  });

  it('STA user, group and session mutations: one entry each with its target', async () => {
    const calls: Array<[string, string, Record<string, unknown>]> = [
      ['createStaUser', 'staUser:audit.user', {}],
      ['updateStaUser', 'staUser:audit.user', { changed: ['city'] }],
      ['addStaUserToGroup', 'staUser:audit.user', { group: 'Unusual Activity' }],
      ['removeStaUserFromGroup', 'staUser:audit.user', { group: 'Unusual Activity' }],
      ['terminateStaUserSessions', 'staUser:audit.user', {}],
      ['deleteStaUser', 'staUser:audit.user', {}],
      ['createStaGroup', 'staGroup:Audit Group', {}],
      ['updateStaGroup', 'staGroup:Audit Group', { changed: ['description'] }],
      ['deleteStaGroup', 'staGroup:Audit Group', {}],
    ];
    for (const m of [
      `mutation { createStaUser(input: { userName: "audit.user", firstName: "Au", lastName: "Dit", email: "audit.user@x.example" }) { id } }`,
      `mutation { updateStaUser(userName: "audit.user", input: { city: "Lyon" }) { id } }`,
      `mutation { addStaUserToGroup(userName: "audit.user", groupName: "Unusual Activity") { isMember } }`,
      `mutation { removeStaUserFromGroup(userName: "audit.user", groupName: "Unusual Activity") { isMember } }`,
      `mutation { terminateStaUserSessions(userName: "audit.user") { id } }`,
      `mutation { deleteStaUser(userName: "audit.user") { id } }`,
      `mutation { createStaGroup(input: { name: "Audit Group" }) { id } }`,
      `mutation { updateStaGroup(name: "Audit Group", input: { description: "d" }) { id } }`,
      `mutation { deleteStaGroup(name: "Audit Group") { id } }`,
    ]) {
      expect((await respond(m)).errors, m).toBeUndefined();
    }
    for (const [action, target, details] of calls) {
      expect(await only({ action }), action).toMatchObject({ target, outcome: 'SUCCEEDED', actor: responderActor(), details });
    }
  });

  it('a call the upstream refuses is completed FAILED with its code, not dropped', async () => {
    const r = await respond(`mutation { removeStaUserFromGroup(userName: "nobody.here", groupName: "Unusual Activity") { isMember } }`);
    const code = r.errors?.[0]?.extensions?.code;
    expect(code).toBe('NOT_FOUND');
    expect(await only({ action: 'removeStaUserFromGroup', target: 'staUser:nobody.here' })).toMatchObject({ outcome: 'FAILED', errorCode: code });

    const unknown = await respond(`mutation { closeIncident(id: "99999999", category: MISIDENTIFIED) { id } }`);
    expect(unknown.errors?.[0]?.extensions?.code).toMatch(/.+/);
    expect(await only({ target: 'incident:99999999' })).toMatchObject({ action: 'closeIncident', outcome: 'FAILED', errorCode: unknown.errors?.[0]?.extensions?.code });
  });

  it('a refused caller (no respond scope) leaves no entry: nothing was attempted', async () => {
    const before = (await entries({})).length;
    const r = await gw.gql(`mutation { closeIncident(id: "4", category: MISIDENTIFIED) { id } }`, {}, INGESTER);
    expect(r.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect(await entries({ target: 'incident:4' })).toEqual([]);
    expect((await entries({})).length).toBe(before);
  });
});

let seq = 0;
const pushAlert = (userName: string): IncomingStaAlert => ({
  kind: 'PUSH_REJECTION',
  subject: 'SafeNet Trusted Access Push Notification Rejection Alert',
  messageId: `<audit-${++seq}@sta.example>`,
  sentAt: null,
  userName,
  tenantName: null,
  instanceName: null,
  unlockAt: null,
  source: `INBOX/9/${seq}`,
  receivedAt: null,
});

describe('playbooks, ingestion and jobs are audited', () => {
  it('a playbook step that acts on STA is recorded as SYSTEM sta-playbook-timers, playbook.<STEP>', async () => {
    const { alert } = await gw.services.staAlerts.recordAlert(pushAlert('dana.kowalski'));
    let found: AuditEntry[] = [];
    for (let i = 0; i < 150 && !found.some((e) => e.outcome === 'SUCCEEDED'); i++) {
      found = await entries({ action: 'playbook.ADD_TO_GROUP', target: 'staUser:dana.kowalski' });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ outcome: 'SUCCEEDED', actor: { kind: 'SYSTEM', id: 'sta-playbook-timers' }, details: { alertId: alert.id, group: 'Unusual Activity', attempt: 1 } });
    // The checks only read STA: not actions.
    expect(await entries({ action: 'playbook.CHECK_USER' })).toEqual([]);
  });

  it('retryStaPlaybookRun and cancelStaPlaybookRun: target staAlert:<id>', async () => {
    const { alert } = await gw.services.staAlerts.recordAlert(pushAlert('no.such.user'));
    let state = '';
    for (let i = 0; i < 150 && state !== 'FAILED'; i++) {
      state = (await gw.services.staAlerts.store.get(alert.id))?.run?.state ?? '';
      if (state !== 'FAILED') await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('FAILED');
    expect((await respond(`mutation($id: ID!) { retryStaPlaybookRun(id: $id) { id } }`, { id: alert.id })).errors).toBeUndefined();
    expect(await only({ action: 'retryStaPlaybookRun' })).toMatchObject({ target: `staAlert:${alert.id}`, outcome: 'SUCCEEDED', actor: responderActor() });
    expect((await respond(`mutation($id: ID!) { cancelStaPlaybookRun(id: $id) { id } }`, { id: alert.id })).errors).toBeUndefined();
    expect(await only({ action: 'cancelStaPlaybookRun' })).toMatchObject({ target: `staAlert:${alert.id}`, outcome: 'SUCCEEDED', details: { id: alert.id, removeUserFromGroup: false } });
  });

  it('a mutation whose resolver records its own entries (updateAlertStatus, per alert) is recorded once, not twice', async () => {
    const { alert } = await gw.services.staAlerts.recordAlert({ ...pushAlert('x'), userName: null });
    const r = await respond(`mutation($ids: [ID!]!) { updateAlertStatus(alertIds: $ids, status: TRIAGED) { alertId error { code } } }`, { ids: [`sta:${alert.id}`] });
    expect(r.errors).toBeUndefined();
    expect(r.data.updateAlertStatus[0].error).toBeNull();
    expect(await only({ target: `alert:sta:${alert.id}` })).toMatchObject({ action: 'updateAlertStatus', outcome: 'SUCCEEDED', actor: responderActor() });
  });

  it('CloudTrail ingestion: POST /ingest/cloudtrail as its caller, the folder watcher as SYSTEM, with the counts', async () => {
    const res = await gw.yoga.fetch('http://yoga/ingest/cloudtrail', {
      method: 'POST',
      headers: { authorization: `Bearer ${INGESTER}`, 'content-type': 'application/json', 'x-request-id': 'ingest-req-1' },
      body: JSON.stringify({ Records: [{ eventVersion: '1.08', eventTime: '2026-01-02T00:00:00Z', eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity', eventID: 'h-1' }] }),
    });
    expect(res.status).toBe(200);
    const http = await only({ action: 'ingest.cloudtrail', actorId: (await entries({ action: 'ingest.cloudtrail' })).find((e) => e.actor.kind === 'API_KEY')?.actor.id ?? 'none' });
    expect(http).toMatchObject({ outcome: 'SUCCEEDED', requestId: 'ingest-req-1', details: { source: 'http' } });
    expect(Number(http.details!['accepted']) + Number(http.details!['rejected'])).toBe(1);

    const bad = await gw.yoga.fetch('http://yoga/ingest/cloudtrail', { method: 'POST', headers: { authorization: `Bearer ${INGESTER}`, 'content-type': 'application/json' }, body: 'not json at all' });
    expect(bad.status).toBe(400);
    expect((await entries({ action: 'ingest.cloudtrail', outcome: 'FAILED' }))[0]).toMatchObject({ errorCode: 'BAD_USER_INPUT', actor: { kind: 'API_KEY' } });

    let folder: AuditEntry[] = [];
    for (let i = 0; i < 100 && folder.length === 0; i++) {
      folder = await entries({ action: 'ingest.cloudtrail', actorId: 'cloudtrail-folder-watcher', outcome: 'SUCCEEDED' });
      if (!folder.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(folder).toHaveLength(1);
    expect(folder[0]).toMatchObject({ target: `cloudtrailFile:${FOLDER_FILE}`, actor: { kind: 'SYSTEM' }, details: { source: 'folder' } });
    expect(Number(folder[0]!.details!['accepted']) + Number(folder[0]!.details!['rejected'])).toBe(1);
  });
});
