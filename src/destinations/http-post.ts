// The one HTTP call of the webhook, Slack, Teams and PagerDuty senders: a POST with got (already the
// connectors' client: its proxy agents and TLS options from transport.ts apply, and its timeout covers the
// whole exchange). No retry here: the outbox retries, across restarts, with the same idempotency key. No
// redirects: a webhook URL that moved is an error to fix, and following it would resend the body elsewhere.
import got from 'got';
import type { UpstreamTransport } from '../connectors/transport.js';
import { transportOptions } from '../connectors/transport.js';
import { httpOutcome, networkOutcome, retryAfterMs, type SendOutcome } from './outcome.js';

export interface PostTarget {
  url: string;
  timeoutMs: number;
  transport: UpstreamTransport;
}

export async function postJson(target: PostTarget, body: string, headers: Record<string, string>): Promise<SendOutcome> {
  try {
    const res = await got.post(target.url, {
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'secgraph-destinations', ...headers },
      throwHttpErrors: false,
      followRedirect: false,
      retry: { limit: 0 },
      timeout: { request: target.timeoutMs },
      ...transportOptions(target.url, target.transport),
    });
    return httpOutcome(res.statusCode, res.body, retryAfterMs(res.headers['retry-after'], Date.now()));
  } catch (e) {
    return networkOutcome(e);
  }
}
