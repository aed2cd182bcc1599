// StaGroup: an STA group with its members as a connection, the group queries and mutations, and the
// membership check, add and remove (idempotent).
import type { StaGroupCreate, StaGroupUpdate } from '../domain/sta.js';
import {
  addStaUserToGroup,
  createStaGroup,
  deleteStaGroup,
  getStaGroup,
  listStaGroups,
  removeStaUserFromGroup,
  staGroupMembers,
  staGroupMemberUser,
  staUserInGroup,
  updateStaGroup,
} from '../resolvers/sta-groups.js';
import { builder } from './builder.js';
import { StaDeletionRef, StaGroupMemberRef, StaGroupRef, StaMembershipRef, StaUserRef, STA_INSTANCE_ARG } from './sta-refs.js';

StaGroupMemberRef.implement({
  description: 'A member of an STA group.',
  fields: (t) => ({
    id: t.exposeID('id', { description: "The member's user id." }),
    userName: t.exposeString('name'),
    type: t.exposeString('type', { description: 'User.' }),
    user: t.field({
      type: StaUserRef,
      nullable: true,
      description: 'The full user (batched by userName).',
      resolve: (m, _args, ctx) => staGroupMemberUser(m, ctx),
    }),
  }),
});

const StaGroupMemberConnectionRef = builder.connectionObject({ type: StaGroupMemberRef, name: 'StaGroupMemberConnection' });

StaGroupRef.implement({
  description: 'A SafeNet Trusted Access group.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    isSynchronized: t.exposeBoolean('isSynchronized'),
    schemaVersionNumber: t.exposeString('schemaVersionNumber', { nullable: true }),
    members: t.field({
      type: StaGroupMemberConnectionRef,
      description: 'Every member (all pages read, then cached), as a connection.',
      args: { first: t.arg.int({ description: '1 to 1000; default 50.' }), after: t.arg.string() },
      resolve: (g, args, ctx) => staGroupMembers(g, args, ctx),
    }),
  }),
});

StaMembershipRef.implement({
  description: 'A user and a group after a membership change.',
  fields: (t) => ({
    user: t.field({ type: StaUserRef, resolve: (m) => m.user }),
    group: t.field({ type: StaGroupRef, resolve: (m) => m.group }),
    isMember: t.exposeBoolean('isMember'),
  }),
});

const StaGroupCreateInputRef = builder.inputType('StaGroupCreateInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    isSynchronized: t.boolean(),
  }),
});

const StaGroupUpdateInputRef = builder.inputType('StaGroupUpdateInput', {
  fields: (t) => ({
    name: t.string({ description: 'A new name.' }),
    description: t.string(),
  }),
});

builder.queryField('staGroup', (t) =>
  t.field({
    type: StaGroupRef,
    nullable: true,
    description: 'One STA group by exact (case-sensitive) name; null when there is none.',
    authScopes: { read: true },
    args: { name: t.arg.string({ required: true }), instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    resolve: (_root, args, ctx) => getStaGroup(args, ctx),
  }),
);

builder.queryField('staGroups', (t) =>
  t.field({
    type: [StaGroupRef],
    description: 'Every STA group (all pages).',
    authScopes: { read: true },
    args: { instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    resolve: (_root, args, ctx) => listStaGroups(args, ctx),
  }),
);

builder.queryField('staUserInGroup', (t) =>
  t.field({
    type: 'Boolean',
    description: "Whether the user is in the group, reading every page of the user's groups.",
    authScopes: { read: true },
    args: { userName: t.arg.string({ required: true }), groupName: t.arg.string({ required: true }), instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    resolve: (_root, args, ctx) => staUserInGroup(args, ctx),
  }),
);

builder.mutationField('addStaUserToGroup', (t) =>
  t.field({
    type: StaMembershipRef,
    description: 'Adds the user to the group. Already a member is success (nothing is sent). Needs the respond scope.',
    authScopes: { respond: true },
    args: { userName: t.arg.string({ required: true }), groupName: t.arg.string({ required: true }), instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    audit: { target: (args) => `staUser:${args.userName}`, details: (args) => ({ group: args.groupName, instance: args.instance }) },
    resolve: (_root, args, ctx) => addStaUserToGroup(args, ctx),
  }),
);

builder.mutationField('removeStaUserFromGroup', (t) =>
  t.field({
    type: StaMembershipRef,
    description: 'Removes the user from the group. Not a member is success (nothing is sent). Needs the respond scope.',
    authScopes: { respond: true },
    args: { userName: t.arg.string({ required: true }), groupName: t.arg.string({ required: true }), instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    audit: { target: (args) => `staUser:${args.userName}`, details: (args) => ({ group: args.groupName, instance: args.instance }) },
    resolve: (_root, args, ctx) => removeStaUserFromGroup(args, ctx),
  }),
);

builder.mutationField('createStaGroup', (t) =>
  t.field({
    type: StaGroupRef,
    description: 'Creates an STA group. Needs the respond scope.',
    authScopes: { respond: true },
    args: { input: t.arg({ type: StaGroupCreateInputRef, required: true }), instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    audit: { target: (args) => `staGroup:${args.input.name}`, details: (args) => ({ instance: args.instance, fields: Object.keys(args.input) }) },
    resolve: (_root, args, ctx) => createStaGroup({ input: args.input as StaGroupCreate, instance: args.instance }, ctx),
  }),
);

builder.mutationField('updateStaGroup', (t) =>
  t.field({
    type: StaGroupRef,
    description: 'Renames or re-describes an STA group. Needs the respond scope.',
    authScopes: { respond: true },
    args: { name: t.arg.string({ required: true }), input: t.arg({ type: StaGroupUpdateInputRef, required: true }), instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    audit: { target: (args) => `staGroup:${args.name}`, details: (args) => ({ instance: args.instance, changed: Object.keys(args.input) }) },
    resolve: (_root, args, ctx) => updateStaGroup({ name: args.name, input: args.input as StaGroupUpdate, instance: args.instance }, ctx),
  }),
);

builder.mutationField('deleteStaGroup', (t) =>
  t.field({
    type: StaDeletionRef,
    description: 'Deletes an STA group. Needs the respond scope.',
    authScopes: { respond: true },
    args: { name: t.arg.string({ required: true }), instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    audit: { target: (args) => `staGroup:${args.name}`, details: (args) => ({ instance: args.instance }) },
    resolve: (_root, args, ctx) => deleteStaGroup(args, ctx),
  }),
);
