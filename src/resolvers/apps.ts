// SaaS Security apps: the list, and a batch lookup by id for Incident.app (one cached list serves all).
import type { Context } from '../context.js';
import type { App } from '../domain/saas-security.js';
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
