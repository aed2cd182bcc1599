// STA applications: the list, one by name with its details, and the details behind a list item.
import type { Context } from '../context.js';
import type { StaApplication, StaApplicationSummary } from '../domain/sta.js';
import { fromInstance, instanceOf, sta } from './connectors.js';
import type { OnInstance } from './sta-users.js';
import { requireName, staLoaders } from './sta-common.js';

export async function listStaApplications(args: OnInstance, ctx: Context): Promise<StaApplicationSummary[]> {
  return fromInstance(args.instance, await sta(ctx, args.instance).listApplications());
}

export async function getStaApplication(args: { name: string } & OnInstance, ctx: Context): Promise<StaApplication | null> {
  return fromInstance(args.instance, await sta(ctx, args.instance).getApplicationByName(requireName(args.name, 'name')));
}

/** List items carry only id, name and status: the rest comes from `GET /applications/{id}`, batched. */
export async function staApplicationDetails(app: StaApplicationSummary | StaApplication, ctx: Context): Promise<StaApplication | null> {
  return 'applicationType' in app ? app : staLoaders(ctx, instanceOf(app)).application.load(app.id);
}
