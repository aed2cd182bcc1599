// Microsoft Teams through a Workflows webhook (the Office 365 connectors were retired): a message carrying one
// Adaptive Card 1.4 with the title, a fact set (severity, source, event, status, owner/actor) and the
// description, and an Action.OpenUrl to the console when SECGRAPH_PUBLIC_URL is set. Workflows answers 202.
import type { DestinationConfig } from '../config.js';
import type { AlertNotice } from '../domain/alert-delivery.js';
import { postJson } from './http-post.js';
import { consoleLink, type Sender } from './sender.js';
import { EVENT_WORDS } from './slack.js';

type TeamsConfig = Extract<DestinationConfig, { type: 'teams' }>;

const SEVERITY_COLOR: Record<string, string> = { CRITICAL: 'Attention', HIGH: 'Attention', MEDIUM: 'Warning', LOW: 'Accent', INFO: 'Default' };

export function teamsMessage(n: AlertNotice, publicUrl: string | null): Record<string, unknown> {
  const link = consoleLink(publicUrl, n);
  const facts = [
    { title: 'Severity', value: n.severity },
    { title: 'Source', value: n.source },
    { title: 'Event', value: EVENT_WORDS[n.event] ?? n.event },
    { title: 'Status', value: n.event === 'STATUS_CHANGED' ? `${n.previousStatus ?? '?'} → ${n.status ?? '?'}` : (n.status ?? 'OPEN') },
    ...(n.actor ? [{ title: n.event === 'STATUS_CHANGED' ? 'By' : 'Owner / actor', value: n.actor }] : []),
    ...(n.assignee ? [{ title: 'Assignee', value: n.assignee }] : []),
    { title: 'Alert', value: n.alertId },
  ];
  const body: Array<Record<string, unknown>> = [
    { type: 'TextBlock', text: `${EVENT_WORDS[n.event] ?? n.event}: ${n.title}`, weight: 'Bolder', size: 'Medium', wrap: true, color: SEVERITY_COLOR[n.severity] ?? 'Default' },
    { type: 'FactSet', facts },
  ];
  if (n.description) body.push({ type: 'TextBlock', text: n.description, wrap: true });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions: link ? [{ type: 'Action.OpenUrl', title: 'Open in secgraph', url: link }] : [],
        },
      },
    ],
  };
}

export class TeamsSender implements Sender {
  constructor(
    private readonly config: TeamsConfig,
    private readonly publicUrl: string | null,
  ) {}

  send(notice: AlertNotice) {
    return postJson(this.config, JSON.stringify(teamsMessage(notice, this.publicUrl)), {});
  }
}
