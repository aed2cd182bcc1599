// What each source's alert is in the one queue: its global id, severity on Panther's scale, title, time and
// the words the text filter finds it by. Pure functions of the source's own record, used where the source
// writes it (in its transaction), by the backfill and by the schema's Alert fields.
import { DEFAULT_SAAS_INSTANCE, alertIdOf, type AlertSeverity, type TriageStatus } from '../domain/alert.js';
import type { Incident, Severity } from '../domain/saas-security.js';
import type { SamlDetection } from '../domain/saml-detection.js';
import type { StaAlert, StaAlertKind } from '../domain/sta-alert.js';
import type { SourceAlert } from '../domain/triage.js';

/** SaaS Security's five levels on Panther's scale: INFORMATIONAL is INFO; an incident without one is INFO. */
export function saasSeverity(s: Severity | null): AlertSeverity {
  return s === null || s === 'INFORMATIONAL' ? 'INFO' : s;
}

/**
 * STA alert emails carry no severity. A push rejection the user did not start is a possible MFA-fatigue or
 * credential attack in progress (the playbook parks the user): HIGH. A lockout is STA's own protection having
 * worked already (the playbook only ends sessions): MEDIUM.
 */
export const STA_SEVERITY: Readonly<Record<StaAlertKind, AlertSeverity>> = { PUSH_REJECTION: 'HIGH', ACCOUNT_LOCKOUT: 'MEDIUM' };

export const STA_TITLE: Readonly<Record<StaAlertKind, string>> = { PUSH_REJECTION: 'STA push notification rejected', ACCOUNT_LOCKOUT: 'STA account locked out' };

export const incidentAlertId = (incidentId: number, instance = DEFAULT_SAAS_INSTANCE): string =>
  alertIdOf({ source: 'SAAS_INCIDENT', instance, id: String(incidentId) });
export const staAlertIdOf = (id: string): string => alertIdOf({ source: 'STA_ALERT', id });
export const samlAlertIdOf = (id: string): string => alertIdOf({ source: 'SAML_DETECTION', id });

const words = (parts: ReadonlyArray<string | number | null | undefined>): string =>
  parts
    .filter((p) => p !== null && p !== undefined && p !== '')
    .join(' ')
    .toLowerCase();

const isoOf = (d: Date | string | null | undefined): string | null => (d == null ? null : typeof d === 'string' ? d : d.toISOString());

export function incidentTitle(i: Incident): string {
  return [i.policyName, i.assetName].filter(Boolean).join(': ') || `SaaS Security incident ${i.incidentId}`;
}

/** The queue's view of a SaaS Security incident (`fetchedAt`: its time when the upstream gives no created_at). */
export function incidentSourceAlert(i: Incident, fetchedAt: string): SourceAlert {
  return {
    alertId: incidentAlertId(i.incidentId, i.instance ?? DEFAULT_SAAS_INSTANCE),
    source: 'SAAS_INCIDENT',
    sourceId: String(i.incidentId),
    severity: saasSeverity(i.severity),
    title: incidentTitle(i),
    createdAt: isoOf(i.createdAt) ?? fetchedAt,
    searchText: words([i.incidentId, i.policyName, i.assetName, i.appName, i.assetOwnerName, i.assetOwnerEmail, i.assignedTo]),
    sourceState: i.state ? (i.state === 'CLOSED' && i.category ? `CLOSED (${i.category})` : i.state) : null,
  };
}

export function staTitle(a: StaAlert): string {
  return a.userName ? `${STA_TITLE[a.kind]}: ${a.userName}` : STA_TITLE[a.kind];
}

export function staSourceAlert(a: StaAlert): SourceAlert {
  return {
    alertId: staAlertIdOf(a.id),
    source: 'STA_ALERT',
    sourceId: a.id,
    severity: STA_SEVERITY[a.kind],
    title: staTitle(a),
    createdAt: a.recordedAt,
    searchText: words([a.id, a.kind, a.userName, a.tenantName, a.instanceName, a.subject]),
    sourceState: a.run ? a.run.state : a.state,
  };
}

export function samlSourceAlert(d: SamlDetection): SourceAlert {
  return {
    alertId: samlAlertIdOf(d.id),
    source: 'SAML_DETECTION',
    sourceId: d.id,
    severity: d.severity,
    title: d.title,
    createdAt: d.createdAt,
    searchText: words([d.id, d.title, d.ruleId, d.actorName, d.actorArn, d.accountId]),
    sourceState: null,
  };
}

/**
 * The triage status a SaaS Security close category means: misidentified is a false positive (CLOSED), the
 * others RESOLVED. Takes the category or a text naming it (the gateway record's close reason).
 */
export function statusOfCloseCategory(category: string | null): TriageStatus {
  return category && category.toLowerCase().replace(/[^a-z]/g, '').includes('misidentified') ? 'CLOSED' : 'RESOLVED';
}
