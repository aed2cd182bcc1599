// Email over SMTP with nodemailer (a maintained client: STARTTLS, implicit TLS, AUTH, pooling): to the fixed
// recipients and, with `assetOwner: true`, to the asset owner of a SaaS Security incident, as the XSOAR SaaS
// Security "Incident Processor" playbook mails the owner. The Message-ID is the delivery id, so a message
// sent again after a crash is recognisably the same one. SMTP 4xx replies and lost connections are retried;
// 5xx replies (a refused recipient, failed authentication) are permanent.
// nodemailer is loaded at the first email, not at start: a gateway without an email destination never loads it.
import type { Transporter } from 'nodemailer';
import type { DestinationConfig } from '../config.js';
import type { AlertNotice } from '../domain/alert-delivery.js';
import { excerptOf, type SendOutcome } from './outcome.js';
import { consoleLink, type DeliveryAttempt, type Sender } from './sender.js';
import { EVENT_WORDS } from './slack.js';

type EmailConfig = Extract<DestinationConfig, { type: 'email' }>;

export function emailText(n: AlertNotice, publicUrl: string | null): { subject: string; text: string } {
  const link = consoleLink(publicUrl, n);
  const lines = [
    `${EVENT_WORDS[n.event] ?? n.event}: ${n.title}`,
    '',
    `Severity: ${n.severity}`,
    `Source:   ${n.source}`,
    `Alert:    ${n.alertId}`,
    ...(n.status ? [`Status:   ${n.previousStatus ? `${n.previousStatus} -> ` : ''}${n.status}`] : []),
    ...(n.actor ? [`Owner / actor: ${n.actor}`] : []),
    ...(n.assignee ? [`Assignee: ${n.assignee}`] : []),
    `Created:  ${n.createdAt}`,
    '',
    ...(n.description ? [n.description, ''] : []),
    ...(n.source === 'SAAS_INCIDENT' && n.ownerEmail ? ['You receive this as the owner of the asset above: please review its exposure.', ''] : []),
    ...(link ? [`Open in secgraph: ${link}`] : []),
  ];
  return { subject: `[secgraph ${n.severity}] ${EVENT_WORDS[n.event] ?? n.event}: ${n.title}`.slice(0, 250), text: lines.join('\n') };
}

export class EmailSender implements Sender {
  private transport: Promise<Transporter> | null = null;

  constructor(
    private readonly config: EmailConfig,
    private readonly publicUrl: string | null,
  ) {}

  private async open(): Promise<Transporter> {
    const { default: nodemailer } = await import('nodemailer');
    const s = this.config.smtp;
    const config = this.config;
    return nodemailer.createTransport({
      host: s.host,
      port: s.port,
      secure: s.tls,
      requireTLS: s.starttls,
      ignoreTLS: !s.tls && !s.starttls,
      ...(s.user && s.password ? { auth: { user: s.user, pass: s.password } } : {}),
      ...(s.ca ? { tls: { ca: [s.ca] } } : {}),
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
    });
  }

  async send(n: AlertNotice, attempt: DeliveryAttempt): Promise<SendOutcome> {
    const to = [...this.config.to, ...(this.config.assetOwner && n.ownerEmail && !this.config.to.includes(n.ownerEmail) ? [n.ownerEmail] : [])];
    if (to.length === 0) return { result: 'permanent', status: null, excerpt: null, retryAfterMs: null, error: 'no recipient (the alert has no asset owner)' };
    const { subject, text } = emailText(n, this.publicUrl);
    try {
      this.transport ??= this.open();
      const info = await (await this.transport).sendMail({
        from: this.config.from,
        to,
        subject,
        text,
        messageId: `<${attempt.id}@secgraph>`,
        headers: { 'X-Secgraph-Alert-Id': n.alertId, 'X-Secgraph-Event': n.event, 'Idempotency-Key': attempt.id },
      });
      return { result: 'delivered', status: 250, excerpt: excerptOf(String(info.response ?? '')), retryAfterMs: null, error: null };
    } catch (e) {
      const code = (e as { responseCode?: number }).responseCode;
      const kind = (e as { code?: string }).code;
      if (typeof code === 'number') {
        return { result: code >= 500 ? 'permanent' : 'transient', status: code, excerpt: excerptOf((e as { response?: string }).response), retryAfterMs: null, error: `SMTP ${code}${kind ? ` (${kind})` : ''}` };
      }
      return { result: 'transient', status: null, excerpt: null, retryAfterMs: null, error: kind ?? 'SMTP connection failed' };
    }
  }

  async close(): Promise<void> {
    (await this.transport?.catch(() => null))?.close();
  }
}
