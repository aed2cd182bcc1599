// SaaS Security apps: the list, and Incident.app (one cached list serves all).
import DataLoader from 'dataloader';
import type { Context } from '../context.js';
import { DEFAULT_SAAS_INSTANCE } from '../domain/alert.js';
import type { App, Incident } from '../domain/saas-security.js';
import { saasSecurity } from './connectors.js';

/** The apps connected to one tenant (`instance`; the first configured without one). */
export async function listApps(args: { instance?: string | null }, ctx: Context): Promise<App[]> {
  return saasSecurity(ctx, args.instance).listApps();
}

/** The key Incident.app loads by: the app id within the incident's tenant (app ids are per tenant). */
export const appKey = (instance: string, appId: string): string => `${instance}\u0000${appId}`;

/** For the Incident.app DataLoader: one upstream list call per tenant however many incidents ask. */
export async function loadAppsById(keys: readonly string[], ctx: Context): Promise<Array<App | null>> {
  const tenants = [...new Set(keys.map((k) => k.slice(0, k.indexOf('\u0000'))))];
  const byKey = new Map<string, App>();
  await Promise.all(
    tenants.map(async (tenant) => {
      for (const app of await saasSecurity(ctx, tenant).listApps()) byKey.set(appKey(tenant, app.id), app);
    }),
  );
  return keys.map((k) => byKey.get(k) ?? null);
}

/** Per operation: the apps asked while a tenant's list is not in memory, answered by one (cached) list call per tenant. */
const appLoaders = new WeakMap<Context, DataLoader<string, App | null>>();

function appLoader(ctx: Context): DataLoader<string, App | null> {
  let loader = appLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader((keys) => loadAppsById(keys, ctx));
    appLoaders.set(ctx, loader);
  }
  return loader;
}

/**
 * Incident.app. With the tenant's app list in the in-memory cache (nearly always: it lives 10 minutes), a Map
 * lookup answered synchronously: no promise, DataLoader tick or cache round trip per incident. Otherwise the
 * operation's keys are batched into one list call per tenant.
 */
export function incidentApp(incident: Incident, ctx: Context): App | null | Promise<App | null> {
  const id = incident.appId;
  if (id === null || id === undefined) return null;
  const instance = incident.instance ?? DEFAULT_SAAS_INSTANCE;
  const byId = appsInMemory(ctx, instance);
  return byId ? (byId.get(id) ?? null) : appLoader(ctx).load(appKey(instance, id));
}

/** Per operation and tenant: the app Map found in memory, looked up in the cache once rather than per incident. */
const appsSeen = new WeakMap<Context, Map<string, ReadonlyMap<string, App>>>();

function appsInMemory(ctx: Context, instance: string): ReadonlyMap<string, App> | undefined {
  let seen = appsSeen.get(ctx);
  const known = seen?.get(instance);
  if (known) return known;
  const byId = saasSecurity(ctx, instance).appsByIdNow();
  if (byId) {
    if (!seen) appsSeen.set(ctx, (seen = new Map()));
    seen.set(instance, byId);
  }
  return byId;
}
