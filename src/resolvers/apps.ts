// SaaS Security apps: the list, and Incident.app (one cached list serves all).
import DataLoader from 'dataloader';
import type { Context } from '../context.js';
import type { Incident } from '../domain/saas-security.js';
import type { App } from '../domain/saas-security.js';
import { saasSecurity } from './connectors.js';

export async function listApps(_args: Record<string, never>, ctx: Context): Promise<App[]> {
  return saasSecurity(ctx).listApps();
}

/** Per operation: the app ids asked while the list is not in memory, answered by one (cached) list call. */
const appLoaders = new WeakMap<Context, DataLoader<string, App | null>>();

function appLoader(ctx: Context): DataLoader<string, App | null> {
  let loader = appLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (ids) => {
      const byId = await saasSecurity(ctx).appsById();
      return ids.map((id) => byId.get(id) ?? null);
    });
    appLoaders.set(ctx, loader);
  }
  return loader;
}

/**
 * Incident.app. With the app list in the in-memory cache (nearly always: it lives 10 minutes), a Map lookup
 * answered synchronously: no promise, DataLoader tick or cache round trip per incident. Otherwise the
 * operation's ids are batched into one list call.
 */
export function incidentApp(incident: Incident, ctx: Context): App | null | Promise<App | null> {
  const id = incident.appId;
  if (id === null || id === undefined) return null;
  const byId = saasSecurity(ctx).appsByIdNow();
  return byId ? (byId.get(id) ?? null) : appLoader(ctx).load(id);
}
