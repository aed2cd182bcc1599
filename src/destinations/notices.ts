// The alert notices each source's events cause (see domain/alert-delivery.ts). Pure functions of the event as
// logged, called inside the transaction that logs it. Ids, severity and title are the triage queue's reading of
// each source (src/triage/source-alerts.ts), so a message names the alert as the queue does.
import { DEFAULT_SAAS_INSTANCE, parseAlertId, type AlertSource } from '../domain/alert.js';
import type { AlertNotice } from '../domain/alert-delivery.js';
import type { IncidentEvent } from '../domain/incident-event.js';
import type { Incident } from '../domain/saas-security.js';
import type { SamlDetectionEvent } from '../domain/saml-detection.js';
import type { StaAlert, StaAlertEvent } from '../domain/sta-alert.js';
import type { RuleSpec } from '../detection/rule-spec.js';
import { incidentAlertId, incidentTitle, saasSeverity, samlAlertIdOf, STA_SEVERITY, staAlertIdOf, staTitle, statusOfCloseCategory } from '../triage/source-alerts.js';
import type { StatusChange } from '../triage/triage-transaction.js';

const iso = (d: Date | string | null | undefined): string | null => (d == null ? null : typeof d === 'string' ? d : d.toISOString());

/** A newly fetched SaaS Security incident is ALERT_CREATED; mirror updates and closes are not alert events. */
export function incidentNotices(events: readonly IncidentEvent[]): AlertNotice[] {
  return events.filter((e) => e.kind === 'FETCHED').map((e) => incidentNotice(e.incident, e.at));
}

export function incidentNotice(i: Incident, at: string): AlertNotice {
  return {
    alertId: incidentAlertId(i.incidentId, i.instance ?? DEFAULT_SAAS_INSTANCE),
    source: 'SAAS_INCIDENT',
    event: 'ALERT_CREATED',
    severity: saasSeverity(i.severity),
    title: incidentTitle(i),
    description: `${i.appName ?? 'A SaaS application'} asset "${i.assetName ?? i.assetId ?? 'unknown'}" matched policy "${i.policyName ?? i.policyId ?? 'unknown'}"${i.exposureLevel ? ` (exposure: ${i.exposureLevel})` : ''}.`,
    detectionId: i.policyId ?? i.policyName ?? 'saas-security',
    type: 'SAAS_INCIDENT',
    createdAt: iso(i.createdAt) ?? at,
    at,
    // As the queue starts it: closed already when the gateway record was closed at the fetch (close-mirrored).
    status: i.gateway?.gatewayState === 'CLOSED' ? statusOfCloseCategory(i.gateway.closeReason) : 'OPEN',
    assignee: i.assignedTo,
    actor: i.assetOwnerName ?? i.assetOwnerEmail,
    runbook: null,
    tags: [i.appType, i.exposureLevel].filter((t): t is string => Boolean(t)),
    context: {
      incidentId: i.incidentId,
      appName: i.appName,
      appType: i.appType,
      assetName: i.assetName,
      assetPageUri: i.assetPageUri,
      assetOwnerName: i.assetOwnerName,
      assetOwnerEmail: i.assetOwnerEmail,
      exposureLevel: i.exposureLevel,
      policyName: i.policyName,
      state: i.state,
      status: i.status,
    },
    ownerEmail: i.assetOwnerEmail,
    consolePath: `#/incident/${i.incidentId}`,
  };
}

/** A recorded STA alert is ALERT_CREATED; a playbook run that failed is PLAYBOOK_FAILED. */
export function staNotices(events: readonly StaAlertEvent[]): AlertNotice[] {
  const out: AlertNotice[] = [];
  for (const e of events) {
    if (e.type === 'RECORDED') out.push(staNotice(e.alert, 'ALERT_CREATED', e.at));
    else if (e.type === 'RUN_FAILED') out.push(staNotice(e.alert, 'PLAYBOOK_FAILED', e.at, e.step));
  }
  return out;
}

function staNotice(a: StaAlert, event: 'ALERT_CREATED' | 'PLAYBOOK_FAILED', at: string, step: string | null = null): AlertNotice {
  const title = staTitle(a);
  const failed = step ? a.run?.steps.find((s) => s.name === step) : undefined;
  return {
    alertId: staAlertIdOf(a.id),
    source: 'STA_ALERT',
    event,
    severity: STA_SEVERITY[a.kind],
    title: event === 'PLAYBOOK_FAILED' ? `Playbook failed: ${title}` : title,
    description:
      event === 'PLAYBOOK_FAILED'
        ? `The ${a.run?.playbook ?? 'STA'} playbook failed at ${step ?? 'a step'}${failed?.error ? `: ${failed.error.message}` : ''}.`
        : a.subject,
    detectionId: a.kind,
    type: 'STA_ALERT',
    createdAt: a.recordedAt,
    at,
    status: event === 'ALERT_CREATED' ? 'OPEN' : null,
    assignee: null,
    actor: a.userName,
    runbook: null,
    tags: [a.kind, ...(a.instanceName ? [a.instanceName] : [])],
    context: { staAlertId: a.id, kind: a.kind, userName: a.userName, tenantName: a.tenantName, instanceName: a.instanceName, runState: a.run?.state ?? null, step },
    ownerEmail: null,
    consolePath: '#/alerts',
  };
}

/** A detection created is ALERT_CREATED; one that gathered more events is ALERT_UPDATED. */
export function samlNotices(events: readonly SamlDetectionEvent[], spec: Pick<RuleSpec, 'runbook'> | null): AlertNotice[] {
  return events.map((e) => {
    const d = e.detection;
    return {
      alertId: samlAlertIdOf(d.id),
      source: 'SAML_DETECTION',
      event: e.kind === 'CREATED' ? 'ALERT_CREATED' : 'ALERT_UPDATED',
      severity: d.severity,
      title: d.title,
      description: d.error ? `${d.description}\n\nRule error: ${d.error}` : d.description,
      detectionId: d.ruleId,
      type: d.alertType,
      createdAt: d.createdAt,
      at: e.at,
      status: e.kind === 'CREATED' ? 'OPEN' : null,
      assignee: null,
      actor: d.actorName ?? d.actorArn,
      runbook: spec?.runbook ?? null,
      tags: [],
      context: { ...d.alertContext, eventCount: d.eventCount, accountId: d.accountId, actorArn: d.actorArn, firstEventAt: d.firstEventAt, lastEventAt: d.lastEventAt, reference: d.reference },
      ownerEmail: null,
      consolePath: '#/saml',
    } satisfies AlertNotice;
  });
}

const CONSOLE_PATH: Record<AlertSource, (id: string) => string> = {
  SAAS_INCIDENT: (id) => `#/incident/${id}`,
  STA_ALERT: () => '#/alerts',
  SAML_DETECTION: () => '#/saml',
};

/** A triage status change (src/triage/triage-transaction.ts), as STATUS_CHANGED. */
export function statusNotice(c: StatusChange): AlertNotice {
  const a = c.after;
  const ref = parseAlertId(a.alertId);
  return {
    alertId: a.alertId,
    source: a.source,
    event: 'STATUS_CHANGED',
    severity: a.severity,
    title: a.title,
    description: c.note ? `${c.before.status} → ${a.status}: ${c.note}` : `${c.before.status} → ${a.status}`,
    detectionId: a.source,
    type: a.source === 'SAML_DETECTION' ? 'RULE' : a.source,
    createdAt: a.createdAt,
    at: a.updatedAt ?? a.createdAt,
    status: a.status,
    previousStatus: c.before.status,
    assignee: a.assignee,
    actor: c.actor.name ?? c.actor.email ?? c.actor.id,
    runbook: null,
    tags: [],
    context: { sourceId: a.sourceId, sourceState: a.sourceState, actorKind: c.actor.kind },
    ownerEmail: null,
    consolePath: CONSOLE_PATH[a.source](ref && 'id' in ref ? ref.id : a.sourceId),
  };
}
