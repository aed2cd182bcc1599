// A custom webhook (a SOAR: Tines, TheHive, ServiceNow): Panther's custom-webhook fields plus secgraph's own,
// signed so the receiver can tell it came from here and is fresh: X-Secgraph-Timestamp (Unix seconds) and
// X-Secgraph-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>, as Stripe and Slack sign theirs.
// Idempotency-Key is the delivery id: the same on every attempt, so a receiver can drop a repeat.
import { createHmac } from 'node:crypto';
import type { DestinationConfig } from '../config.js';
import type { AlertNotice } from '../domain/alert-delivery.js';
import { GATEWAY_VERSION } from '../version.js';
import { postJson } from './http-post.js';
import { consoleLink, type DeliveryAttempt, type Sender } from './sender.js';

type WebhookConfig = Extract<DestinationConfig, { type: 'webhook' }>;

export const SIGNATURE_HEADER = 'X-Secgraph-Signature';
export const TIMESTAMP_HEADER = 'X-Secgraph-Timestamp';

/** The document a webhook receives. */
export function webhookBody(notice: AlertNotice, deliveryId: string, publicUrl: string | null): Record<string, unknown> {
  return {
    // Panther's custom-webhook fields.
    id: notice.detectionId,
    alertId: notice.alertId,
    createdAt: notice.createdAt,
    severity: notice.severity,
    type: notice.type,
    title: notice.title,
    name: notice.detectionId,
    description: notice.description,
    link: consoleLink(publicUrl, notice),
    runbook: notice.runbook,
    tags: notice.tags,
    alertContext: notice.context,
    version: GATEWAY_VERSION,
    // secgraph's own.
    source: notice.source,
    status: notice.status,
    previousStatus: notice.previousStatus ?? null,
    assignee: notice.assignee,
    actor: notice.actor,
    event: notice.event,
    eventAt: notice.at,
    deliveryId,
  };
}

export function signature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookSender implements Sender {
  constructor(
    private readonly config: WebhookConfig,
    private readonly publicUrl: string | null,
    private readonly nowMs: () => number = Date.now,
  ) {}

  send(notice: AlertNotice, attempt: DeliveryAttempt) {
    const body = JSON.stringify(webhookBody(notice, attempt.id, this.publicUrl));
    const timestamp = String(Math.floor(this.nowMs() / 1000));
    const headers: Record<string, string> = { ...this.config.headers, 'Idempotency-Key': attempt.id, [TIMESTAMP_HEADER]: timestamp };
    if (this.config.secret) headers[SIGNATURE_HEADER] = signature(this.config.secret, timestamp, body);
    return postJson(this.config, body, headers);
  }
}
