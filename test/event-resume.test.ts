// staAlertEvents and samlDetectionEvents resume like incidentEvents: every event has an id from the
// database's event log, and a subscriber passing `after` receives the logged events after it, then the live
// ones, each once; an id the log never handed out is BAD_USER_INPUT.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samlRuleSpec } from '../src/detection/rule-spec.js';
import type { IncomingStaAlert } from '../src/playbooks/sta-playbook-runner.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { sseSubscribe, waitUntil } from './helpers/subscribers.js';

const KEY = 'resume-reader-and-ingester-01';
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    staResponder: null,
    env: { SECGRAPH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'secgraph-resume-')), SECGRAPH_API_KEYS: `${KEY}=read+ingest` },
  });
});
afterAll(async () => {
  await gw.close();
});

let seq = 0;
/** An alert email that names no user: recorded (one RECORDED event), no playbook run. */
const mail = (): IncomingStaAlert => ({
  kind: 'PUSH_REJECTION',
  subject: 'SafeNet Trusted Access Push Notification Rejection Alert',
  messageId: `<resume-${++seq}@sta.example>`,
  sentAt: null,
  userName: null,
  tenantName: null,
  instanceName: null,
  unlockAt: null,
  source: `INBOX/1/${seq}`,
  receivedAt: null,
});

describe('staAlertEvents(after:)', () => {
  it('replays the logged events after the id, then the live ones, each once', async () => {
    const log = gw.services.staAlerts.store.events;
    const first = await log.lastId();
    for (let i = 0; i < 3; i++) await gw.services.staAlerts.recordAlert(mail());
    const sub = await sseSubscribe(gw.yoga, `subscription($after: ID) { staAlertEvents(after: $after) { id type alert { messageId } } }`, {
      key: KEY,
      variables: { after: String(first + 1) },
    });
    await waitUntil(() => sub.results.length >= 2, 'the two replayed events');
    await gw.services.staAlerts.recordAlert(mail());
    await waitUntil(() => sub.results.length >= 3, 'the live event');
    await new Promise((r) => setTimeout(r, 100));
    expect(sub.results.map((r) => Number(r.data.staAlertEvents.id))).toEqual([first + 2, first + 3, first + 4]);
    expect(sub.results.map((r) => r.data.staAlertEvents.type)).toEqual(['RECORDED', 'RECORDED', 'RECORDED']);
    await sub.cancel();
  });

  it('refuses an id the log never handed out', async () => {
    const sub = await sseSubscribe(gw.yoga, `subscription { staAlertEvents(after: "999999") { id } }`, { key: KEY });
    await waitUntil(() => sub.ended !== null || sub.results.length > 0, 'the error');
    expect(sub.results[0]?.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    await sub.cancel();
  });
});

describe('samlDetectionEvents(after:)', () => {
  const ingest = (minute: number) =>
    gw.yoga.fetch('http://yoga/ingest/cloudtrail', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ ...structuredClone(samlRuleSpec().tests[3]!.log), recipientAccountId: '222233334444', eventTime: `2026-06-01T10:${String(minute).padStart(2, '0')}:00Z` }),
    });

  it('replays CREATED and UPDATED from the log, then live updates, with the ids the log gave them', async () => {
    for (const m of [0, 1]) expect((await ingest(m)).status).toBe(200);
    const sub = await sseSubscribe(gw.yoga, `subscription { samlDetectionEvents(after: "0", filter: { accountIds: ["222233334444"] }) { id kind detection { eventCount } } }`, { key: KEY });
    await waitUntil(() => sub.results.length >= 2, 'the replayed events');
    expect((await ingest(2)).status).toBe(200);
    await waitUntil(() => sub.results.length >= 3, 'the live event');
    await new Promise((r) => setTimeout(r, 100));
    const events = sub.results.map((r) => r.data.samlDetectionEvents);
    expect(events.map((e) => [e.kind, e.detection.eventCount])).toEqual([
      ['CREATED', 1],
      ['UPDATED', 2],
      ['UPDATED', 3],
    ]);
    const ids = events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(3);
    await sub.cancel();
  });
});
