// What incident subscribers receive. Published by mutations now and by the fetcher and mirror later.
import type { Incident } from './saas-security.js';

export const INCIDENT_EVENT_KINDS = ['FETCHED', 'MIRRORED', 'CLOSED'] as const;
export type IncidentEventKind = (typeof INCIDENT_EVENT_KINDS)[number];

export interface IncidentEvent {
  kind: IncidentEventKind;
  incident: Incident;
  /** Upstream field names that changed (`state`, `category`, …); empty for FETCHED. */
  changedFields: string[];
  /** ISO-8601: events may cross Redis as JSON. */
  at: string;
}
