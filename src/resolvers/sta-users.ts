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
import { sta } from './connectors.js';
import type { Connection } from './incidents.js';
import { requireName, sliceConnection, staLoaders } from './sta-common.js';

/** The window StaUser.accessLogs reads when no `since` is given. */
export const DEFAULT_USER_LOG_WINDOW_MS = 7 * 86_400_000;
export const MAX_USER_LOGS = 1000;

export async function getStaUser(args: { userName: string }, ctx: Context): Promise<StaUser | null> {
  return staLoaders(ctx).userByName.load(requireName(args.userName, 'userName'));
}

/** Case-insensitive substring of userName, email, first or last name. */
function matches(u: StaUser, needle: string): boolean {
  return [u.userName, u.email, u.firstName, u.lastName].some((v) => v?.toLowerCase().includes(needle));
}

export async function listStaUsers(
  args: { first?: number | null; after?: string | null; search?: string | null },
  ctx: Context,
): Promise<Connection<StaUser>> {
  const search = args.search?.trim().toLowerCase() ?? '';
  const all = await sta(ctx).listUsers();
  const users = search ? all.filter((u) => matches(u, search)) : all;
  return sliceConnection(users, `sta:users?search=${search}`, args);
}

export async function createStaUser(args: { input: StaUserCreate }, ctx: Context): Promise<StaUser> {
  const { input } = args;
  for (const k of ['userName', 'firstName', 'lastName', 'email'] as const) requireName(input[k], `input.${k}`);
  return sta(ctx).createUser({ ...input, userName: input.userName.trim() });
}

export async function updateStaUser(args: { userName: string; input: StaUserUpdate }, ctx: Context): Promise<StaUser> {
  const userName = requireName(args.userName, 'userName');
  if (args.input.userName !== undefined && args.input.userName !== null) requireName(args.input.userName, 'input.userName');
  // The reference resolves nothing first; we check so an unknown user is NOT_FOUND rather than an upstream 404 text.
  await sta(ctx).requireUser(userName);
  return sta(ctx).updateUser(userName, args.input);
}

export async function deleteStaUser(args: { userName: string }, ctx: Context): Promise<{ id: string; name: string; deleted: true }> {
  const user = await sta(ctx).deleteUser(requireName(args.userName, 'userName'));
  return { id: user.id, name: user.userName, deleted: true };
}

/** Ends every SSO session of the user; returns the user (whose sessions are now empty). */
export async function terminateStaUserSessions(args: { userName: string }, ctx: Context): Promise<StaUser> {
  const userName = requireName(args.userName, 'userName');
  await sta(ctx).terminateUserSessions(userName);
  ctx.logger.info({ userName }, 'STA sessions terminated by request');
  return sta(ctx).requireUser(userName);
}

export function staUserGroups(user: StaUser, ctx: Context): Promise<StaGroup[]> {
  return staLoaders(ctx).groupsOfUser.load(user.id);
}

export function staUserApplications(user: StaUser, ctx: Context): Promise<StaApplicationSummary[]> {
  return staLoaders(ctx).applicationsOfUser.load(user.id);
}

export function staUserSessions(user: StaUser, ctx: Context): Promise<StaSession[]> {
  return staLoaders(ctx).sessionsOfUser.load(user.id);
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
  return staLoaders(ctx).accessLogsOfUser.load({ userName: user.userName, since, until, first });
}

/** Incident.assetOwner: the STA user whose email is the incident's asset owner email (batched, cached). */
export async function incidentAssetOwner(incident: Incident, ctx: Context): Promise<StaUser | null> {
  const email = incident.assetOwnerEmail?.trim();
  return email ? staLoaders(ctx).userByEmail.load(email) : null;
}

/**
 * The STA user a name from another source stands for: a userName, else (when it looks like one) an email.
 * SAML federation usually puts the login, often an email, in the role-session name.
 */
export async function staUserNamed(name: string | null | undefined, ctx: Context): Promise<StaUser | null> {
  const n = name?.trim();
  if (!n) return null;
  const loaders = staLoaders(ctx);
  const byName = await loaders.userByName.load(n);
  if (byName || !n.includes('@')) return byName;
  return loaders.userByEmail.load(n);
}
