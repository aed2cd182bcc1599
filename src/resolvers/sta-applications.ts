// STA applications: the list, one by name with its details, and the details behind a list item.
import type { Context } from '../context.js';
import type { StaApplication, StaApplicationSummary } from '../domain/sta.js';
import { sta } from './connectors.js';
import { requireName, staLoaders } from './sta-common.js';

export async function listStaApplications(_args: Record<string, never>, ctx: Context): Promise<StaApplicationSummary[]> {
  return sta(ctx).listApplications();
}

export async function getStaApplication(args: { name: string }, ctx: Context): Promise<StaApplication | null> {
  return sta(ctx).getApplicationByName(requireName(args.name, 'name'));
}

/** List items carry only id, name and status: the rest comes from `GET /applications/{id}`, batched. */
export async function staApplicationDetails(app: StaApplicationSummary | StaApplication, ctx: Context): Promise<StaApplication | null> {
  return 'applicationType' in app ? app : staLoaders(ctx).application.load(app.id);
}
