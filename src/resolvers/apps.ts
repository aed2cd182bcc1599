// SaaS Security apps: the list, and a batch lookup by id for Incident.app (one cached list serves all).
import type { Context } from '../context.js';
import type { App } from '../domain/saas-security.js';
import { saasSecurity } from './connectors.js';

export async function listApps(_args: Record<string, never>, ctx: Context): Promise<App[]> {
  return saasSecurity(ctx).listApps();
}

/** For the Incident.app DataLoader: one upstream list call however many incidents ask. */
export async function loadAppsById(ids: readonly string[], ctx: Context): Promise<Array<App | null>> {
  const apps = await saasSecurity(ctx).listApps();
  const byId = new Map(apps.map((a) => [a.id, a]));
  return ids.map((id) => byId.get(id) ?? null);
}
