// The STA alert mail listener: the guide's two Mail Listener v2 instances, classifier, mapper and drop
// rules in one. Each message of the folder is read, classified and either recorded as an alert (which starts
// its playbook) or dropped with a log line saying why.
import type { StaAlertsMailConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Database } from '../store/database.js';
import type { StaPlaybookRunner } from '../playbooks/sta-playbook-runner.js';
import { ImapFolderWatcher, type FolderCursor, type MailboxMessage } from './imap-folder-watcher.js';
import { readStaAlertMail } from './sta-alert-mail.js';

export interface StaAlertMailListenerOptions {
  mail: StaAlertsMailConfig;
  database: Database;
  logger: Logger;
  runner: StaPlaybookRunner;
  maxReconnectDelayMs?: number;
}

export class StaAlertMailListener {
  private readonly watcher: ImapFolderWatcher;
  private readonly logger: Logger;
  private readonly runner: StaPlaybookRunner;

  constructor(opts: StaAlertMailListenerOptions) {
    this.logger = opts.logger.child({ component: 'sta-alert-mail', folder: opts.mail.folder });
    this.runner = opts.runner;
    this.watcher = new ImapFolderWatcher({
      mail: opts.mail,
      database: opts.database,
      logger: opts.logger,
      onMessage: (m) => this.handle(m),
      ...(opts.maxReconnectDelayMs !== undefined ? { maxReconnectDelayMs: opts.maxReconnectDelayMs } : {}),
    });
  }

  start(): void {
    this.watcher.start();
  }

  stop(): Promise<void> {
    return this.watcher.stop();
  }

  cursor(): Promise<FolderCursor | undefined> {
    return this.watcher.cursor();
  }

  /** Returns once the alert is durably recorded (or the message is dropped); throws only if recording failed. */
  async handle(message: MailboxMessage): Promise<void> {
    const source = `${message.folder}/${message.uidValidity}/${message.uid}`;
    const result = await readStaAlertMail(message.source);
    if ('dropped' in result) {
      this.logger.info({ source, subject: result.subject, messageId: result.messageId, reason: result.dropped }, 'email dropped: not an STA alert');
      return;
    }
    const receivedAt = message.internalDate && !Number.isNaN(message.internalDate.getTime()) ? message.internalDate.toISOString() : null;
    const { alert, created } = await this.runner.recordAlert({ ...result.alert, source, receivedAt });
    if (!created) {
      this.logger.info({ source, alertId: alert.id, messageId: alert.messageId }, 'email already recorded as an STA alert: not handled again');
    } else if (!alert.userName) {
      this.logger.warn({ source, alertId: alert.id, kind: alert.kind }, 'STA alert email names no user: recorded without a playbook run');
    }
  }
}
