// The whole STA alert chain against real components: an alert email in a real IMAP mailbox (Dovecot on
// loopback), the gateway's mail listener, the durable playbook runner on a ManualClock, the real STA connector
// and the STA emulator on loopback, whose state is checked directly; runs and their steps read through GraphQL.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { StaEmulator } from '../src/emulators/sta/emulator.js';
import { sharedDovecot } from './helpers/dovecot.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-05T09:20:00.000Z');
const GROUP = 'Unusual Activity';
const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'sta-alerts');

/** A fixture email for another user and Message-ID, with CRLF line ends as it travels over IMAP. */
function email(name: 'push-rejection.eml' | 'account-lockout.eml', userName: string, messageId: string): string {
  const raw = readFileSync(path.join(FIXTURES, name), 'utf8')
    .replace(/^Message-ID: .*$/m, `Message-ID: ${messageId}`)
    .replace(/user account demouser in organization/, `user account ${userName} in organization`)
    .replace(/^Username: hellouser$/m, `Username: ${userName}`);
  return raw.replace(/\r?\n/g, '\r\n');
}

const dovecot = sharedDovecot();

let gw: TestGateway | null = null;
afterEach(async () => {
  await gw?.close();
  gw = null;
});

let folderSeq = 0;
/** A gateway configured only through its environment: its own mail folder, the STA emulator, 2 h stays. */
async function gateway(clock: ManualClock): Promise<{ g: TestGateway; sta: StaEmulator; folder: string }> {
  const folder = `E2E${++folderSeq}`;
  await dovecot().client.mailboxCreate(folder);
  gw = await startTestGateway({
    clock,
    sta: { unusualActivityGroup: GROUP },
    env: {
      STA_ALERTS_IMAP_HOST: dovecot().host,
      STA_ALERTS_IMAP_PORT: String(dovecot().port),
      STA_ALERTS_IMAP_USER: dovecot().user,
      STA_ALERTS_IMAP_PASSWORD: dovecot().password,
      STA_ALERTS_IMAP_TLS: 'false',
      STA_ALERTS_IMAP_FOLDER: folder,
      STA_UNUSUAL_ACTIVITY_GROUP: GROUP,
      STA_UNUSUAL_ACTIVITY_HOURS: '2',
    },
  });
  return { g: gw, sta: gw.sta!, folder };
}

const ALERT = `query($user: String!) {
  staAlerts(filter: { userName: $user }) {
    edges { node { id kind userName state closeReason closeNotes
      run { state dueAt steps { name status attempts error { code message detail } } } } }
  }
}`;

async function alertOf(g: TestGateway, user: string): Promise<any> {
  const { body } = await g.gql(ALERT, { user });
  expect(body.errors).toBeUndefined();
  return body.data.staAlerts.edges[0]?.node ?? null;
}

const until = (check: () => unknown | Promise<unknown>) => vi.waitFor(check, { timeout: 15_000, interval: 25 });

describe('STA alert emails end to end (IMAP → playbooks → STA emulator)', () => {
  it('a push rejection puts the user in the group, and N hours later takes them out and closes the alert', async () => {
    const clock = new ManualClock(T0);
    const { g, sta, folder } = await gateway(clock);
    sta.addUser({ userName: 'demouser', firstName: 'Demo', lastName: 'User', email: 'demo.user@example.test' });

    await dovecot().append(folder, email('push-rejection.eml', 'demouser', '<e2e-push-1@sta.example>'));
    await until(() => expect(sta.memberNames(GROUP)).toContain('demouser'));
    await until(async () => expect((await alertOf(g, 'demouser')).run.state).toBe('WAITING'));
    const waiting = await alertOf(g, 'demouser');
    expect(waiting).toMatchObject({ kind: 'PUSH_REJECTION', state: 'OPEN', run: { dueAt: new Date(T0 + 2 * HOUR).toISOString() } });
    expect(waiting.run.steps.map((s: any) => `${s.name}:${s.status}`)).toEqual([
      'VALIDATE_TENANT:SUCCEEDED',
      'CHECK_USER:SUCCEEDED',
      'CHECK_GROUP:SUCCEEDED',
      'CHECK_MEMBERSHIP:SUCCEEDED',
      'ADD_TO_GROUP:SUCCEEDED',
      'WAIT:WAITING',
      'REMOVE_FROM_GROUP:PENDING',
      'CLOSE_ALERT:PENDING',
    ]);
    expect(sta.requestsTo(/\/authorized$/, 'GET').length).toBeGreaterThan(0);
    expect(sta.requestsTo(/\/groups\/[^/]+\/members$/, 'POST')).toHaveLength(1);

    // Not a moment early.
    clock.advance(2 * HOUR - 1000);
    await g.services.staAlerts.tick();
    expect(sta.memberNames(GROUP)).toContain('demouser');

    clock.advance(1000);
    await g.services.staAlerts.tick();
    expect(sta.memberNames(GROUP)).not.toContain('demouser');
    expect(sta.requestsTo(/\/groups\/[^/]+\/members\/[^/]+$/, 'DELETE')).toHaveLength(1);
    expect(await alertOf(g, 'demouser')).toMatchObject({
      state: 'CLOSED',
      closeReason: 'User removed from the Unusual Activity Group.',
      closeNotes: 'User successfully removed from the Unusual Activity Group.',
      run: { state: 'COMPLETED', dueAt: null },
    });
  });

  it("a lockout ends the user's SSO sessions in STA, then closes the alert", async () => {
    const clock = new ManualClock(T0);
    const { g, sta, folder } = await gateway(clock);
    const user = sta.addUser({ userName: 'lockeduser', firstName: 'Locked', lastName: 'User', email: 'locked.user@example.test' });
    const start = Math.floor(T0 / 1000) - 600;
    sta.sessions.set(user.id, [
      { id: 'e2e-session-1', start, expiry: start + 8 * 3600, applications: [] },
      { id: 'e2e-session-2', start, expiry: start + 8 * 3600, applications: [] },
    ]);

    await dovecot().append(folder, email('account-lockout.eml', 'lockeduser', '<e2e-lockout-1@sta.example>'));
    await until(() => expect(sta.sessions.get(user.id)).toEqual([]));
    expect(sta.requestsTo(`/api/v1/tenants/${sta.tenantCode}/users/${encodeURIComponent(user.id)}/sessions`, 'DELETE')).toHaveLength(1);
    await until(async () => expect((await alertOf(g, 'lockeduser')).run.state).toBe('WAITING'));

    clock.advance(120_000);
    await g.services.staAlerts.tick();
    expect(await alertOf(g, 'lockeduser')).toMatchObject({
      kind: 'ACCOUNT_LOCKOUT',
      state: 'CLOSED',
      closeReason: 'Resolved',
      closeNotes: 'All the SSO sessions successfully deleted.',
      run: { state: 'COMPLETED' },
    });
  });

  it("an alert for a user STA does not know ends FAILED with the reference's message, and resumes on retry once the user exists", async () => {
    const clock = new ManualClock(T0);
    const { g, sta, folder } = await gateway(clock);

    await dovecot().append(folder, email('push-rejection.eml', 'ghost.user', '<e2e-ghost-1@sta.example>'));
    await until(async () => expect((await alertOf(g, 'ghost.user'))?.run.state).toBe('FAILED'));
    const failed = await alertOf(g, 'ghost.user');
    expect(failed.state).toBe('OPEN');
    expect(failed.run.steps.find((s: any) => s.name === 'CHECK_USER')).toEqual({
      name: 'CHECK_USER',
      status: 'FAILED',
      attempts: 1,
      error: { code: 'NOT_FOUND', message: "User - ghost.user doesn't exist in the tenant.", detail: null },
    });
    expect(sta.requestsTo(/\/groups\/[^/]+\/members/, 'POST')).toHaveLength(0);

    // Nothing retries it by itself.
    clock.advance(HOUR);
    await g.services.staAlerts.tick();
    expect((await alertOf(g, 'ghost.user')).run.steps.find((s: any) => s.name === 'CHECK_USER').attempts).toBe(1);

    sta.addUser({ userName: 'ghost.user', firstName: 'Ghost', lastName: 'User', email: 'ghost.user@example.test' });
    const { body } = await g.gql(`mutation($id: ID!) { retryStaPlaybookRun(id: $id) { run { state } } }`, { id: failed.id });
    expect(body.errors).toBeUndefined();
    await until(() => expect(sta.memberNames(GROUP)).toContain('ghost.user'));
    await until(async () => expect((await alertOf(g, 'ghost.user')).run.state).toBe('WAITING'));
  });
});
