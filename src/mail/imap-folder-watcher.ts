// Watches one IMAP folder and hands every new message to a handler, exactly once across crashes.
//
// Like the reference's Mail Listener v2, it remembers the last UID it handled (per UIDVALIDITY) and reads the
// messages after it; unlike it, the cursor and the \Seen flag move only AFTER the handler has returned, i.e.
// after the alert is durably recorded. A crash in between makes the message be read again on restart; the
// handler recognises it (the alert id comes from the Message-ID), so nothing is lost and nothing is handled
// twice. Messages are read with BODY.PEEK, so \Seen is set by us, not as a side effect of the fetch.
//
// New mail is noticed through IDLE; a sync also runs every pollSeconds in case IDLE is missing or silently
// stalls (polling as the fallback). Connection failures reconnect with backoff.
// imapflow is loaded when the watcher first connects: a gateway without a mailbox never pays for it.
import type { ImapFlow, MailboxObject } from 'imapflow';
import type { StaAlertsMailConfig } from '../config.js';
import { registerSecret, scrub, type Logger } from '../logger.js';
import type { Database } from '../store/database.js';
import { MailCursors, type FolderCursor } from '../store/mail-cursors.js';

export type { FolderCursor } from '../store/mail-cursors.js';

export interface MailboxMessage {
  folder: string;
  uidValidity: string;
  uid: number;
  source: Buffer;
  /** IMAP INTERNALDATE: when the server received it. */
  internalDate: Date | null;
}

/** Throwing leaves the message unhandled: it is offered again after a reconnect. */
export type MailboxMessageHandler = (message: MailboxMessage) => Promise<void>;

export interface ImapFolderWatcherOptions {
  mail: StaAlertsMailConfig;
  database: Database;
  logger: Logger;
  onMessage: MailboxMessageHandler;
  /** Cap on the wait between reconnect attempts. */
  maxReconnectDelayMs?: number;
}

export class ImapFolderWatcher {
  private readonly mail: StaAlertsMailConfig;
  private readonly logger: Logger;
  private readonly onMessage: MailboxMessageHandler;
  private readonly cursors: MailCursors;
  private readonly cursorKey: string;
  private readonly maxReconnectDelayMs: number;
  /** Set on EXISTS, cleared when a sync starts (see run). */
  private mailArrived = false;
  private stopped = true;
  private loop: Promise<void> | null = null;
  private client: ImapFlow | null = null;
  /** Ends the current wait (for new mail or before a reconnect). */
  private interrupt: (() => void) | null = null;

  constructor(opts: ImapFolderWatcherOptions) {
    this.mail = opts.mail;
    this.logger = opts.logger.child({ component: 'sta-alert-mail', folder: opts.mail.folder });
    this.onMessage = opts.onMessage;
    this.maxReconnectDelayMs = opts.maxReconnectDelayMs ?? 60_000;
    registerSecret(opts.mail.password);
    this.cursors = new MailCursors(opts.database.db);
    this.cursorKey = `${opts.mail.user}@${opts.mail.host}:${opts.mail.port}/${opts.mail.folder}`;
  }

  /** Where the watcher is in the folder (undefined before its first sync). */
  cursor(): Promise<FolderCursor | undefined> {
    return this.cursors.get(this.cursorKey);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt?.();
    this.client?.close();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    let failures = 0;
    const { ImapFlow } = await import('imapflow');
    while (!this.stopped) {
      const client = new ImapFlow({
        host: this.mail.host,
        port: this.mail.port,
        secure: this.mail.tls,
        auth: { user: this.mail.user, pass: this.mail.password },
        // imapflow's own logger would print protocol lines; ours logs one line per event instead.
        logger: false,
        disableAutoIdle: true,
        connectionTimeout: 30_000,
      });
      // Emitted at most once per connection; the connection closes after it and the loop reconnects.
      client.on('error', (e: Error) => this.logger.warn({ err: scrub(e.message) }, 'IMAP connection error'));
      // A message that arrives while a sync runs is announced (EXISTS) in the reply to one of the sync's own
      // commands, before waitForMail listens, and IDLE does not announce it again: remembered here, it makes
      // the next wait return at once instead of leaving the mail until the next poll.
      client.on('exists', () => {
        this.mailArrived = true;
      });
      this.client = client;
      try {
        await client.connect();
        const lock = await client.getMailboxLock(this.mail.folder);
        try {
          this.logger.info({ host: this.mail.host, port: this.mail.port }, 'watching the STA alert mailbox');
          failures = 0;
          while (!this.stopped && client.usable) {
            await this.sync(client);
            await this.waitForMail(client);
          }
        } finally {
          lock.release();
        }
      } catch (e) {
        if (!this.stopped) {
          failures += 1;
          this.logger.warn({ err: scrub(e instanceof Error ? e.message : String(e)), failures }, 'STA alert mailbox unavailable or its sync failed, will reconnect');
        }
      } finally {
        this.client = null;
        await client.logout().catch(() => client.close());
      }
      if (!this.stopped) await this.pause(Math.min(1000 * 2 ** Math.min(failures, 10), this.maxReconnectDelayMs));
    }
  }

  /** Hands every message after the cursor to the handler, oldest first. */
  private async sync(client: ImapFlow): Promise<void> {
    this.mailArrived = false;
    const mailbox = client.mailbox as MailboxObject;
    const uidValidity = String(mailbox.uidValidity);
    const cursor = await this.cursor();
    let uids: number[];
    /** First read of this folder: the cursor ends at least at the UIDs that existed then. */
    let floor = 0;
    if (cursor && cursor.uidValidity === uidValidity) {
      // `n:*` always matches the newest message, even below n: filter.
      uids = ((await client.search({ uid: `${cursor.lastUid + 1}:*` }, { uid: true })) || []).filter((u) => u > cursor.lastUid);
    } else {
      // First start, or the folder was rebuilt (new UIDVALIDITY): read what nobody has read yet rather than
      // the folder's whole history. Alerts recorded before a rebuild are recognised by their Message-ID.
      if (cursor) this.logger.warn({ was: cursor.uidValidity, now: uidValidity }, 'UIDVALIDITY changed: re-reading the unread messages');
      floor = Math.max(0, mailbox.uidNext - 1);
      uids = (await client.search({ seen: false }, { uid: true })) || [];
    }
    for (const uid of uids.sort((a, b) => a - b)) {
      if (this.stopped) return;
      const msg = await client.fetchOne(String(uid), { source: true, internalDate: true }, { uid: true });
      if (msg && msg.source) {
        const internalDate = msg.internalDate ? new Date(msg.internalDate) : null;
        await this.onMessage({ folder: this.mail.folder, uidValidity, uid, source: msg.source, internalDate });
        await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      } else {
        this.logger.info({ uid }, 'message vanished before it could be read (expunged)');
      }
      await this.advanceCursor(uidValidity, uid);
    }
    await this.advanceCursor(uidValidity, floor);
  }

  private async advanceCursor(uidValidity: string, uid: number): Promise<void> {
    const previous = await this.cursor();
    const lastUid = Math.max(uid, previous?.uidValidity === uidValidity ? previous.lastUid : 0);
    if (previous?.uidValidity !== uidValidity || previous.lastUid !== lastUid) await this.cursors.set(this.cursorKey, { uidValidity, lastUid });
  }

  /** Resolves on new mail (IDLE), after pollSeconds, when the connection closes, or on stop. */
  private async waitForMail(client: ImapFlow): Promise<void> {
    if (this.mailArrived) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('exists', done);
        client.off('close', done);
        this.interrupt = null;
        resolve();
      };
      const timer = setTimeout(done, this.mail.pollSeconds * 1000);
      client.on('exists', done);
      client.on('close', done);
      this.interrupt = done;
      // The next command (the sync's SEARCH) ends the IDLE; a server without IDLE gets NOOPs instead.
      client.idle().catch(() => done());
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.interrupt = null;
        resolve();
      }, ms);
      this.interrupt = () => {
        clearTimeout(timer);
        this.interrupt = null;
        resolve();
      };
    });
  }
}
