// STA groups: lookups by name, members as a connection, create/update/delete, and membership (check, add,
// remove: add and remove are idempotent).
import type { Context } from '../context.js';
import type { StaGroup, StaGroupCreate, StaGroupMember, StaGroupUpdate, StaUser } from '../domain/sta.js';
import { fromInstance, instanceOf, sta, staInstance } from './connectors.js';
import type { OnInstance } from './sta-users.js';
import type { Connection } from './incidents.js';
import { requireName, sliceConnection, staLoaders } from './sta-common.js';

export interface StaMembership {
  user: StaUser;
  group: StaGroup;
  isMember: boolean;
}

export async function getStaGroup(args: { name: string } & OnInstance, ctx: Context): Promise<StaGroup | null> {
  return fromInstance(args.instance, await sta(ctx, args.instance).getGroup(requireName(args.name, 'name')));
}

export async function listStaGroups(args: OnInstance, ctx: Context): Promise<StaGroup[]> {
  return fromInstance(args.instance, await sta(ctx, args.instance).listGroups());
}

export async function staGroupMembers(
  group: StaGroup,
  args: { first?: number | null; after?: string | null },
  ctx: Context,
): Promise<Connection<StaGroupMember>> {
  const instance = instanceOf(group);
  return sliceConnection(ctx.services.cursors, `sta:group-members:${group.id}`, staInstance(ctx, instance).name ?? '', args, async () =>
    fromInstance(instance, await staLoaders(ctx, instance).membersOfGroup.load(group.id)),
  );
}

export async function staGroupMemberUser(member: StaGroupMember, ctx: Context): Promise<StaUser | null> {
  const instance = instanceOf(member);
  return fromInstance(instance, await staLoaders(ctx, instance).userByName.load(member.name));
}

export async function createStaGroup(args: { input: StaGroupCreate } & OnInstance, ctx: Context): Promise<StaGroup> {
  return fromInstance(args.instance, await sta(ctx, args.instance).createGroup({ ...args.input, name: requireName(args.input.name, 'input.name') }));
}

export async function updateStaGroup(args: { name: string; input: StaGroupUpdate } & OnInstance, ctx: Context): Promise<StaGroup> {
  if (args.input.name !== undefined && args.input.name !== null) requireName(args.input.name, 'input.name');
  return fromInstance(args.instance, await sta(ctx, args.instance).updateGroup(requireName(args.name, 'name'), args.input));
}

export async function deleteStaGroup(args: { name: string } & OnInstance, ctx: Context): Promise<{ id: string; name: string; deleted: true }> {
  const group = await sta(ctx, args.instance).deleteGroup(requireName(args.name, 'name'));
  return { id: group.id, name: group.name, deleted: true };
}

/** Every page of the user's groups is read (the reference read only the first). */
export async function staUserInGroup(args: { userName: string; groupName: string } & OnInstance, ctx: Context): Promise<boolean> {
  return sta(ctx, args.instance).isUserInGroup(requireName(args.userName, 'userName'), requireName(args.groupName, 'groupName'));
}

/** Idempotent: a user already in the group is success, and nothing is sent. */
export async function addStaUserToGroup(args: { userName: string; groupName: string } & OnInstance, ctx: Context): Promise<StaMembership> {
  const userName = requireName(args.userName, 'userName');
  const groupName = requireName(args.groupName, 'groupName');
  // The user and group resolved before the change answer it: no read after it that could fail an applied change.
  const { user, group } = await sta(ctx, args.instance).addUserToGroup(userName, groupName);
  return { user: fromInstance(args.instance, user), group: fromInstance(args.instance, group), isMember: true };
}

/** Idempotent: a user not in the group is success, and nothing is sent. */
export async function removeStaUserFromGroup(args: { userName: string; groupName: string } & OnInstance, ctx: Context): Promise<StaMembership> {
  const userName = requireName(args.userName, 'userName');
  const groupName = requireName(args.groupName, 'groupName');
  const { user, group } = await sta(ctx, args.instance).removeUserFromGroup(userName, groupName);
  return { user: fromInstance(args.instance, user), group: fromInstance(args.instance, group), isMember: false };
}
