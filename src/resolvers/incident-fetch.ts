// The gateway's record of fetched incidents and the fetcher's status, for the schema.
import type { Context } from '../context.js';
import type { GatewayIncidentFields } from '../domain/incident-record.js';
import type { Incident } from '../domain/saas-security.js';
import type { FetchStatus } from '../fetch/incident-sync.js';
import { notConfigured } from '../errors.js';

/**
 * An event carries the record as it was when published; anywhere else (incident, incidents, closeIncident)
 * the current record is read from the store. Null for incidents the fetcher never stored.
 */
export function gatewayRecord(incident: Incident, ctx: Context): GatewayIncidentFields | null {
  if (incident.gateway !== undefined) return incident.gateway;
  return ctx.services.incidentSync?.store.get(incident.incidentId)?.gateway ?? null;
}

export function incidentFetchStatus(ctx: Context): FetchStatus {
  const sync = ctx.services.incidentSync;
  if (!sync) throw notConfigured('The SaaS Security connector');
  return sync.status();
}
