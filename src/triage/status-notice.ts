// What a destination is told when an alert's status changes (the outbox's STATUS_CHANGED notice), built from
// the alert's row as it is after the change: written in the same transaction as the change.
import type { TriageStatus } from '../domain/alert.js';
import type { AlertNotice } from '../domain/alert-delivery.js';
import type { AlertRecord } from '../domain/triage.js';
import type { Actor } from '../identity/actor.js';

const CONSOLE_PATH: Record<AlertRecord['source'], (r: AlertRecord) => string> = {
  SAAS_INCIDENT: (r) => `#/incident/${r.sourceId}`,
  STA_ALERT: () => '#/sta-alerts',
  SAML_DETECTION: () => '#/saml',
};

export function statusNotice(after: AlertRecord, from: TriageStatus, actor: Actor, note: string | null, at: string): AlertNotice {
  return {
    alertId: after.alertId,
    source: after.source,
    event: 'STATUS_CHANGED',
    severity: after.severity,
    title: after.title,
    description: note,
    detectionId: after.source === 'SAAS_INCIDENT' ? 'saas-security' : after.source === 'STA_ALERT' ? 'sta-alert' : after.sourceId,
    type: after.source,
    createdAt: after.createdAt,
    at,
    status: after.status,
    previousStatus: from,
    assignee: after.assignee,
    actor: actor.email ?? actor.name ?? `${actor.kind.toLowerCase()}:${actor.id}`,
    runbook: null,
    tags: [],
    context: { sourceState: after.sourceState, note },
    ownerEmail: null,
    consolePath: CONSOLE_PATH[after.source](after),
  };
}
