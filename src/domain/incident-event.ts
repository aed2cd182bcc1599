// What incident subscribers receive. Published by the fetcher, the incoming mirror and closeIncident, each
// after logging it in the incident event log (src/store/event-log.ts), which gives it its id.
import type { Incident } from './saas-security.js';

export const INCIDENT_EVENT_KINDS = ['FETCHED', 'MIRRORED', 'CLOSED', 'REOPENED'] as const;
export type IncidentEventKind = (typeof INCIDENT_EVENT_KINDS)[number];

export interface IncidentEvent {
  /** Sequence number from the event log: increases by one per event, never reused, also across restarts. */
  id: number;
  kind: IncidentEventKind;
  incident: Incident;
  /** Upstream field names that changed (`state`, `category`, …); empty for FETCHED. */
  changedFields: string[];
  /** ISO-8601: events may cross Redis as JSON. */
  at: string;
}

/** An event before the log has given it its id. */
export type NewIncidentEvent = Omit<IncidentEvent, 'id'>;
