// Which incident events a subscriber asked for.
import type { IncidentEvent, IncidentEventKind } from '../domain/incident-event.js';
import type { IncidentState, Severity } from '../domain/saas-security.js';

export interface IncidentEventFilter {
  kinds?: readonly IncidentEventKind[] | null;
  states?: readonly IncidentState[] | null;
  severities?: readonly Severity[] | null;
  appIds?: readonly string[] | null;
}

export function matchesIncidentEventFilter(e: IncidentEvent, f: IncidentEventFilter | null | undefined): boolean {
  if (!f) return true;
  if (f.kinds?.length && !f.kinds.includes(e.kind)) return false;
  if (f.states?.length && !(e.incident.state && f.states.includes(e.incident.state))) return false;
  if (f.severities?.length && !(e.incident.severity && f.severities.includes(e.incident.severity))) return false;
  if (f.appIds?.length && !(e.incident.appId && f.appIds.includes(e.incident.appId))) return false;
  return true;
}
