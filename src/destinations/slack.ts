// A Slack incoming webhook: `text` (the notification fallback) and Block Kit blocks: a header with the title,
// a section with severity, source, event and owner/actor fields, the description, and a context line with the
// alert id and a console link. Slack answers 200 "ok"; 429 with Retry-After when rate limited (about one
// message per second per webhook), which the worker honours.
import type { DestinationConfig } from '../config.js';
import type { AlertNotice } from '../domain/alert-delivery.js';
import { postJson } from './http-post.js';
import { consoleLink, type Sender } from './sender.js';

type SlackConfig = Extract<DestinationConfig, { type: 'slack' }>;

const SEVERITY_EMOJI: Record<string, string> = { CRITICAL: ':red_circle:', HIGH: ':large_orange_circle:', MEDIUM: ':large_yellow_circle:', LOW: ':large_blue_circle:', INFO: ':white_circle:' };

export const EVENT_WORDS: Record<string, string> = {
  ALERT_CREATED: 'New alert',
  ALERT_UPDATED: 'Alert updated',
  STATUS_CHANGED: 'Status changed',
  PLAYBOOK_FAILED: 'Playbook failed',
  TEST: 'Test message',
};

/** Slack's mrkdwn needs &, < and > escaped. */
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Slack's limits: header text 150 characters, section text 3000. */
const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function slackMessage(n: AlertNotice, publicUrl: string | null): Record<string, unknown> {
  const link = consoleLink(publicUrl, n);
  const status = n.event === 'STATUS_CHANGED' ? `${n.previousStatus ?? '?'} → ${n.status ?? '?'}` : (n.status ?? 'OPEN');
  const fields = [
    `*Severity*\n${SEVERITY_EMOJI[n.severity] ?? ''} ${n.severity}`,
    `*Source*\n${n.source}`,
    `*Event*\n${EVENT_WORDS[n.event] ?? n.event}`,
    `*Status*\n${status}`,
    ...(n.actor ? [`*${n.event === 'STATUS_CHANGED' ? 'By' : 'Owner / actor'}*\n${esc(n.actor)}`] : []),
    ...(n.assignee ? [`*Assignee*\n${esc(n.assignee)}`] : []),
  ].map((text) => ({ type: 'mrkdwn', text }));
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${EVENT_WORDS[n.event] ?? n.event}: ${n.title}`, 150), emoji: true } },
    { type: 'section', fields },
  ];
  if (n.description) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(esc(n.description), 3000) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Alert \`${esc(n.alertId)}\`${link ? ` · <${link}|Open in secgraph>` : ''}` }] });
  return { text: cut(`[${n.severity}] ${EVENT_WORDS[n.event] ?? n.event}: ${n.title}`, 3000), blocks };
}

export class SlackSender implements Sender {
  constructor(
    private readonly config: SlackConfig,
    private readonly publicUrl: string | null,
  ) {}

  send(notice: AlertNotice) {
    return postJson(this.config, JSON.stringify(slackMessage(notice, this.publicUrl)), {});
  }
}
