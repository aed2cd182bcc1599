// STA groups: lookups by name, members as a connection, create/update/delete, and membership (check, add,
// remove: add and remove are idempotent).
import type { Context } from '../context.js';
import type { StaGroup, StaGroupCreate, StaGroupMember, StaGroupUpdate, StaUser } from '../domain/sta.js';
import { sta } from './connectors.js';
import type { Connection } from './incidents.js';
import { requireName, sliceConnection, staLoaders } from './sta-common.js';

export interface StaMembership {
  user: StaUser;
  group: StaGroup;
  isMember: boolean;
}

export async function getStaGroup(args: { name: string }, ctx: Context): Promise<StaGroup | null> {
  return sta(ctx).getGroup(requireName(args.name, 'name'));
}

export async function listStaGroups(_args: Record<string, never>, ctx: Context): Promise<StaGroup[]> {
  return sta(ctx).listGroups();
}

export async function staGroupMembers(
  group: StaGroup,
  args: { first?: number | null; after?: string | null },
  ctx: Context,
): Promise<Connection<StaGroupMember>> {
  const members = await staLoaders(ctx).membersOfGroup.load(group.id);
  return sliceConnection(members, `sta:group-members:${group.id}`, args);
}

export function staGroupMemberUser(member: StaGroupMember, ctx: Context): Promise<StaUser | null> {
  return staLoaders(ctx).userByName.load(member.name);
}

export async function createStaGroup(args: { input: StaGroupCreate }, ctx: Context): Promise<StaGroup> {
  return sta(ctx).createGroup({ ...args.input, name: requireName(args.input.name, 'input.name') });
}

export async function updateStaGroup(args: { name: string; input: StaGroupUpdate }, ctx: Context): Promise<StaGroup> {
  if (args.input.name !== undefined && args.input.name !== null) requireName(args.input.name, 'input.name');
  return sta(ctx).updateGroup(requireName(args.name, 'name'), args.input);
}

export async function deleteStaGroup(args: { name: string }, ctx: Context): Promise<{ id: string; name: string; deleted: true }> {
  const group = await sta(ctx).deleteGroup(requireName(args.name, 'name'));
  return { id: group.id, name: group.name, deleted: true };
}

async function membershipOf(userName: string, groupName: string, isMember: boolean, ctx: Context): Promise<StaMembership> {
  const [user, group] = await Promise.all([sta(ctx).requireUser(userName), sta(ctx).requireGroup(groupName)]);
  return { user, group, isMember };
}

/** Every page of the user's groups is read (the reference read only the first). */
export async function staUserInGroup(args: { userName: string; groupName: string }, ctx: Context): Promise<boolean> {
  return sta(ctx).isUserInGroup(requireName(args.userName, 'userName'), requireName(args.groupName, 'groupName'));
}

/** Idempotent: a user already in the group is success, and nothing is sent. */
export async function addStaUserToGroup(args: { userName: string; groupName: string }, ctx: Context): Promise<StaMembership> {
  const userName = requireName(args.userName, 'userName');
  const groupName = requireName(args.groupName, 'groupName');
  await sta(ctx).addUserToGroup(userName, groupName);
  return membershipOf(userName, groupName, true, ctx);
}

/** Idempotent: a user not in the group is success, and nothing is sent. */
export async function removeStaUserFromGroup(args: { userName: string; groupName: string }, ctx: Context): Promise<StaMembership> {
  const userName = requireName(args.userName, 'userName');
  const groupName = requireName(args.groupName, 'groupName');
  await sta(ctx).removeUserFromGroup(userName, groupName);
  return membershipOf(userName, groupName, false, ctx);
}
