// An incident's open/closed state: shared by the upstream's incident (saas-security.ts) and the gateway's own
// record of it (incident-record.ts), which each name the other's types; kept apart so neither imports the other.
export const INCIDENT_STATES = ['OPEN', 'CLOSED'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];
