// The two STA response playbooks on a ManualClock with a fake STA: the reference's checks (tenant, user,
// group, membership, sessions) and their branches, the N-hour stay in the group, restarts inside and after it
// (and in the middle of a step), transient failures retried and permanent ones ending the run FAILED,
// duplicate alerts, an analyst's retry and cancel, and the same runs seen through GraphQL and its live events.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPubSub } from 'graphql-yoga';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { StaAlert, StaAlertEvent } from '../src/domain/sta-alert.js';
import type { StaStepName } from '../src/domain/sta-alert.js';
import { GatewayError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { StaAlertStore } from '../src/playbooks/sta-alert-store.js';
import { openDatabase } from '../src/store/database.js';
import { StaPlaybookRunner, type IncomingStaAlert } from '../src/playbooks/sta-playbook-runner.js';
import type { StaResponder } from '../src/playbooks/sta-responder.js';
import type { Topics } from '../src/pubsub.js';
import { TENANT_REQUIREMENTS_MESSAGE } from '../src/playbooks/sta-playbooks.js';
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
  get(id: string): Promise<StaAlert>;
  /** Stops as a crash would: nothing is flushed that was not already durable. */
  close(): Promise<void>;
}

const open: Runner[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
});

async function startRunner(dir: string, clock: ManualClock, responder: StaResponder | null = new FakeStaResponder()): Promise<Runner> {
  const pubsub = createPubSub<Topics>();
  const events: StaAlertEvent[] = [];
  // Subscribed synchronously; events published by save() are delivered to this loop.
  const subscription = pubsub.subscribe('sta-alert:event')[Symbol.asyncIterator]();
  void (async () => {
    for (let r = await subscription.next(); !r.done; r = await subscription.next()) events.push(r.value);
  })();
  const logs = new LogCapture();
  const database = await openDatabase({ dataDir: dir });
  const store = StaAlertStore.open(database, pubsub);
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
    get: async (id) => (await store.get(id))!,
    async close() {
      if (closed) return;
      closed = true;
      void subscription.return?.();
      await database.close();
    },
  };
  open.push(r);
  return r;
}

/** One step of an alert's run, by name. */
async function stepOf(r: Runner, id: string, name: StaStepName) {
  return (await r.get(id)).run!.steps.find((s) => s.name === name)!;
}

/** The reference's checks before the push playbook acts, as the fake sees them. */
const PUSH_CHECKS = (userName = 'demouser') => [
  { method: 'validateTenant' },
  { method: 'getUser', userName },
  { method: 'getGroup', groupName: GROUP },
  { method: 'isUserInGroup', userName, groupName: GROUP },
];

/** Lets the subscription loop take the events published so far. */
const flush = () => new Promise((r) => setImmediate(r));

describe('push rejection: add to the unusual-activity group for N hours', () => {
  it('adds the user, keeps them N hours, removes them, then closes the alert, publishing every step', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    const { alert } = (await r.runner.recordAlert(pushAlert()));
    await r.runner.tick();

    expect(r.sta.members(GROUP)).toEqual(['demouser']);
    let run = (await r.get(alert.id)).run!;
    expect(run.state).toBe('WAITING');
    expect(run.dueAt).toBe(iso(T0 + 24 * HOUR));
    expect(run.steps.map((s) => [s.name, s.status])).toEqual([
      ['VALIDATE_TENANT', 'SUCCEEDED'],
      ['CHECK_USER', 'SUCCEEDED'],
      ['CHECK_GROUP', 'SUCCEEDED'],
      ['CHECK_MEMBERSHIP', 'SUCCEEDED'],
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
      ...PUSH_CHECKS(),
      { method: 'addUserToGroup', userName: 'demouser', groupName: GROUP },
      { method: 'removeUserFromGroup', userName: 'demouser', groupName: GROUP },
    ]);
    const done = (await r.get(alert.id));
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
      'STEP_STARTED:VALIDATE_TENANT',
      'STEP_SUCCEEDED:VALIDATE_TENANT',
      'STEP_STARTED:CHECK_USER',
      'STEP_SUCCEEDED:CHECK_USER',
      'STEP_STARTED:CHECK_GROUP',
      'STEP_SUCCEEDED:CHECK_GROUP',
      'STEP_STARTED:CHECK_MEMBERSHIP',
      'STEP_SUCCEEDED:CHECK_MEMBERSHIP',
      'STEP_STARTED:ADD_TO_GROUP',
      'STEP_SUCCEEDED:ADD_TO_GROUP',
      'WAITING:WAIT',
      'STEP_SUCCEEDED:WAIT',
      'STEP_STARTED:REMOVE_FROM_GROUP',
      'STEP_SUCCEEDED:REMOVE_FROM_GROUP',
      'STEP_SUCCEEDED:CLOSE_ALERT',
      'CLOSED',
    ]);
    // The WAITING event carries the run as it now is (a console shows the run's state from its events).
    expect(r.events.find((e) => e.type === 'WAITING')!.alert.run).toMatchObject({ state: 'WAITING', dueAt: iso(T0 + 24 * HOUR) });
  });

  it('keeps the removal on time across a restart inside the window', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const first = await startRunner(dir, clock);
    const { alert } = (await first.runner.recordAlert(pushAlert()));
    await first.runner.tick();
    await first.close();

    clock.advance(3 * HOUR);
    const second = await startRunner(dir, clock);
    await second.runner.tick();
    expect(second.sta.calls).toEqual([]);
    clock.advance(21 * HOUR);
    await second.runner.tick();
    expect(second.sta.calls).toEqual([{ method: 'removeUserFromGroup', userName: 'demouser', groupName: GROUP }]);
    expect((await second.get(alert.id))).toMatchObject({ state: 'CLOSED', closedAt: iso(T0 + 24 * HOUR) });
  });

  it('removes the user as soon as it is back when it was down when the window ended', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const first = await startRunner(dir, clock);
    const { alert } = (await first.runner.recordAlert(pushAlert()));
    await first.runner.tick();
    await first.close();

    clock.advance(30 * HOUR);
    const second = await startRunner(dir, clock);
    await second.runner.tick();
    expect(second.sta.callsOf('removeUserFromGroup')).toHaveLength(1);
    expect((await second.get(alert.id))).toMatchObject({ state: 'CLOSED', closedAt: iso(T0 + 30 * HOUR) });
  });

  it('does a step again after a crash in the middle of it', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    // STA never answers: the process dies with the step in flight.
    const never = () => new Promise<never>(() => {});
    const hanging: StaResponder = {
      validateTenant: never,
      getUser: never,
      getGroup: never,
      isUserInGroup: never,
      hasActiveSessions: never,
      addUserToGroup: never,
      removeUserFromGroup: never,
      terminateUserSessions: never,
    };
    const first = await startRunner(dir, clock, hanging);
    const { alert } = (await first.runner.recordAlert(pushAlert()));
    void first.runner.tick();
    await flush();
    expect((await stepOf(first, alert.id, 'VALIDATE_TENANT'))).toMatchObject({ status: 'RUNNING', attempts: 1 });
    await first.close();

    const second = await startRunner(dir, clock);
    await second.runner.tick();
    expect(second.sta.members(GROUP)).toEqual(['demouser']);
    expect((await stepOf(second, alert.id, 'VALIDATE_TENANT'))).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect((await stepOf(second, alert.id, 'ADD_TO_GROUP'))).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
  });

  it('extends the stay on a second rejection for the same user instead of scheduling a second removal', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    const a = (await r.runner.recordAlert(pushAlert('demouser'))).alert;
    const other = (await r.runner.recordAlert(pushAlert('someoneelse'))).alert;
    await r.runner.tick();

    clock.advance(10 * HOUR);
    const b = (await r.runner.recordAlert(pushAlert('DemoUser'))).alert;
    // The very same email again (same Message-ID) is not a second alert at all.
    expect((await r.runner.recordAlert({ ...pushAlert('DemoUser', b.messageId!) })).created).toBe(false);
    await r.runner.tick();

    expect((await r.get(a.id))).toMatchObject({
      state: 'CLOSED',
      closeReason: 'Duplicate',
      closeNotes: `Duplicate alert. New alert ID - ${b.id}`,
      run: { state: 'SUPERSEDED', supersededBy: b.id, dueAt: null },
    });
    expect((await r.get(b.id)).run).toMatchObject({ state: 'WAITING', dueAt: iso(T0 + 34 * HOUR) });

    clock.advance(14 * HOUR); // the first alert's window ends: nothing happens for demouser
    await r.runner.tick();
    expect(r.sta.callsOf('removeUserFromGroup')).toEqual([{ method: 'removeUserFromGroup', userName: 'someoneelse', groupName: GROUP }]);

    clock.advance(10 * HOUR);
    await r.runner.tick();
    expect(r.sta.callsOf('removeUserFromGroup').map((c) => c.userName)).toEqual(['someoneelse', 'DemoUser']);
    expect((await r.get(b.id)).state).toBe('CLOSED');
    expect((await r.get(other.id)).state).toBe('CLOSED');
    expect(await r.runner.store.list({}, 100)).toHaveLength(3);
  });
});

describe("the reference's checks and their branches", () => {
  it('closes at once when the user is already in the group by hand: no add, no removal, the user stays', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    r.sta.addMember(GROUP, 'demouser');
    const { alert } = (await r.runner.recordAlert(pushAlert()));
    await r.runner.tick();

    expect(r.sta.calls).toEqual(PUSH_CHECKS());
    const closed = (await r.get(alert.id));
    expect(closed).toMatchObject({
      state: 'CLOSED',
      closedAt: iso(T0),
      closeReason: 'User is already a member of the Unusual Activity Group.',
      closeNotes: 'User is already a member of the Unusual Activity Group.',
      run: { state: 'COMPLETED', dueAt: null },
    });
    expect(closed.run!.steps.map((s) => [s.name, s.status])).toEqual([
      ['VALIDATE_TENANT', 'SUCCEEDED'],
      ['CHECK_USER', 'SUCCEEDED'],
      ['CHECK_GROUP', 'SUCCEEDED'],
      ['CHECK_MEMBERSHIP', 'SUCCEEDED'],
      ['ADD_TO_GROUP', 'SKIPPED'],
      ['WAIT', 'SKIPPED'],
      ['REMOVE_FROM_GROUP', 'SKIPPED'],
      ['CLOSE_ALERT', 'SUCCEEDED'],
    ]);
    clock.advance(48 * HOUR);
    await r.runner.tick();
    expect(r.sta.actions()).toEqual([]);
    expect(r.sta.members(GROUP)).toEqual(['demouser']);
    await flush();
    expect(r.events.filter((e) => e.type === 'STEP_SKIPPED').map((e) => e.step)).toEqual(['ADD_TO_GROUP', 'WAIT', 'REMOVE_FROM_GROUP']);
  });

  it('taking over from an earlier run with the user still in the group, restarts the stay without adding again', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    const a = (await r.runner.recordAlert(pushAlert())).alert;
    await r.runner.tick();
    clock.advance(5 * HOUR);
    const b = (await r.runner.recordAlert(pushAlert())).alert;
    await r.runner.tick();

    expect((await r.get(a.id))).toMatchObject({ state: 'CLOSED', closeReason: 'Duplicate', run: { state: 'SUPERSEDED', supersededBy: b.id } });
    expect((await stepOf(r, b.id, 'ADD_TO_GROUP')).status).toBe('SKIPPED');
    expect((await stepOf(r, b.id, 'WAIT'))).toMatchObject({ status: 'WAITING', startedAt: iso(T0 + 5 * HOUR), nextAttemptAt: iso(T0 + 29 * HOUR) });
    expect(r.sta.callsOf('addUserToGroup')).toHaveLength(1);

    clock.advance(24 * HOUR);
    await r.runner.tick();
    expect(r.sta.actions().map((c) => c.method)).toEqual(['addUserToGroup', 'removeUserFromGroup']);
    expect((await r.get(b.id))).toMatchObject({ state: 'CLOSED', closeReason: 'User removed from the Unusual Activity Group.' });
  });

  it("ends the run FAILED with the reference's message for an unknown user, keeps it across a restart, and resumes on an analyst's retry", async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const first = await startRunner(dir, clock);
    first.sta.missingUsers.add('ghost');
    const { alert } = (await first.runner.recordAlert(pushAlert('ghost')));
    await first.runner.tick();

    expect((await first.get(alert.id))).toMatchObject({ state: 'OPEN', closedAt: null, run: { state: 'FAILED', dueAt: null, finishedAt: null } });
    expect((await stepOf(first, alert.id, 'CHECK_USER'))).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      nextAttemptAt: null,
      error: { code: 'NOT_FOUND', message: "User - ghost doesn't exist in the tenant." },
    });
    expect(first.sta.calls).toEqual([{ method: 'validateTenant' }, { method: 'getUser', userName: 'ghost' }]);
    await flush();
    expect(first.events.slice(-2).map((e) => `${e.type}:${e.step}`)).toEqual(['STEP_FAILED:CHECK_USER', 'RUN_FAILED:CHECK_USER']);
    expect(first.logs.text).toContain("STA playbook run failed, waiting for an analyst: User - ghost doesn't exist in the tenant.");
    await first.close();

    // Not retried by itself, not after a restart either.
    clock.advance(48 * HOUR);
    const second = await startRunner(dir, clock);
    await second.runner.tick();
    expect(second.sta.calls).toEqual([]);

    // The analyst creates the user in STA, then retries.
    const retried = await second.runner.retry(alert.id, 'key:analyst');
    expect(retried.run).toMatchObject({ state: 'RUNNING' });
    await second.runner.tick();
    expect(second.sta.members(GROUP)).toEqual(['ghost']);
    expect((await stepOf(second, alert.id, 'CHECK_USER'))).toMatchObject({ status: 'SUCCEEDED', attempts: 2, error: null });
    expect((await second.get(alert.id)).run!.state).toBe('WAITING');
  });

  it('ends the run FAILED when the unusual-activity group does not exist; an analyst can cancel it', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    r.sta.missingGroups.add(GROUP);
    const { alert } = (await r.runner.recordAlert(pushAlert()));
    await r.runner.tick();
    expect((await r.get(alert.id)).run!.state).toBe('FAILED');
    expect((await stepOf(r, alert.id, 'CHECK_GROUP')).error).toEqual({ code: 'NOT_FOUND', message: "The Unusual Activity Group - Unusual Activity doesn't exist.", detail: null });
    expect(r.sta.actions()).toEqual([]);

    const cancelled = await r.runner.cancel(alert.id, 'key:analyst');
    expect(cancelled).toMatchObject({ state: 'CLOSED', closeReason: 'Cancelled', run: { state: 'CANCELLED' } });
    expect(cancelled.closeNotes).not.toContain('stays there');
  });

  it("ends the run FAILED with the reference's tenant message when STA refuses the key, but retries an unavailable tenant", async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    const refused = () =>
      new GatewayError('UPSTREAM_REJECTED', 'Authorization Error: Ensure that the API key is correct.', { upstream: 'SafeNet Trusted Access', upstreamStatus: 403 });
    r.sta.failNext('validateTenant', 1, refused);
    const bad = (await r.runner.recordAlert(lockoutAlert())).alert;
    await r.runner.tick();
    expect((await r.get(bad.id)).run!.state).toBe('FAILED');
    expect((await stepOf(r, bad.id, 'VALIDATE_TENANT')).error).toEqual({
      code: 'UPSTREAM_REJECTED',
      message: TENANT_REQUIREMENTS_MESSAGE,
      detail: 'Authorization Error: Ensure that the API key is correct.',
    });
    expect(TENANT_REQUIREMENTS_MESSAGE).toMatch(/^Please ensure that the following requirements are fulfilled\.\n1\. /);

    const rateLimited = () => new GatewayError('UPSTREAM_RATE_LIMITED', 'SafeNet Trusted Access answered HTTP 429', { upstream: 'SafeNet Trusted Access', upstreamStatus: 429 });
    r.sta.failNext('validateTenant', 2, rateLimited);
    const slow = (await r.runner.recordAlert(lockoutAlert('slowuser'))).alert;
    await r.runner.tick();
    expect((await r.get(slow.id)).run!.state).toBe('RETRYING');
    expect((await stepOf(r, slow.id, 'VALIDATE_TENANT')).error).toEqual({ code: 'UPSTREAM_RATE_LIMITED', message: 'SafeNet Trusted Access answered HTTP 429', detail: null });
    clock.advance(60_000);
    await r.runner.tick();
    clock.advance(120_000);
    await r.runner.tick();
    expect((await stepOf(r, slow.id, 'VALIDATE_TENANT'))).toMatchObject({ status: 'SUCCEEDED', attempts: 3 });
    expect(r.sta.callsOf('terminateUserSessions')).toEqual([{ method: 'terminateUserSessions', userName: 'slowuser' }]);
    expect((await r.get(bad.id)).run!.state).toBe('FAILED');
  });

  it('retries transient failures of the membership and session checks', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    r.sta.failNext('isUserInGroup', 1);
    r.sta.failNext('hasActiveSessions', 1);
    const push = (await r.runner.recordAlert(pushAlert())).alert;
    const lock = (await r.runner.recordAlert(lockoutAlert())).alert;
    await r.runner.tick();
    expect((await r.get(push.id)).run!.state).toBe('RETRYING');
    expect((await r.get(lock.id)).run!.state).toBe('RETRYING');
    clock.advance(60_000);
    await r.runner.tick();
    expect((await stepOf(r, push.id, 'CHECK_MEMBERSHIP'))).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect((await stepOf(r, lock.id, 'CHECK_SESSIONS'))).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(r.sta.actions().map((c) => c.method).sort()).toEqual(['addUserToGroup', 'terminateUserSessions']);
  });

  it('ends the run FAILED when the group disappears during the stay, instead of retrying the removal forever', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    const { alert } = (await r.runner.recordAlert(pushAlert()));
    await r.runner.tick();
    r.sta.missingGroups.add(GROUP);
    clock.advance(24 * HOUR);
    await r.runner.tick();
    expect((await r.get(alert.id))).toMatchObject({ state: 'OPEN', run: { state: 'FAILED' } });
    expect((await stepOf(r, alert.id, 'REMOVE_FROM_GROUP')).error).toMatchObject({ code: 'NOT_FOUND', message: `The group ${GROUP} was not found.` });
  });

  it("closes a lockout with no active SSO session without terminating, after the reference's 120 s", async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    r.sta.withoutSessions.add('hellouser');
    const { alert } = (await r.runner.recordAlert(lockoutAlert()));
    await r.runner.tick();
    expect((await stepOf(r, alert.id, 'TERMINATE_SESSIONS')).status).toBe('SKIPPED');
    expect((await r.get(alert.id))).toMatchObject({ state: 'OPEN', run: { state: 'WAITING' } });
    clock.advance(120_000 - 1);
    await r.runner.tick();
    expect((await r.get(alert.id)).state).toBe('OPEN');
    clock.advance(1);
    await r.runner.tick();
    expect(r.sta.actions()).toEqual([]);
    expect((await r.get(alert.id))).toMatchObject({
      state: 'CLOSED',
      closedAt: iso(T0 + 120_000),
      closeReason: 'Resolved',
      closeNotes: 'No active SSO session found for the user.',
      run: { state: 'COMPLETED' },
    });
  });

  it('keeps a skipped step skipped when a cancelled run is resumed', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    r.sta.withoutSessions.add('hellouser');
    const { alert } = (await r.runner.recordAlert(lockoutAlert()));
    await r.runner.tick();
    await r.runner.cancel(alert.id, 'key:analyst');
    expect((await stepOf(r, alert.id, 'TERMINATE_SESSIONS')).status).toBe('SKIPPED');
    await r.runner.retry(alert.id, 'key:analyst');
    clock.advance(120_000);
    await r.runner.tick();
    expect(r.sta.actions()).toEqual([]);
    expect((await r.get(alert.id))).toMatchObject({ state: 'CLOSED', closeNotes: 'No active SSO session found for the user.', run: { state: 'COMPLETED' } });
  });

  it("ends a lockout run FAILED with the reference's message for an unknown user", async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    r.sta.missingUsers.add('nobody');
    const { alert } = (await r.runner.recordAlert(lockoutAlert('nobody')));
    await r.runner.tick();
    expect((await r.get(alert.id))).toMatchObject({ state: 'OPEN', run: { state: 'FAILED' } });
    expect((await stepOf(r, alert.id, 'CHECK_USER')).error).toMatchObject({ code: 'NOT_FOUND', message: "User - nobody doesn't exist in the tenant." });
    expect(r.sta.calls.map((c) => c.method)).toEqual(['validateTenant', 'getUser']);
  });
});

describe('account lockout: terminate the SSO sessions', () => {
  it('terminates the sessions, then closes the alert', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    const { alert } = (await r.runner.recordAlert(lockoutAlert()));
    await r.runner.tick();
    expect(r.sta.calls).toEqual([
      { method: 'validateTenant' },
      { method: 'getUser', userName: 'hellouser' },
      { method: 'hasActiveSessions', userName: 'hellouser' },
      { method: 'terminateUserSessions', userName: 'hellouser' },
    ]);
    // The reference sleeps 120 s before closing.
    expect((await r.get(alert.id))).toMatchObject({ state: 'OPEN', run: { state: 'WAITING', dueAt: iso(T0 + 120_000) } });
    clock.advance(120_000);
    await r.runner.tick();
    expect((await r.get(alert.id))).toMatchObject({
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
    const r = await startRunner(tempDir(), clock);
    r.sta.failNext('addUserToGroup', 2);
    const { alert } = (await r.runner.recordAlert(pushAlert()));
    await r.runner.tick();

    let add = (await stepOf(r, alert.id, 'ADD_TO_GROUP'));
    expect(add).toMatchObject({ status: 'FAILED', attempts: 1, nextAttemptAt: iso(T0 + 60_000), error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect((await r.get(alert.id)).run!.state).toBe('RETRYING');
    await r.runner.tick(); // not due yet
    expect(r.sta.callsOf('addUserToGroup')).toHaveLength(1);

    clock.advance(60_000);
    await r.runner.tick();
    add = (await stepOf(r, alert.id, 'ADD_TO_GROUP'));
    expect(add).toMatchObject({ status: 'FAILED', attempts: 2, nextAttemptAt: iso(T0 + 60_000 + 120_000) });

    clock.advance(120_000);
    await r.runner.tick();
    add = (await stepOf(r, alert.id, 'ADD_TO_GROUP'));
    expect(add).toMatchObject({ status: 'SUCCEEDED', attempts: 3, error: null });
    expect((await r.get(alert.id)).run!.dueAt).toBe(iso(T0 + 180_000 + 24 * HOUR));
    expect(r.logs.text).toContain('STA playbook step failed, will retry');
  });

  it('never drops a failing removal: it is retried, capped at the maximum backoff, until STA takes it', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    const { alert } = (await r.runner.recordAlert(pushAlert()));
    await r.runner.tick();
    r.sta.failNext('removeUserFromGroup', 6);
    clock.advance(24 * HOUR);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      await r.runner.tick();
      const step = (await stepOf(r, alert.id, 'REMOVE_FROM_GROUP'));
      expect(step).toMatchObject({ name: 'REMOVE_FROM_GROUP', status: 'FAILED', attempts: i + 1 });
      waits.push(Date.parse(step.nextAttemptAt!) - clock.now());
      clock.set(Date.parse(step.nextAttemptAt!));
    }
    expect(waits).toEqual([60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
    await r.runner.tick();
    expect(r.sta.members(GROUP)).toEqual([]);
    expect((await r.get(alert.id))).toMatchObject({ state: 'CLOSED', run: { state: 'COMPLETED' } });
  });

  it('retries a failing session termination', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    r.sta.failNext('terminateUserSessions', 1);
    const { alert } = (await r.runner.recordAlert(lockoutAlert()));
    await r.runner.tick();
    expect((await r.get(alert.id))).toMatchObject({ state: 'OPEN', run: { state: 'RETRYING' } });
    expect((await stepOf(r, alert.id, 'TERMINATE_SESSIONS'))).toMatchObject({ status: 'FAILED', attempts: 1 });
    clock.advance(60_000);
    await r.runner.tick();
    expect(r.sta.callsOf('terminateUserSessions')).toHaveLength(2);
    clock.advance(120_000);
    await r.runner.tick();
    expect((await r.get(alert.id))).toMatchObject({ state: 'CLOSED', run: { state: 'COMPLETED' } });
  });

  it('without an STA connector, records NOT_CONFIGURED and keeps retrying', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock, null);
    const { alert } = (await r.runner.recordAlert(lockoutAlert()));
    await r.runner.tick();
    clock.advance(60_000);
    await r.runner.tick();
    expect((await r.get(alert.id)).run).toMatchObject({
      state: 'RETRYING',
      steps: [
        { name: 'VALIDATE_TENANT', status: 'FAILED', attempts: 2, error: { code: 'NOT_CONFIGURED', message: 'The STA connector is not configured on this gateway' } },
        { name: 'CHECK_USER', status: 'PENDING' },
        { status: 'PENDING' },
        { status: 'PENDING' },
        { status: 'PENDING' },
        { status: 'PENDING' },
      ],
    });
  });
});

describe('analyst retry and cancel', () => {
  it('retries a failing step at once, cancels a waiting run, and resumes a cancelled one with its original deadline', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    r.sta.failNext('addUserToGroup', 1);
    const { alert } = (await r.runner.recordAlert(pushAlert()));
    await r.runner.tick();
    expect((await r.get(alert.id)).run!.state).toBe('RETRYING');

    await r.runner.retry(alert.id, 'key:analyst');
    await r.runner.tick();
    expect(r.sta.members(GROUP)).toEqual(['demouser']);
    expect((await r.get(alert.id)).run!.state).toBe('WAITING');
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
    expect(resumed.run!.steps.find((s) => s.name === 'WAIT')).toMatchObject({ status: 'WAITING', nextAttemptAt: iso(T0 + 24 * HOUR) });
    await r.runner.tick();
    expect(r.sta.members(GROUP)).toEqual([]);
    expect((await r.get(alert.id))).toMatchObject({ state: 'CLOSED', run: { state: 'COMPLETED' } });
    await expect(r.runner.retry(alert.id, null)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });

    await flush();
    expect(r.events.filter((e) => e.type === 'RETRY_REQUESTED' || e.type === 'CANCELLED').map((e) => e.type)).toEqual([
      'RETRY_REQUESTED',
      'CANCELLED',
      'RETRY_REQUESTED',
    ]);
  });

  it('cancel with removeUserFromGroup removes a parked user now, once, as the REMOVE_FROM_GROUP step (STA-PostProcessing)', async () => {
    const clock = new ManualClock(T0);
    const r = await startRunner(tempDir(), clock);
    // The reference's post-processing test: demouser parked by "SafeNet Trusted Access_instance_1".
    const { alert } = (await r.runner.recordAlert(pushAlert('demouser')));
    await r.runner.tick();
    expect(r.sta.members(GROUP)).toEqual(['demouser']);
    clock.advance(HOUR);
    const cancelled = await r.runner.cancel(alert.id, 'key:analyst', { removeUserFromGroup: true });
    expect(r.sta.members(GROUP)).toEqual([]);
    expect(r.sta.callsOf('removeUserFromGroup')).toHaveLength(1);
    expect(cancelled).toMatchObject({ state: 'CLOSED', closeReason: 'Cancelled', run: { state: 'CANCELLED' } });
    expect(cancelled.closeNotes).toBe(`Playbook run cancelled by key:analyst. The user was removed from "${GROUP}".`);
    const steps = Object.fromEntries(cancelled.run!.steps.map((s) => [s.name, s]));
    expect(steps['REMOVE_FROM_GROUP']).toMatchObject({ status: 'SUCCEEDED', attempts: 1, startedAt: iso(T0 + HOUR), finishedAt: iso(T0 + HOUR) });
    expect(steps['WAIT']!.status).toBe('CANCELLED');
    expect(steps['CLOSE_ALERT']!.status).toBe('CANCELLED');
    // Once: the stay's end does nothing more, and a resumed run does not remove again.
    clock.advance(30 * HOUR);
    await r.runner.tick();
    await r.runner.retry(alert.id, 'key:analyst');
    await r.runner.tick();
    expect(r.sta.callsOf('removeUserFromGroup')).toHaveLength(1);
    await flush();
    expect(r.events.filter((e) => e.alert.id === alert.id && e.step === 'REMOVE_FROM_GROUP').map((e) => e.type)).toEqual(['STEP_SUCCEEDED']);
  });

  it('cancel with removeUserFromGroup before the user was added removes nothing', async () => {
    const r = await startRunner(tempDir(), new ManualClock(T0));
    r.sta.failNext('addUserToGroup', 1);
    const { alert } = (await r.runner.recordAlert(pushAlert('demouser')));
    await r.runner.tick();
    expect((await r.get(alert.id)).run!.state).toBe('RETRYING');
    const cancelled = await r.runner.cancel(alert.id, null, { removeUserFromGroup: true });
    expect(r.sta.callsOf('removeUserFromGroup')).toEqual([]);
    expect(cancelled.closeNotes).toBe('Playbook run cancelled by an analyst.');
    expect(cancelled.run!.steps.find((s) => s.name === 'REMOVE_FROM_GROUP')!.status).toBe('CANCELLED');
  });

  it('a refused removal fails the cancel with its code and leaves the run waiting', async () => {
    const r = await startRunner(tempDir(), new ManualClock(T0));
    const { alert } = (await r.runner.recordAlert(pushAlert('demouser')));
    await r.runner.tick();
    r.sta.failNext('removeUserFromGroup', 1);
    await expect(r.runner.cancel(alert.id, null, { removeUserFromGroup: true })).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect((await r.get(alert.id))).toMatchObject({ state: 'OPEN', run: { state: 'WAITING' } });
    expect(r.sta.members(GROUP)).toEqual(['demouser']);
  });

  it('removeUserFromGroup on a lockout run is refused', async () => {
    const r = await startRunner(tempDir(), new ManualClock(T0));
    const { alert } = (await r.runner.recordAlert(lockoutAlert()));
    await expect(r.runner.cancel(alert.id, null, { removeUserFromGroup: true })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('answers NOT_FOUND for an unknown alert and BAD_USER_INPUT for an alert without a run', async () => {
    const r = await startRunner(tempDir(), new ManualClock(T0));
    await expect(r.runner.cancel('sta-nope', null)).rejects.toBeInstanceOf(GatewayError);
    await expect(r.runner.cancel('sta-nope', null)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const { alert } = (await r.runner.recordAlert({ ...pushAlert(), userName: null }));
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
      edges { cursor node { id kind userName state closeReason unlockAt run { playbook state hours groupName dueAt steps { name status attempts error { code message detail } nextAttemptAt } } } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

  it('lists, filters and pages the alerts with their runs and steps', async () => {
    const clock = new ManualClock(T0);
    const sta = new FakeStaResponder();
    const g = await gateway(clock, sta);
    sta.failNext('terminateUserSessions', 1);
    const push = (await g.services.staAlerts.recordAlert(pushAlert('demouser'))).alert;
    clock.advance(1000);
    const lock = (await g.services.staAlerts.recordAlert(lockoutAlert('hellouser'))).alert;
    clock.advance(1000);
    (await g.services.staAlerts.recordAlert(pushAlert('third')));
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
              { name: 'VALIDATE_TENANT', status: 'SUCCEEDED', attempts: 1, error: null, nextAttemptAt: null },
              { name: 'CHECK_USER', status: 'SUCCEEDED', attempts: 1, error: null, nextAttemptAt: null },
              { name: 'CHECK_SESSIONS', status: 'SUCCEEDED', attempts: 1, error: null, nextAttemptAt: null },
              {
                name: 'TERMINATE_SESSIONS',
                status: 'FAILED',
                attempts: 1,
                error: { code: 'UPSTREAM_UNAVAILABLE', message: 'SafeNet Trusted Access answered HTTP 503', detail: null },
                nextAttemptAt: expect.any(String),
              },
              { name: 'WAIT', status: 'PENDING', attempts: 0, error: null, nextAttemptAt: null },
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
    const { alert } = (await g.services.staAlerts.recordAlert(lockoutAlert()));
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
    clock.advance(120_000);
    await g.services.staAlerts.tick();

    const late = await g.gql(CANCEL, { id: alert.id }, RESPONDER);
    expect(late.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const missing = await g.gql(CANCEL, { id: 'sta-none' }, RESPONDER);
    expect(missing.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');

    const second = (await g.services.staAlerts.recordAlert(pushAlert())).alert;
    await g.services.staAlerts.tick();
    const cancelled = await g.gql(CANCEL, { id: second.id }, RESPONDER);
    expect(cancelled.body.data.cancelStaPlaybookRun).toEqual({ id: second.id, state: 'CLOSED', closeReason: 'Cancelled', run: { state: 'CANCELLED' } });
    expect(sta.members(GROUP)).toEqual(['demouser']);

    // removeUserFromGroup: true takes the parked user out at once.
    const third = (await g.services.staAlerts.recordAlert(pushAlert('hellouser'))).alert;
    await g.services.staAlerts.tick();
    expect(sta.members(GROUP)).toEqual(['demouser', 'hellouser']);
    const REMOVE = `mutation($id: ID!) { cancelStaPlaybookRun(id: $id, removeUserFromGroup: true) { closeNotes run { steps { name status } } } }`;
    const removed = await g.gql(REMOVE, { id: third.id }, RESPONDER);
    expect(removed.body.errors).toBeUndefined();
    expect(removed.body.data.cancelStaPlaybookRun.run.steps).toContainEqual({ name: 'REMOVE_FROM_GROUP', status: 'SUCCEEDED' });
    expect(sta.members(GROUP)).toEqual(['demouser']);
  });

  it('pushes alert and step events live to a subscriber', async () => {
    const clock = new ManualClock(T0);
    const g = await gateway(clock, new FakeStaResponder());
    const res = await g.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${READER}` },
      body: JSON.stringify({
        query: `subscription { staAlertEvents(filter: { kinds: [ACCOUNT_LOCKOUT], types: [RECORDED, STEP_STARTED, WAITING, CLOSED] }) { type step alert { userName state run { state } } } }`,
      }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const received: any[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      while (received.length < 7) {
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
    (await g.services.staAlerts.recordAlert(pushAlert())); // filtered out: not a lockout
    (await g.services.staAlerts.recordAlert(lockoutAlert('hellouser')));
    await g.services.staAlerts.tick();
    clock.advance(120_000);
    await g.services.staAlerts.tick();
    await reading;
    await reader.cancel();
    const running = { userName: 'hellouser', state: 'OPEN', run: { state: 'RUNNING' } };
    expect(received).toEqual([
      { type: 'RECORDED', step: null, alert: running },
      { type: 'STEP_STARTED', step: 'VALIDATE_TENANT', alert: running },
      { type: 'STEP_STARTED', step: 'CHECK_USER', alert: running },
      { type: 'STEP_STARTED', step: 'CHECK_SESSIONS', alert: running },
      { type: 'STEP_STARTED', step: 'TERMINATE_SESSIONS', alert: running },
      // Published with the step's success, in the same write that marks the run WAITING.
      { type: 'WAITING', step: 'WAIT', alert: { ...running, run: { state: 'WAITING' } } },
      { type: 'CLOSED', step: null, alert: { userName: 'hellouser', state: 'CLOSED', run: { state: 'COMPLETED' } } },
    ]);
  });
});
