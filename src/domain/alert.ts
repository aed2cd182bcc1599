// One alert vocabulary across the three sources (the triage queue, destinations and MCP speak it).
// An alert id is global and stable: it names the source and the source's own id, and for SaaS Security
// incidents the tenant (incident ids are unique per tenant only).
export const ALERT_SOURCES = ['SAAS_INCIDENT', 'STA_ALERT', 'SAML_DETECTION'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

/** Panther's severities, lowest first (SaaS Security's INFORMATIONAL maps to INFO). */
export const ALERT_SEVERITIES = ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Panther's four statuses; CLOSED is shown as "Invalid" (a false positive). */
export const TRIAGE_STATUSES = ['OPEN', 'TRIAGED', 'RESOLVED', 'CLOSED'] as const;
export type TriageStatus = (typeof TRIAGE_STATUSES)[number];

/** What a destination can be told about. */
export const ALERT_EVENT_KINDS = ['ALERT_CREATED', 'ALERT_UPDATED', 'STATUS_CHANGED', 'PLAYBOOK_FAILED'] as const;
export type AlertEventKind = (typeof ALERT_EVENT_KINDS)[number];

/** The tenant name of the one-instance SaaS Security shorthand (SAAS_SECURITY_* variables) and the sandbox. */
export const DEFAULT_SAAS_INSTANCE = 'default';

export type AlertRef =
  | { source: 'SAAS_INCIDENT'; instance: string; id: string }
  | { source: 'STA_ALERT'; id: string }
  | { source: 'SAML_DETECTION'; id: string };

const PREFIX: Record<AlertSource, string> = { SAAS_INCIDENT: 'saas', STA_ALERT: 'sta', SAML_DETECTION: 'saml' };

/** `saas:<instance>:<incidentId>`, `sta:<staAlertId>`, `saml:<detectionId>`. */
export function alertIdOf(ref: AlertRef): string {
  return ref.source === 'SAAS_INCIDENT' ? `saas:${ref.instance}:${ref.id}` : `${PREFIX[ref.source]}:${ref.id}`;
}

/** The reference an alert id names, or null when it is not one. */
export function parseAlertId(alertId: string): AlertRef | null {
  const colon = alertId.indexOf(':');
  if (colon <= 0) return null;
  const prefix = alertId.slice(0, colon);
  const rest = alertId.slice(colon + 1);
  if (!rest) return null;
  if (prefix === 'saas') {
    const second = rest.indexOf(':');
    if (second <= 0 || second === rest.length - 1) return null;
    return { source: 'SAAS_INCIDENT', instance: rest.slice(0, second), id: rest.slice(second + 1) };
  }
  if (prefix === 'sta') return { source: 'STA_ALERT', id: rest };
  if (prefix === 'saml') return { source: 'SAML_DETECTION', id: rest };
  return null;
}
