// The two STA response playbooks on a ManualClock with a fake STA: the N-hour stay in the group, restarts
// inside and after it (and in the middle of a step), upstream failures in every step, duplicate alerts,
// an analyst's retry and cancel, and the same runs seen through GraphQL and its live events.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPubSub } from 'graphql-yoga';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { StaAlert, StaAlertEvent } from '../src/domain/sta-alert.js';
import { GatewayError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { StaAlertStore } from '../src/playbooks/sta-alert-store.js';
import { StaPlaybookRunner, type IncomingStaAlert } from '../src/playbooks/sta-playbook-runner.js';
import type { StaResponder } from '../src/playbooks/sta-responder.js';
import type { Topics } from '../src/pubsub.js';
import { FakeStaResponder } from './helpers/fake-sta-responder.js';
import { LogCapture, startTestGateway, type TestGateway } from './helpers/gateway.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-05T09:20:00.000Z');
const GROUP = 'Unusual Activity';
const iso = (t: number) => new Date(t).toISOString();
const tempDir = () => mkdtempSync(path.join(tmpdir(), 'secgraph-sta-playbooks-'));

let seq = 0;
function pushAlert(userName = 'demouser', messageId = `<push-${++seq}@sta.example>`): IncomingStaAlert {
  return {
    kind: 'PUSH_REJECTION',
    subject: 'SafeNet Trusted Access Push Notification Rejection Alert',
    messageId,
    sentAt: iso(T0),
    userName,
    tenantName: 'Acme',
    instanceName: 'SafeNet Trusted Access_instance_1',
    unlockAt: null,
    source: `INBOX/1/${seq}`,
    receivedAt: iso(T0),
  };
}

function lockoutAlert(userName = 'hellouser'): IncomingStaAlert {
  return { ...pushAlert(userName), kind: 'ACCOUNT_LOCKOUT', subject: 'SafeNet Trusted Access User Lockout Alert', unlockAt: iso(T0 + HOUR) };
}

interface Runner {
  runner: StaPlaybookRunner;
  sta: FakeStaResponder;
  events: StaAlertEvent[];
  logs: LogCapture;
  get(id: string): StaAlert;
  /** Stops as a crash would: nothing is flushed that was not already durable. */
  close(): void;
}

const open: Runner[] = [];
afterEach(() => {
  for (const r of open.splice(0)) r.close();
});

function startRunner(dir: string, clock: ManualClock, responder: StaResponder | null = new FakeStaResponder()): Runner {
  const pubsub = createPubSub<Topics>();
  const events: StaAlertEvent[] = [];
  // Subscribed synchronously; events published by save() are delivered to this loop.
  const subscription = pubsub.subscribe('sta-alert:event')[Symbol.asyncIterator]();
  void (async () => {
    for (let r = await subscription.next(); !r.done; r = await subscription.next()) events.push(r.value);
  })();
  const logs = new LogCapture();
  const store = StaAlertStore.open(dir, pubsub);
  const runner = new StaPlaybookRunner({
    store,
    responder,
    clock,
    logger: createLogger('debug', logs),
    settings: { groupName: GROUP, hours: 24 },
    retryBaseMs: 60_000,
    retryMaxMs: 10 * 60_000,
  });
  let closed = false;
  const r: Runner = {
    runner,
    sta: responder instanceof FakeStaResponder ? responder : new FakeStaResponder(),
    events,
    logs,
    get: (id) => store.get(id)!,
    close() {
      if (closed) return;
      closed = true;
      store.close();
      void subscription.return?.();
    },
  };
  open.push(r);
  return r;
}

/** Lets the subscription loop take the events published so far. */
const flush = () => new Promise((r) => setImmediate(r));

describe('push rejection: add to the unusual-activity group for N hours', () => {
  it('adds the user, keeps them N hours, removes them, then closes the alert, publishing every step', async () => {
    const clock = new ManualClock(T0);
    const r = startRunner(tempDir(), clock);
    const { alert } = r.runner.recordAlert(pushAlert());
    await r.runner.tick();

    expect(r.sta.members(GROUP)).toEqual(['demouser']);
    let run = r.get(alert.id).run!;
    expect(run.state).toBe('WAITING');
    expect(run.dueAt).toBe(iso(T0 + 24 * HOUR));
    expect(run.steps.map((s) => [s.name, s.status])).toEqual([
      ['ADD_TO_GROUP', 'SUCCEEDED'],
      ['WAIT', 'WAITING'],
      ['REMOVE_FROM_GROUP', 'PENDING'],
      ['CLOSE_ALERT', 'PENDING'],
    ]);

    clock.advance(24 * HOUR - 1);
    await r.runner.tick();
    expect(r.sta.callsOf('removeUserFromGroup')).toEqual([]);

    clock.advance(1);
    await r.runner.tick();
    expect(r.sta.members(GROUP)).toEqual([]);
    expect(r.sta.calls).toEqual([
      { method: 'addUserToGroup', userName: 'demouser', groupName: GROUP },
      { method: 'removeUserFromGroup', userName: 'demouser', groupName: GROUP },
    ]);
    const done = r.get(alert.id);
    run = done.run!;
    expect(run.state).toBe('COMPLETED');
    expect(run.steps.every((s) => s.status === 'SUCCEEDED' && s.attempts === 1)).toBe(true);
    expect(run.steps.find((s) => s.name === 'REMOVE_FROM_GROUP')!.startedAt).toBe(iso(T0 + 24 * HOUR));
    expect(done).toMatchObject({
      state: 'CLOSED',
      closedAt: iso(T0 + 24 * HOUR),
      closeReason: 'User removed from the Unusual Activity Group.',
      closeNotes: 'User successfully removed from the Unusual Activity Group.',
    });

    await flush();
    expect(r.events.map((e) => (e.step ? `${e.type}:${e.step}` : e.type))).toEqual([
      'RECORDED',
      'STEP_STARTED:ADD_TO_GROUP',
      'STEP_SUCCEEDED:ADD_TO_GROUP',
      'WAITING:WAIT',
      'STEP_SUCCEEDED:WAIT',
      'STEP_STARTED:REMOVE_FROM_GROUP',
      'STEP_SUCCEEDED:REMOVE_FROM_GROUP',
      'STEP_SUCCEEDED:CLOSE_ALERT',
      'CLOSED',
    ]);
  });

  it('keeps the removal on time across a restart inside the window', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const first = startRunner(dir, clock);
    const { alert } = first.runner.recordAlert(pushAlert());
    await first.runner.tick();
    first.close();

    clock.advance(3 * HOUR);
    const second = startRunner(dir, clock);
    await second.runner.tick();
    expect(second.sta.calls).toEqual([]);
    clock.advance(21 * HOUR);
    await second.runner.tick();
    expect(second.sta.calls).toEqual([{ method: 'removeUserFromGroup', userName: 'demouser', groupName: GROUP }]);
    expect(second.get(alert.id)).toMatchObject({ state: 'CLOSED', closedAt: iso(T0 + 24 * HOUR) });
  });

  it('removes the user as soon as it is back when it was down when the window ended', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const first = startRunner(dir, clock);
    const { alert } = first.runner.recordAlert(pushAlert());
    await first.runner.tick();
    first.close();

    clock.advance(30 * HOUR);
    const second = startRunner(dir, clock);
    await second.runner.tick();
    expect(second.sta.callsOf('removeUserFromGroup')).toHaveLength(1);
    expect(second.get(alert.id)).toMatchObject({ state: 'CLOSED', closedAt: iso(T0 + 30 * HOUR) });
  });

  it('does a step again after a crash in the middle of it', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    // STA never answers: the process dies with the step in flight.
    const hanging: StaResponder = {
      addUserToGroup: () => new Promise(() => {}),
      removeUserFromGroup: () => new Promise(() => {}),
      terminateUserSessions: () => new Promise(() => {}),
    };
    const first = startRunner(dir, clock, hanging);
    const { alert } = first.runner.recordAlert(pushAlert());
    void first.runner.tick();
    await flush();
    expect(first.get(alert.id).run!.steps[0]).toMatchObject({ name: 'ADD_TO_GROUP', status: 'RUNNING', attempts: 1 });
    first.close();

    const second = startRunner(dir, clock);
    await second.runner.tick();
    expect(second.sta.members(GROUP)).toEqual(['demouser']);
    expect(second.get(alert.id).run!.steps[0]).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
  });

  it('extends the stay on a second rejection for the same user instead of scheduling a second removal', async () => {
    const clock = new ManualClock(T0);
    const r = startRunner(tempDir(), clock);
    const a = r.runner.recordAlert(pushAlert('demouser')).alert;
    const other = r.runner.recordAlert(pushAlert('someoneelse')).alert;
    await r.runner.tick();

    clock.advance(10 * HOUR);
    const b = r.runner.recordAlert(pushAlert('DemoUser')).alert;
    // The very same email again (same Message-ID) is not a second alert at all.
    expect(r.runner.recordAlert({ ...pushAlert('DemoUser', b.messageId!) }).created).toBe(false);
    await r.runner.tick();

    expect(r.get(a.id)).toMatchObject({
      state: 'CLOSED',
      closeReason: 'Duplicate',
      closeNotes: `Duplicate alert. New alert ID - ${b.id}`,
      run: { state: 'SUPERSEDED', supersededBy: b.id, dueAt: null },
    });
    expect(r.get(b.id).run).toMatchObject({ state: 'WAITING', dueAt: iso(T0 + 34 * HOUR) });

    clock.advance(14 * HOUR); // the first alert's window ends: nothing happens for demouser
    await r.runner.tick();
    expect(r.sta.callsOf('removeUserFromGroup')).toEqual([{ method: 'removeUserFromGroup', userName: 'someoneelse', groupName: GROUP }]);

    clock.advance(10 * HOUR);
    await r.runner.tick();
    expect(r.sta.callsOf('removeUserFromGroup').map((c) => c.userName)).toEqual(['someoneelse', 'DemoUser']);
    expect(r.get(b.id).state).toBe('CLOSED');
    expect(r.get(other.id).state).toBe('CLOSED');
    expect(r.runner.store.list()).toHaveLength(3);
  });
});

describe('account lockout: terminate the SSO sessions', () => {
  it('terminates the sessions, then closes the alert', async () => {
    const clock = new ManualClock(T0);
    const r = startRunner(tempDir(), clock);
    const { alert } = r.runner.recordAlert(lockoutAlert());
    await r.runner.tick();
    expect(r.sta.calls).toEqual([{ method: 'terminateUserSessions', userName: 'hellouser' }]);
    expect(r.get(alert.id)).toMatchObject({
      state: 'CLOSED',
      closeReason: 'Resolved',
      closeNotes: 'All the SSO sessions successfully deleted.',
      unlockAt: iso(T0 + HOUR),
      run: { playbook: 'TERMINATE_USER_SSO_SESSIONS', state: 'COMPLETED' },
    });
  });
});

describe('upstream failures', () => {
  it('retries a failing add with backoff, then counts the stay from when the user was added', async () => {
    const clock = new ManualClock(T0);
    const r = startRunner(tempDir(), clock);
    r.sta.failNext('addUserToGroup', 2);
    const { alert } = r.runner.recordAlert(pushAlert());
    await r.runner.tick();

    let add = r.get(alert.id).run!.steps[0]!;
    expect(add).toMatchObject({ status: 'FAILED', attempts: 1, nextAttemptAt: iso(T0 + 60_000), error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(r.get(alert.id).run!.state).toBe('RETRYING');
    await r.runner.tick(); // not due yet
    expect(r.sta.calls).toHaveLength(1);

    clock.advance(60_000);
    await r.runner.tick();
    add = r.get(alert.id).run!.steps[0]!;
    expect(add).toMatchObject({ status: 'FAILED', attempts: 2, nextAttemptAt: iso(T0 + 60_000 + 120_000) });

    clock.advance(120_000);
    await r.runner.tick();
    add = r.get(alert.id).run!.steps[0]!;
    expect(add).toMatchObject({ status: 'SUCCEEDED', attempts: 3, error: null });
    expect(r.get(alert.id).run!.dueAt).toBe(iso(T0 + 180_000 + 24 * HOUR));
    expect(r.logs.text).toContain('STA playbook step failed, will retry');
  });

  it('never drops a failing removal: it is retried, capped at the maximum backoff, until STA takes it', async () => {
    const clock = new ManualClock(T0);
    const r = startRunner(tempDir(), clock);
    const { alert } = r.runner.recordAlert(pushAlert());
    await r.runner.tick();
    r.sta.failNext('removeUserFromGroup', 6);
    clock.advance(24 * HOUR);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      await r.runner.tick();
      const step = r.get(alert.id).run!.steps[2]!;
      expect(step).toMatchObject({ name: 'REMOVE_FROM_GROUP', status: 'FAILED', attempts: i + 1 });
      waits.push(Date.parse(step.nextAttemptAt!) - clock.now());
      clock.set(Date.parse(step.nextAttemptAt!));
    }
    expect(waits).toEqual([60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
    await r.runner.tick();
    expect(r.sta.members(GROUP)).toEqual([]);
    expect(r.get(alert.id)).toMatchObject({ state: 'CLOSED', run: { state: 'COMPLETED' } });
  });

  it('retries a failing session termination', async () => {
    const clock = new ManualClock(T0);
    const r = startRunner(tempDir(), clock);
    r.sta.failNext('terminateUserSessions', 1);
    const { alert } = r.runner.recordAlert(lockoutAlert());
    await r.runner.tick();
    expect(r.get(alert.id)).toMatchObject({ state: 'OPEN', run: { state: 'RETRYING', steps: [{ status: 'FAILED', attempts: 1 }, { status: 'PENDING' }] } });
    clock.advance(60_000);
    await r.runner.tick();
    expect(r.sta.callsOf('terminateUserSessions')).toHaveLength(2);
    expect(r.get(alert.id)).toMatchObject({ state: 'CLOSED', run: { state: 'COMPLETED' } });
  });

  it('without an STA connector, records NOT_CONFIGURED and keeps retrying', async () => {
    const clock = new ManualClock(T0);
    const r = startRunner(tempDir(), clock, null);
    const { alert } = r.runner.recordAlert(lockoutAlert());
    await r.runner.tick();
    clock.advance(60_000);
    await r.runner.tick();
    expect(r.get(alert.id).run).toMatchObject({
      state: 'RETRYING',
      steps: [{ name: 'TERMINATE_SESSIONS', status: 'FAILED', attempts: 2, error: { code: 'NOT_CONFIGURED', message: 'The STA connector is not configured on this gateway' } }, { status: 'PENDING' }],
    });
  });
});

describe('analyst retry and cancel', () => {
  it('retries a failing step at once, cancels a waiting run, and resumes a cancelled one with its original deadline', async () => {
    const clock = new ManualClock(T0);
    const r = startRunner(tempDir(), clock);
    r.sta.failNext('addUserToGroup', 1);
    const { alert } = r.runner.recordAlert(pushAlert());
    await r.runner.tick();
    expect(r.get(alert.id).run!.state).toBe('RETRYING');

    await r.runner.retry(alert.id, 'key:analyst');
    await r.runner.tick();
    expect(r.sta.members(GROUP)).toEqual(['demouser']);
    expect(r.get(alert.id).run!.state).toBe('WAITING');
    await expect(r.runner.retry(alert.id, 'key:analyst')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });

    clock.advance(HOUR);
    const cancelled = await r.runner.cancel(alert.id, 'key:analyst');
    expect(cancelled).toMatchObject({ state: 'CLOSED', closeReason: 'Cancelled', run: { state: 'CANCELLED', dueAt: null } });
    expect(cancelled.closeNotes).toContain('key:analyst');
    expect(cancelled.closeNotes).toContain(`stays there until removed by hand`);
    await expect(r.runner.cancel(alert.id, null)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    clock.advance(30 * HOUR);
    await r.runner.tick();
    expect(r.sta.callsOf('removeUserFromGroup')).toEqual([]);

    const resumed = await r.runner.retry(alert.id, 'key:analyst');
    expect(resumed).toMatchObject({ state: 'OPEN', closeReason: null, run: { state: 'RUNNING' } });
    expect(resumed.run!.steps[1]).toMatchObject({ name: 'WAIT', status: 'WAITING', nextAttemptAt: iso(T0 + 24 * HOUR) });
    await r.runner.tick();
    expect(r.sta.members(GROUP)).toEqual([]);
    expect(r.get(alert.id)).toMatchObject({ state: 'CLOSED', run: { state: 'COMPLETED' } });
    await expect(r.runner.retry(alert.id, null)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });

    await flush();
    expect(r.events.filter((e) => e.type === 'RETRY_REQUESTED' || e.type === 'CANCELLED').map((e) => e.type)).toEqual([
      'RETRY_REQUESTED',
      'CANCELLED',
      'RETRY_REQUESTED',
    ]);
  });

  it('answers NOT_FOUND for an unknown alert and BAD_USER_INPUT for an alert without a run', async () => {
    const r = startRunner(tempDir(), new ManualClock(T0));
    await expect(r.runner.cancel('sta-nope', null)).rejects.toBeInstanceOf(GatewayError);
    await expect(r.runner.cancel('sta-nope', null)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const { alert } = r.runner.recordAlert({ ...pushAlert(), userName: null });
    expect(alert.problem).toContain('names no user');
    await expect(r.runner.retry(alert.id, null)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('STA alerts in the graph', () => {
  let gw: TestGateway | null = null;
  afterEach(async () => {
    await gw?.close();
    gw = null;
  });

  const READER = 'reader-key-0001';
  const RESPONDER = 'responder-key-0001';

  async function gateway(clock: ManualClock, sta: FakeStaResponder): Promise<TestGateway> {
    gw = await startTestGateway({
      clock,
      staResponder: sta,
      env: { SECGRAPH_DATA_DIR: tempDir(), SECGRAPH_API_KEYS: `${READER}=read,${RESPONDER}=read+respond`, STA_UNUSUAL_ACTIVITY_HOURS: '2.5' },
    });
    return gw;
  }

  const ALERTS = `query($filter: StaAlertFilter, $first: Int, $after: String) {
    staAlerts(filter: $filter, first: $first, after: $after) {
      edges { cursor node { id kind userName state closeReason unlockAt run { playbook state hours groupName dueAt steps { name status attempts error { code message } nextAttemptAt } } } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

  it('lists, filters and pages the alerts with their runs and steps', async () => {
    const clock = new ManualClock(T0);
    const sta = new FakeStaResponder();
    const g = await gateway(clock, sta);
    sta.failNext('terminateUserSessions', 1);
    const push = g.services.staAlerts.recordAlert(pushAlert('demouser')).alert;
    clock.advance(1000);
    const lock = g.services.staAlerts.recordAlert(lockoutAlert('hellouser')).alert;
    clock.advance(1000);
    g.services.staAlerts.recordAlert(pushAlert('third'));
    await g.services.staAlerts.tick();

    const page1 = await g.gql(ALERTS, { first: 2 }, READER);
    expect(page1.body.errors).toBeUndefined();
    expect(page1.body.data.staAlerts.edges.map((e: any) => e.node.userName)).toEqual(['third', 'hellouser']);
    expect(page1.body.data.staAlerts.pageInfo.hasNextPage).toBe(true);
    const page2 = await g.gql(ALERTS, { first: 2, after: page1.body.data.staAlerts.pageInfo.endCursor }, READER);
    expect(page2.body.data.staAlerts.edges.map((e: any) => e.node.id)).toEqual([push.id]);
    expect(page2.body.data.staAlerts.pageInfo.hasNextPage).toBe(false);

    const lockouts = await g.gql(ALERTS, { filter: { kinds: ['ACCOUNT_LOCKOUT'] } }, READER);
    expect(lockouts.body.data.staAlerts.edges).toEqual([
      {
        cursor: expect.any(String),
        node: {
          id: lock.id,
          kind: 'ACCOUNT_LOCKOUT',
          userName: 'hellouser',
          state: 'OPEN',
          closeReason: null,
          unlockAt: iso(T0 + HOUR),
          run: {
            playbook: 'TERMINATE_USER_SSO_SESSIONS',
            state: 'RETRYING',
            hours: null,
            groupName: null,
            dueAt: expect.any(String),
            steps: [
              { name: 'TERMINATE_SESSIONS', status: 'FAILED', attempts: 1, error: { code: 'UPSTREAM_UNAVAILABLE', message: 'SafeNet Trusted Access answered HTTP 503' }, nextAttemptAt: expect.any(String) },
              { name: 'CLOSE_ALERT', status: 'PENDING', attempts: 0, error: null, nextAttemptAt: null },
            ],
          },
        },
      },
    ]);
    const waiting = await g.gql(ALERTS, { filter: { runStates: ['WAITING'], userName: 'DEMOUSER' } }, READER);
    expect(waiting.body.data.staAlerts.edges.map((e: any) => e.node.run)).toMatchObject([{ hours: 2.5, groupName: GROUP }]);

    const one = await g.gql(`query($id: ID!) { staAlert(id: $id) { id userName } }`, { id: push.id }, READER);
    expect(one.body.data.staAlert).toEqual({ id: push.id, userName: 'demouser' });
    const none = await g.gql(`query { staAlert(id: "sta-none") { id } }`, {}, READER);
    expect(none.body.data.staAlert).toBeNull();
    const badCursor = await g.gql(ALERTS, { after: 'nope' }, READER);
    expect(badCursor.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('lets only the respond scope retry or cancel, with typed errors', async () => {
    const clock = new ManualClock(T0);
    const sta = new FakeStaResponder();
    const g = await gateway(clock, sta);
    sta.failNext('terminateUserSessions', 1);
    const { alert } = g.services.staAlerts.recordAlert(lockoutAlert());
    await g.services.staAlerts.tick();

    const RETRY = `mutation($id: ID!) { retryStaPlaybookRun(id: $id) { id state run { state } } }`;
    const CANCEL = `mutation($id: ID!) { cancelStaPlaybookRun(id: $id) { id state closeReason run { state } } }`;
    const forbidden = await g.gql(RETRY, { id: alert.id }, READER);
    expect(forbidden.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');

    const retried = await g.gql(RETRY, { id: alert.id }, RESPONDER);
    expect(retried.body.errors).toBeUndefined();
    expect(retried.body.data.retryStaPlaybookRun).toEqual({ id: alert.id, state: 'OPEN', run: { state: 'RUNNING' } });
    await g.services.staAlerts.tick();
    expect(sta.callsOf('terminateUserSessions')).toHaveLength(2);

    const late = await g.gql(CANCEL, { id: alert.id }, RESPONDER);
    expect(late.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const missing = await g.gql(CANCEL, { id: 'sta-none' }, RESPONDER);
    expect(missing.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');

    const second = g.services.staAlerts.recordAlert(pushAlert()).alert;
    await g.services.staAlerts.tick();
    const cancelled = await g.gql(CANCEL, { id: second.id }, RESPONDER);
    expect(cancelled.body.data.cancelStaPlaybookRun).toEqual({ id: second.id, state: 'CLOSED', closeReason: 'Cancelled', run: { state: 'CANCELLED' } });
  });

  it('pushes alert and step events live to a subscriber', async () => {
    const clock = new ManualClock(T0);
    const g = await gateway(clock, new FakeStaResponder());
    const res = await g.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${READER}` },
      body: JSON.stringify({
        query: `subscription { staAlertEvents(filter: { kinds: [ACCOUNT_LOCKOUT] }) { type step alert { userName state run { state } } } }`,
      }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const received: any[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      while (received.length < 4) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data && data.length > 6) received.push(JSON.parse(data.slice(6)).data.staAlertEvents);
        }
      }
    })();
    await flush();
    g.services.staAlerts.recordAlert(pushAlert()); // filtered out: not a lockout
    g.services.staAlerts.recordAlert(lockoutAlert('hellouser'));
    await g.services.staAlerts.tick();
    await reading;
    await reader.cancel();
    expect(received).toEqual([
      { type: 'RECORDED', step: null, alert: { userName: 'hellouser', state: 'OPEN', run: { state: 'RUNNING' } } },
      { type: 'STEP_STARTED', step: 'TERMINATE_SESSIONS', alert: { userName: 'hellouser', state: 'OPEN', run: { state: 'RUNNING' } } },
      { type: 'STEP_SUCCEEDED', step: 'TERMINATE_SESSIONS', alert: { userName: 'hellouser', state: 'OPEN', run: { state: 'RUNNING' } } },
      { type: 'STEP_SUCCEEDED', step: 'CLOSE_ALERT', alert: { userName: 'hellouser', state: 'CLOSED', run: { state: 'COMPLETED' } } },
    ]);
  });
});
