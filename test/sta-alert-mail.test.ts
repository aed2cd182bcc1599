// The STA alert mail listener against a real IMAP server (Dovecot on loopback): the two alert emails the
// guide describes, junk and malformed mail, IDLE, and restarts (including a crash between recording an alert
// and marking its message) without losing or double-handling an alert.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPubSub } from 'graphql-yoga';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { StaAlertEvent } from '../src/domain/sta-alert.js';
import { createLogger } from '../src/logger.js';
import { StaAlertMailListener } from '../src/mail/sta-alert-listener.js';
import { StaAlertStore } from '../src/playbooks/sta-alert-store.js';
import { StaPlaybookRunner } from '../src/playbooks/sta-playbook-runner.js';
import type { Topics } from '../src/pubsub.js';
import { openDatabase } from '../src/store/database.js';
import { MailCursors } from '../src/store/mail-cursors.js';
import { sharedDovecot } from './helpers/dovecot.js';
import { FakeStaResponder } from './helpers/fake-sta-responder.js';
import { LogCapture, startTestGateway } from './helpers/gateway.js';

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'sta-alerts');
/** A fixture as it travels over IMAP: CRLF line ends. */
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8').replace(/\r?\n/g, '\r\n');
const withHeader = (raw: string, header: string, value: string) => raw.replace(new RegExp(`^${header}: .*$`, 'm'), `${header}: ${value}`);

const dovecot = sharedDovecot();

let folderSeq = 0;
async function newFolder(): Promise<string> {
  const folder = `Alerts${++folderSeq}`;
  await dovecot().client.mailboxCreate(folder);
  return folder;
}

interface Listening {
  listener: StaAlertMailListener;
  store: StaAlertStore;
  runner: StaPlaybookRunner;
  logs: LogCapture;
  events: StaAlertEvent[];
  stop(): Promise<void>;
}

const running: Listening[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((l) => l.stop()));
});

async function listen(folder: string, dataDir: string, password = dovecot().password): Promise<Listening> {
  const logs = new LogCapture();
  const logger = createLogger('debug', logs);
  const pubsub = createPubSub<Topics>();
  const events: StaAlertEvent[] = [];
  const subscription = pubsub.subscribe('sta-alert:event')[Symbol.asyncIterator]();
  const collect = (async () => {
    for (let r = await subscription.next(); !r.done; r = await subscription.next()) events.push(r.value);
  })();
  const database = await openDatabase({ dataDir });
  const store = StaAlertStore.open(database, pubsub);
  const runner = new StaPlaybookRunner({
    store,
    responder: null,
    clock: new ManualClock(),
    logger,
    settings: { groupName: 'Unusual Activity Group', hours: 24 },
  });
  // pollSeconds is an hour: anything picked up after the first sync arrived through IDLE.
  const mail = { host: dovecot().host, port: dovecot().port, user: dovecot().user, password, tls: false, folder, pollSeconds: 3600 };
  const listener = new StaAlertMailListener({ mail, database, logger, runner, maxReconnectDelayMs: 50 });
  listener.start();
  let stopped = false;
  const l: Listening = {
    listener,
    store,
    runner,
    logs,
    events,
    async stop() {
      if (stopped) return;
      stopped = true;
      await listener.stop();
      await database.close();
      await subscription.return?.();
      await collect;
    },
  };
  running.push(l);
  return l;
}

const dataDir = () => mkdtempSync(path.join(tmpdir(), 'secgraph-sta-mail-'));
const untilHandled = (l: Listening, uid: number) =>
  vi.waitFor(async () => expect((await l.listener.cursor())?.lastUid).toBeGreaterThanOrEqual(uid), { timeout: 15_000, interval: 20 });

describe('STA alert mail listener', () => {
  it('records the push-rejection and lockout emails the guide describes, then marks them \\Seen', async () => {
    const folder = await newFolder();
    const pushUid = await dovecot().append(folder, fixture('push-rejection.eml'));
    const lockUid = await dovecot().append(folder, fixture('account-lockout.eml'));
    const l = await listen(folder, dataDir());
    await untilHandled(l, lockUid);

    const alerts = (await l.store.list({}, 1000));
    expect(alerts).toHaveLength(2);
    const push = alerts.find((a) => a.kind === 'PUSH_REJECTION')!;
    expect(push).toMatchObject({
      userName: 'demouser',
      tenantName: 'Acme',
      instanceName: 'SafeNet Trusted Access_instance_1',
      subject: 'SafeNet Trusted Access Push Notification Rejection Alert',
      messageId: '<push-rejection-0001@mail.safenetid.example>',
      sentAt: '2026-01-05T09:15:02.000Z',
      unlockAt: null,
      state: 'OPEN',
      problem: null,
      source: `${folder}/${(await l.listener.cursor())!.uidValidity}/${pushUid}`,
    });
    expect(push.receivedAt).toMatch(/Z$/);
    expect(push.run).toMatchObject({ playbook: 'ADD_TO_UNUSUAL_ACTIVITY_GROUP', state: 'RUNNING', groupName: 'Unusual Activity Group', hours: 24 });
    const lock = alerts.find((a) => a.kind === 'ACCOUNT_LOCKOUT')!;
    expect(lock).toMatchObject({
      userName: 'hellouser',
      tenantName: 'Acme',
      instanceName: 'SafeNet Trusted Access_instance_1',
      // Date: 10:00:41 +0100 is 09:00:41 UTC; the unlock line is already UTC.
      sentAt: '2026-01-05T09:00:41.000Z',
      unlockAt: '2026-01-05T09:30:41.000Z',
    });
    expect(lock.run).toMatchObject({ playbook: 'TERMINATE_USER_SSO_SESSIONS' });
    expect(lock.run!.steps.map((s) => s.name)).toEqual(['VALIDATE_TENANT', 'CHECK_USER', 'CHECK_SESSIONS', 'TERMINATE_SESSIONS', 'WAIT', 'CLOSE_ALERT']);
    expect(l.events.filter((e) => e.type === 'RECORDED')).toHaveLength(2);
    expect(await dovecot().flags(folder, pushUid)).toContain('\\Seen');
    expect(await dovecot().flags(folder, lockUid)).toContain('\\Seen');
  });

  it('reads an HTML-only, base64-encoded lockout email, with a US-style unlock time', async () => {
    const folder = await newFolder();
    const uid = await dovecot().append(folder, fixture('account-lockout-html.eml'));
    const l = await listen(folder, dataDir());
    await untilHandled(l, uid);
    expect((await l.store.list({}, 1000))).toMatchObject([
      { kind: 'ACCOUNT_LOCKOUT', userName: 'j.doe@acme.example', tenantName: 'Acme', unlockAt: '2026-01-06T19:32:00.000Z', sentAt: '2026-01-06T19:02:00.000Z' },
    ]);
  });

  it('drops every other email with a log line saying why, and still marks it handled', async () => {
    const folder = await newFolder();
    const push = fixture('push-rejection.eml');
    const junk = [
      fixture('newsletter.eml'),
      fixture('forwarded-push-rejection.eml'),
      fixture('replied-sas-alert.eml'),
      // The classifier matches the subject exactly (case included).
      withHeader(withHeader(push, 'Subject', 'Safenet Trusted Access Push Notification Rejection Alert'), 'Message-ID', '<case@x>'),
      withHeader(withHeader(push, 'Subject', '[EXT] SafeNet Trusted Access User Lockout Alert'), 'Message-ID', '<tagged@x>'),
    ];
    const uids: number[] = [];
    for (const raw of junk) uids.push(await dovecot().append(folder, raw));
    const l = await listen(folder, dataDir());
    await untilHandled(l, uids[uids.length - 1]!);

    expect((await l.store.list({}, 1000))).toEqual([]);
    const drops = l.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((o) => o['msg'] === 'email dropped: not an STA alert');
    expect(drops.map((d) => d['reason'])).toEqual([
      'not an STA alert subject',
      'a forwarded or replied copy of an alert, not the alert itself',
      'a forwarded or replied copy of an alert, not the alert itself',
      'the subject names an alert but is not exactly one of the two STA alert subjects',
      'the subject names an alert but is not exactly one of the two STA alert subjects',
    ]);
    expect(drops[0]).toMatchObject({ subject: 'Your January security newsletter', messageId: '<newsletter-2026-01@vendor.example>' });
    for (const uid of uids) expect(await dovecot().flags(folder, uid)).toContain('\\Seen');
  });

  it('keeps an alert whose body names no user (visible, no playbook), and drops a message that is not mail', async () => {
    const folder = await newFolder();
    const noUser = await dovecot().append(folder, fixture('push-rejection-no-user.eml'));
    const garbage = await dovecot().append(folder, readFileSync(path.join(FIXTURES, 'garbage.eml')));
    const badUnlock = await dovecot().append(
      folder,
      withHeader(fixture('account-lockout.eml'), 'Message-ID', '<bad-unlock@x>').replace('2026-01-05 09:30:41 UTC', '2026-02-31 09:30:41 UTC'),
    );
    const l = await listen(folder, dataDir());
    await untilHandled(l, badUnlock);

    const alerts = (await l.store.list({}, 1000));
    expect(alerts).toHaveLength(2);
    expect(alerts.find((a) => a.messageId === '<push-rejection-0002@mail.safenetid.example>')).toMatchObject({
      kind: 'PUSH_REJECTION',
      userName: null,
      instanceName: 'SafeNet Trusted Access_instance_1',
      run: null,
      problem: expect.stringContaining('names no user'),
    });
    // 31 February is not a time: no unlock time rather than 3 March.
    expect(alerts.find((a) => a.messageId === '<bad-unlock@x>')).toMatchObject({ userName: 'hellouser', unlockAt: null });
    expect(l.logs.text).toContain('the email has no subject');
    for (const uid of [noUser, garbage, badUnlock]) expect(await dovecot().flags(folder, uid)).toContain('\\Seen');
  });

  it('picks up new mail through IDLE while it is watching', async () => {
    const folder = await newFolder();
    const l = await listen(folder, dataDir());
    await vi.waitFor(async () => expect(await l.listener.cursor()).toBeDefined(), { timeout: 15_000, interval: 20 });
    await vi.waitFor(() => expect(l.logs.text).toContain('watching the STA alert mailbox'), { timeout: 15_000, interval: 20 });
    const uid = await dovecot().append(folder, fixture('push-rejection.eml'));
    await untilHandled(l, uid);
    expect((await l.store.list({}, 1000)).map((a) => a.userName)).toEqual(['demouser']);
  });

  it('on first start reads only unread mail, not the folder history', async () => {
    const folder = await newFolder();
    await dovecot().append(folder, fixture('push-rejection.eml'), ['\\Seen']);
    const unread = await dovecot().append(folder, fixture('account-lockout.eml'));
    const l = await listen(folder, dataDir());
    await untilHandled(l, unread);
    expect((await l.store.list({}, 1000)).map((a) => a.kind)).toEqual(['ACCOUNT_LOCKOUT']);
  });

  it('does not mark a message handled when recording its alert fails, and records it on the next attempt', async () => {
    const folder = await newFolder();
    const uid = await dovecot().append(folder, fixture('push-rejection.eml'));
    const dir = dataDir();
    const l = await listen(folder, dir);
    const record = vi.spyOn(l.runner, 'recordAlert').mockImplementation(() => {
      throw new Error('ENOSPC: no space left on device');
    });
    await vi.waitFor(() => expect(l.logs.text).toContain('ENOSPC'), { timeout: 15_000, interval: 20 });
    expect(await dovecot().flags(folder, uid)).not.toContain('\\Seen');
    expect((await l.listener.cursor())?.lastUid ?? 0).toBeLessThan(uid);
    record.mockRestore();
    await untilHandled(l, uid);
    expect((await l.store.list({}, 1000))).toHaveLength(1);
    expect(await dovecot().flags(folder, uid)).toContain('\\Seen');
  });

  it('restarts without handling anything twice, even after a crash between recording and marking', async () => {
    const folder = await newFolder();
    const dir = dataDir();
    const first = await dovecot().append(folder, fixture('push-rejection.eml'));
    const a = await listen(folder, dir);
    await untilHandled(a, first);
    await a.stop();

    // The crash window: the alert is recorded, but the message is neither \Seen nor behind the cursor.
    const lock = await dovecot().client.getMailboxLock(folder);
    try {
      await dovecot().client.messageFlagsRemove(String(first), ['\\Seen'], { uid: true });
    } finally {
      lock.release();
    }
    const database = await openDatabase({ dataDir: dir });
    const [row] = await database.db.selectFrom('mail_cursors').selectAll().execute();
    await new MailCursors(database.db).set(row!.key, { uidValidity: row!.uid_validity, lastUid: first - 1 });
    await database.close();
    const second = await dovecot().append(folder, fixture('account-lockout.eml'));

    const b = await listen(folder, dir);
    await untilHandled(b, second);
    const alerts = (await b.store.list({}, 1000));
    expect(alerts.map((x) => x.kind).sort()).toEqual(['ACCOUNT_LOCKOUT', 'PUSH_REJECTION']);
    // Only the new email was recorded by the second listener; the first was recognised.
    expect(b.events.filter((e) => e.type === 'RECORDED').map((e) => e.alert.kind)).toEqual(['ACCOUNT_LOCKOUT']);
    expect(b.logs.text).toContain('email already recorded as an STA alert: not handled again');
    expect(await dovecot().flags(folder, first)).toContain('\\Seen');
    await b.stop();

    // A plain restart reads nothing again.
    const c = await listen(folder, dir);
    await vi.waitFor(() => expect(c.logs.text).toContain('watching the STA alert mailbox'), { timeout: 15_000, interval: 20 });
    const third = await dovecot().append(folder, withHeader(fixture('push-rejection.eml'), 'Message-ID', '<push-rejection-0003@x>'));
    await untilHandled(c, third);
    expect(c.events.filter((e) => e.type === 'RECORDED').map((e) => e.alert.messageId)).toEqual(['<push-rejection-0003@x>']);
    expect((await c.store.list({}, 1000))).toHaveLength(3);
  });

  it('treats the same email delivered twice, or again after the folder was rebuilt, as one alert', async () => {
    const folder = await newFolder();
    const dir = dataDir();
    await dovecot().append(folder, fixture('push-rejection.eml'));
    const copy = await dovecot().append(folder, fixture('push-rejection.eml'));
    const a = await listen(folder, dir);
    await untilHandled(a, copy);
    expect((await a.store.list({}, 1000))).toHaveLength(1);
    await a.stop();

    // Rebuilt folder: a new UIDVALIDITY, the old alert delivered again next to a new one.
    await dovecot().client.mailboxDelete(folder);
    await dovecot().client.mailboxCreate(folder);
    await dovecot().append(folder, fixture('push-rejection.eml'));
    const fresh = await dovecot().append(folder, fixture('account-lockout.eml'));
    const b = await listen(folder, dir);
    // The old cursor may already be past these UIDs: wait for the new alert itself.
    await vi.waitFor(() => expect(b.events.some((e) => e.type === 'RECORDED')).toBe(true), { timeout: 15_000, interval: 20 });
    await untilHandled(b, fresh);
    expect(b.logs.text).toContain('UIDVALIDITY changed');
    expect((await b.store.list({}, 1000)).map((x) => x.kind).sort()).toEqual(['ACCOUNT_LOCKOUT', 'PUSH_REJECTION']);
    expect(b.events.filter((e) => e.type === 'RECORDED').map((e) => e.alert.kind)).toEqual(['ACCOUNT_LOCKOUT']);
  });

  it('reconnects when the IMAP server was down, and reads what arrived meanwhile', async () => {
    const folder = await newFolder();
    const l = await listen(folder, dataDir());
    await vi.waitFor(() => expect(l.logs.text).toContain('watching the STA alert mailbox'), { timeout: 15_000, interval: 20 });
    await dovecot().restart(async () => {
      await vi.waitFor(() => expect(l.logs.text).toContain('STA alert mailbox unavailable'), { timeout: 15_000, interval: 20 });
    });
    const uid = await dovecot().append(folder, fixture('account-lockout.eml'));
    await untilHandled(l, uid);
    expect((await l.store.list({}, 1000)).map((a) => a.userName)).toEqual(['hellouser']);
    expect(l.logs.lines.filter((line) => line.includes('watching the STA alert mailbox')).length).toBeGreaterThanOrEqual(2);
  });

  it('picks up mail that arrives while it is reading earlier mail, without waiting for the next poll', async () => {
    const folder = await newFolder();
    const l = await listen(folder, dataDir());
    await vi.waitFor(() => expect(l.logs.text).toContain('watching the STA alert mailbox'), { timeout: 15_000, interval: 20 });
    // The second email lands while the first is being recorded: its EXISTS comes back on the sync's own
    // commands, before the listener is idle again, and IDLE does not announce it a second time.
    const record = l.runner.recordAlert.bind(l.runner);
    let second: Promise<number> | null = null;
    l.runner.recordAlert = async (input) => {
      second ??= dovecot().append(folder, fixture('account-lockout.eml'));
      await second;
      return record(input);
    };
    await dovecot().append(folder, fixture('push-rejection.eml'));
    await vi.waitFor(() => expect(second).not.toBeNull(), { timeout: 15_000, interval: 20 });
    await untilHandled(l, await second!);
    expect((await l.store.list({}, 1000)).map((a) => a.userName).sort()).toEqual(['demouser', 'hellouser']);
  });

  it('never logs the IMAP password, even when the login is refused', async () => {
    const folder = await newFolder();
    const wrong = 'wrong-imap-password-9Zr';
    const l = await listen(folder, dataDir(), wrong);
    await vi.waitFor(() => expect(l.logs.text).toContain('STA alert mailbox unavailable'), { timeout: 15_000, interval: 20 });
    expect(l.logs.text).not.toContain(wrong);
    expect((await l.store.list({}, 1000))).toEqual([]);
  });

  it('runs from the gateway configuration alone: a push-rejection email puts the user in the group', async () => {
    const folder = await newFolder();
    const sta = new FakeStaResponder();
    const gw = await startTestGateway({
      staResponder: sta,
      env: {
        SECGRAPH_DATA_DIR: dataDir(),
        STA_ALERTS_IMAP_HOST: dovecot().host,
        STA_ALERTS_IMAP_PORT: String(dovecot().port),
        STA_ALERTS_IMAP_USER: dovecot().user,
        STA_ALERTS_IMAP_PASSWORD: dovecot().password,
        STA_ALERTS_IMAP_TLS: 'false',
        STA_ALERTS_IMAP_FOLDER: folder,
        STA_UNUSUAL_ACTIVITY_GROUP: 'SOC Watch',
      },
    });
    try {
      const uid = await dovecot().append(folder, fixture('push-rejection.eml'));
      await vi.waitFor(() => expect(sta.members('SOC Watch')).toEqual(['demouser']), { timeout: 15_000, interval: 20 });

      const { body } = await gw.gql(`{ staAlerts { edges { node { kind userName run { state groupName hours } } } } }`);
      expect(body.data.staAlerts.edges).toEqual([
        { node: { kind: 'PUSH_REJECTION', userName: 'demouser', run: { state: 'WAITING', groupName: 'SOC Watch', hours: 24 } } },
      ]);
      await vi.waitFor(async () => expect(await dovecot().flags(folder, uid)).toContain('\\Seen'), { timeout: 15_000, interval: 20 });
      expect(gw.logs.text).not.toContain(dovecot().password);
    } finally {
      await gw.close();
    }
  });
});
