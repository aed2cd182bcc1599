// One raw email → an STA alert (kind, user, times, instance) or the reason it is dropped. No I/O.
import type { StaAlertKind } from '../domain/sta-alert.js';
import { classifySubject } from './sta-alert-classifier.js';
import { mapStaAlertBody, type StaAlertFields } from './sta-alert-mapper.js';

export interface StaAlertMail extends StaAlertFields {
  kind: StaAlertKind;
  subject: string;
  messageId: string | null;
  /** The Date header, ISO-8601 UTC. */
  sentAt: string | null;
}

export type StaAlertMailResult = { alert: StaAlertMail } | { dropped: string; subject: string | null; messageId: string | null };

export async function readStaAlertMail(raw: Buffer): Promise<StaAlertMailResult> {
  let parsed;
  try {
    // No attachments are needed, and skipping them keeps a hostile message from costing memory.
    // Loaded on the first mail: start-up stays fast for gateways without the alert mailbox.
    const { simpleParser } = await import('mailparser');
    parsed = await simpleParser(raw, { skipHtmlToText: false, skipTextToHtml: true, skipImageLinks: true });
  } catch (e) {
    return { dropped: `the message could not be parsed (${e instanceof Error ? e.message : String(e)})`, subject: null, messageId: null };
  }
  const subject = parsed.subject ?? null;
  const messageId = parsed.messageId?.trim() || null;
  const classified = classifySubject(subject);
  if ('dropped' in classified) return { dropped: classified.dropped, subject, messageId };
  const text = parsed.text ?? '';
  const sentAt = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null;
  return { alert: { kind: classified.kind, subject: subject ?? '', messageId, sentAt, ...mapStaAlertBody(classified.kind, text) } };
}
