// STA users: lookups, the searchable list, create/update/delete, their groups, applications, sessions and
// access logs (each through a DataLoader), session termination, and the join from SaaS Security incidents.
import type { Context } from '../context.js';
import type { Incident } from '../domain/saas-security.js';
import type {
  StaAccessLog,
  StaApplicationSummary,
  StaGroup,
  StaSession,
  StaUser,
  StaUserCreate,
  StaUserUpdate,
} from '../domain/sta.js';
import { badInput } from '../errors.js';
import { fromInstance, instanceOf, sta, staInstance } from './connectors.js';
import type { Connection } from './incidents.js';
import { requireName, sliceConnection, staLoaders } from './sta-common.js';

/** The window StaUser.accessLogs reads when no `since` is given. */
export const DEFAULT_USER_LOG_WINDOW_MS = 7 * 86_400_000;
export const MAX_USER_LOGS = 1000;

/** Every root field takes an optional STA `instance` (default: the first configured). */
export interface OnInstance {
  instance?: string | null;
}

export async function getStaUser(args: { userName: string } & OnInstance, ctx: Context): Promise<StaUser | null> {
  return fromInstance(args.instance, await staLoaders(ctx, args.instance).userByName.load(requireName(args.userName, 'userName')));
}

/** Case-insensitive substring of userName, email, first or last name. */
function matches(u: StaUser, needle: string): boolean {
  return [u.userName, u.email, u.firstName, u.lastName].some((v) => v?.toLowerCase().includes(needle));
}

export async function listStaUsers(
  args: { first?: number | null; after?: string | null; search?: string | null } & OnInstance,
  ctx: Context,
): Promise<Connection<StaUser>> {
  const search = args.search?.trim().toLowerCase() ?? '';
  const tenant = staInstance(ctx, args.instance);
  return sliceConnection(ctx.services.cursors, `sta:users?search=${search}`, tenant.name ?? '', args, async () => {
    const all = fromInstance(args.instance, await tenant.connector.listUsers());
    return search ? all.filter((u) => matches(u, search)) : all;
  });
}

export async function createStaUser(args: { input: StaUserCreate } & OnInstance, ctx: Context): Promise<StaUser> {
  const { input } = args;
  for (const k of ['userName', 'firstName', 'lastName', 'email'] as const) requireName(input[k], `input.${k}`);
  return fromInstance(args.instance, await sta(ctx, args.instance).createUser({ ...input, userName: input.userName.trim() }));
}

export async function updateStaUser(args: { userName: string; input: StaUserUpdate } & OnInstance, ctx: Context): Promise<StaUser> {
  const userName = requireName(args.userName, 'userName');
  if (args.input.userName !== undefined && args.input.userName !== null) requireName(args.input.userName, 'input.userName');
  // The reference resolves nothing first; we check so an unknown user is NOT_FOUND rather than an upstream 404 text.
  await sta(ctx, args.instance).requireUser(userName);
  return fromInstance(args.instance, await sta(ctx, args.instance).updateUser(userName, args.input));
}

export async function deleteStaUser(args: { userName: string } & OnInstance, ctx: Context): Promise<{ id: string; name: string; deleted: true }> {
  const user = await sta(ctx, args.instance).deleteUser(requireName(args.userName, 'userName'));
  return { id: user.id, name: user.userName, deleted: true };
}

/** Ends every SSO session of the user; returns the user (whose sessions are now empty). */
export async function terminateStaUserSessions(args: { userName: string } & OnInstance, ctx: Context): Promise<StaUser> {
  const userName = requireName(args.userName, 'userName');
  // The user resolved before the DELETE answers: no read after it that could fail an applied change.
  const user = await sta(ctx, args.instance).terminateUserSessions(userName);
  ctx.logger.info({ userName, staInstance: args.instance ?? null }, 'STA sessions terminated by request');
  return fromInstance(args.instance, user);
}

// Nested fields ask the instance their parent came from.
/** A user's groups: synchronously when they are in the in-memory cache, else through the operation's loader. */
export function staUserGroups(user: StaUser, ctx: Context): StaGroup[] | Promise<StaGroup[]> {
  const instance = instanceOf(user);
  const now = sta(ctx, instance).userGroupsNow(user.id);
  if (now) return fromInstance(instance, now);
  return staLoaders(ctx, instance)
    .groupsOfUser.load(user.id)
    .then((groups) => fromInstance(instance, groups));
}

export async function staUserApplications(user: StaUser, ctx: Context): Promise<StaApplicationSummary[]> {
  const instance = instanceOf(user);
  return fromInstance(instance, await staLoaders(ctx, instance).applicationsOfUser.load(user.id));
}

export function staUserSessions(user: StaUser, ctx: Context): Promise<StaSession[]> {
  return staLoaders(ctx, instanceOf(user)).sessionsOfUser.load(user.id);
}

export function staUserAccessLogs(
  user: StaUser,
  args: { since?: Date | null; until?: Date | null; first?: number | null },
  ctx: Context,
): Promise<StaAccessLog[]> {
  const first = args.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > MAX_USER_LOGS) throw badInput(`first must be between 1 and ${MAX_USER_LOGS}`, 'first');
  // Whole minutes, so every user of one query (and queries within the minute) share one window: one scan.
  const since = args.since ?? new Date(Math.floor((ctx.services.clock.now() - DEFAULT_USER_LOG_WINDOW_MS) / 60_000) * 60_000);
  const until = args.until ?? null;
  if (until && until <= since) throw badInput("Until argument's date and time must be greater than since.", 'until');
  return staLoaders(ctx, instanceOf(user)).accessLogsOfUser.load({ userName: user.userName, since, until, first });
}

/**
 * The first of the configured STA tenants, in their configured order, where `find` finds the person; the
 * user is tagged with that tenant so its nested fields ask it. Incidents and CloudTrail name no tenant.
 * Each tenant's lookup is still one batch for every object of the query that reached it.
 */
async function inFirstTenant(ctx: Context, find: (instance: string | null) => Promise<StaUser | null>): Promise<StaUser | null> {
  const names = ctx.services.staInstances?.list.map((i) => i.name) ?? [null];
  for (const name of names) {
    const user = await find(name);
    if (user) return fromInstance(name, user);
  }
  return null;
}

/**
 * Incident.assetOwner: the STA user whose email is the incident's asset owner email (batched, cached). When
 * every tenant it has to ask holds its user listing in the in-memory cache, answered synchronously (a Map
 * lookup per tenant); otherwise through the tenants' loaders.
 */
export function incidentAssetOwner(incident: Incident, ctx: Context): StaUser | null | Promise<StaUser | null> {
  const email = incident.assetOwnerEmail?.trim();
  if (!email) return null;
  const instances = ctx.services.staInstances?.list ?? [{ name: null, connector: sta(ctx) }];
  for (const { name, connector } of instances) {
    const user = connector.userByEmailNow(email);
    // This tenant's listing is not in memory: ask the tenants in order, as the loaders do.
    if (user === undefined) return inFirstTenant(ctx, (instance) => staLoaders(ctx, instance).userByEmail.load(email));
    if (user) return fromInstance(name, user);
  }
  return null;
}

/** SamlDetection.actor: the STA user behind the detection's actor name, in the first tenant that has one. */
export function samlDetectionActor(detection: { actorName: string | null }, ctx: Context): Promise<StaUser | null> {
  return inFirstTenant(ctx, (instance) => staUserNamed(detection.actorName, ctx, instance));
}

/**
 * The STA user a name from another source stands for: a userName, else (when it looks like one) an email.
 * SAML federation usually puts the login, often an email, in the role-session name.
 */
export async function staUserNamed(name: string | null | undefined, ctx: Context, instance?: string | null): Promise<StaUser | null> {
  const n = name?.trim();
  if (!n) return null;
  const loaders = staLoaders(ctx, instance);
  const byName = await loaders.userByName.load(n);
  if (byName || !n.includes('@')) return fromInstance(instance, byName);
  return fromInstance(instance, await loaders.userByEmail.load(n));
}

/** StaAlert.user: the named user in the STA instance the alert's email names (null when none is configured). */
export async function staAlertUser(alert: { userName: string | null; instanceName: string | null }, ctx: Context): Promise<StaUser | null> {
  const instances = ctx.services.staInstances;
  if (!instances) return staUserNamed(alert.userName, ctx);
  const hit = instances.forAlert(alert.instanceName);
  if ('reason' in hit) return null;
  return staUserNamed(alert.userName, ctx, hit.name);
}
