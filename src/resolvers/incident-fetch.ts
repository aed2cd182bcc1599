// The gateway's record of fetched incidents and the fetcher's status, for the schema.
import DataLoader from 'dataloader';
import type { Context } from '../context.js';
import type { GatewayIncidentFields } from '../domain/incident-record.js';
import type { Incident } from '../domain/saas-security.js';
import type { FetchStatus } from '../fetch/incident-sync.js';
import { notConfigured } from '../errors.js';

/**
 * An event carries the record as it was when published; anywhere else (incident, incidents, closeIncident)
 * the current record is read from the store. Null for incidents the fetcher never stored.
 */
export async function gatewayRecord(incident: Incident, ctx: Context): Promise<GatewayIncidentFields | null> {
  if (incident.gateway !== undefined) return incident.gateway;
  const store = ctx.services.incidentSync?.store;
  if (!store) return null;
  // One query per page of incidents, not one per field per incident.
  let loader = recordLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly number[]) => {
      const found = await store.getMany(ids);
      return ids.map((id) => found.get(id)?.gateway ?? null);
    });
    recordLoaders.set(ctx, loader);
  }
  return loader.load(incident.incidentId);
}

/** Per operation (the Context's identity), so a record read in one request is never served to the next. */
const recordLoaders = new WeakMap<Context, DataLoader<number, GatewayIncidentFields | null>>();

export function incidentFetchStatus(ctx: Context): Promise<FetchStatus> {
  const sync = ctx.services.incidentSync;
  if (!sync) throw notConfigured('The SaaS Security connector');
  return sync.status();
}
