// PagerDuty Events API v2. dedup_key is the alert id, so every event about one alert acts on one PagerDuty
// incident and a repeated trigger (a redelivery after a crash) is harmless. New alerts, updates and failed
// playbooks trigger; a triage move to TRIAGED acknowledges; RESOLVED or CLOSED resolves; back to OPEN
// triggers again. Severity in PagerDuty's words: CRITICAL critical, HIGH error, MEDIUM warning, LOW/INFO info.
// PagerDuty answers 202; 400 is an invalid event (not retried), 429 and 5xx are retried.
import type { DestinationConfig } from '../config.js';
import type { AlertNotice } from '../domain/alert-delivery.js';
import { postJson } from './http-post.js';
import { consoleLink, type Sender } from './sender.js';

type PagerDutyConfig = Extract<DestinationConfig, { type: 'pagerduty' }>;

const PD_SEVERITY: Record<string, string> = { CRITICAL: 'critical', HIGH: 'error', MEDIUM: 'warning', LOW: 'info', INFO: 'info' };

export function pagerDutyAction(n: AlertNotice): 'trigger' | 'acknowledge' | 'resolve' {
  if (n.event !== 'STATUS_CHANGED') return 'trigger';
  if (n.status === 'TRIAGED') return 'acknowledge';
  if (n.status === 'RESOLVED' || n.status === 'CLOSED') return 'resolve';
  return 'trigger';
}

export function pagerDutyEvent(n: AlertNotice, routingKey: string, publicUrl: string | null): Record<string, unknown> {
  const action = pagerDutyAction(n);
  const event: Record<string, unknown> = { routing_key: routingKey, event_action: action, dedup_key: n.alertId };
  if (action !== 'trigger') return event;
  const link = consoleLink(publicUrl, n);
  const summary = `[${n.severity}] ${n.title}`;
  return {
    ...event,
    payload: {
      summary: summary.length > 1024 ? `${summary.slice(0, 1023)}…` : summary,
      source: n.source === 'SAAS_INCIDENT' ? 'SaaS Security' : n.source === 'STA_ALERT' ? 'SafeNet Trusted Access' : 'AWS CloudTrail',
      severity: PD_SEVERITY[n.severity] ?? 'info',
      timestamp: n.at,
      component: n.detectionId,
      group: n.source,
      class: n.type,
      custom_details: {
        alertId: n.alertId,
        event: n.event,
        description: n.description,
        status: n.status,
        assignee: n.assignee,
        actor: n.actor,
        runbook: n.runbook,
        tags: n.tags,
        alertContext: n.context,
      },
    },
    client: 'secgraph',
    ...(link ? { client_url: link, links: [{ href: link, text: 'Open in secgraph' }] } : {}),
  };
}

export class PagerDutySender implements Sender {
  constructor(
    private readonly config: PagerDutyConfig,
    private readonly publicUrl: string | null,
  ) {}

  send(notice: AlertNotice) {
    return postJson(this.config, JSON.stringify(pagerDutyEvent(notice, this.config.routingKey, this.publicUrl)), {});
  }
}
