// The gateway's record of fetched incidents and the fetcher's status, for the schema.
import DataLoader from 'dataloader';
import type { Context } from '../context.js';
import type { GatewayIncidentFields } from '../domain/incident-record.js';
import type { Incident } from '../domain/saas-security.js';
import type { FetchStatus } from '../fetch/incident-sync.js';
import { DEFAULT_SAAS_INSTANCE } from '../domain/alert.js';
import { notConfigured } from '../errors.js';
import { saasInstance } from './connectors.js';

/**
 * An event carries the record as it was when published; anywhere else (incident, incidents, closeIncident)
 * the current record is read from the store. Null for incidents the fetcher never stored.
 */
export async function gatewayRecord(incident: Incident, ctx: Context): Promise<GatewayIncidentFields | null> {
  if (incident.gateway !== undefined) return incident.gateway;
  const tenants = ctx.services.saasInstances;
  // The tenant's store: ids collide across tenants. An incident of a tenant no longer configured has none.
  const store = tenants ? tenants.list.find((t) => t.name === (incident.instance ?? DEFAULT_SAAS_INSTANCE))?.sync.store : ctx.services.incidentSync?.store;
  if (!store) return null;
  // One query per page of incidents and tenant, not one per field per incident.
  let loaders = recordLoaders.get(ctx);
  if (!loaders) recordLoaders.set(ctx, (loaders = new Map()));
  let loader = loaders.get(store.scope);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly number[]) => {
      const found = await store.getMany(ids);
      return ids.map((id) => found.get(id)?.gateway ?? null);
    });
    loaders.set(store.scope, loader);
  }
  return loader.load(incident.incidentId);
}

/** Per operation (the Context's identity), so a record read in one request is never served to the next; per tenant store. */
const recordLoaders = new WeakMap<Context, Map<string, DataLoader<number, GatewayIncidentFields | null>>>();

/** The fetch status of one tenant (`instance`; the first configured without one). */
export function incidentFetchStatus(ctx: Context, instance?: string | null): Promise<FetchStatus & { instance: string }> {
  if (!ctx.services.saasInstances && !ctx.services.incidentSync) throw notConfigured('The SaaS Security connector');
  const tenant = saasInstance(ctx, instance);
  return tenant.sync.status().then((s) => ({ ...s, instance: tenant.name }));
}
