// StaUser: a SafeNet Trusted Access user with its groups, applications, sessions and access logs (each
// through a DataLoader), the user queries and mutations and the tenant check. The joins from other sources
// to STA users live in sta-joins.ts.
import type { StaUserCreate, StaUserUpdate } from '../domain/sta.js';
import {
  createStaUser,
  deleteStaUser,
  getStaUser,
  listStaUsers,
  staUserAccessLogs,
  staUserApplications,
  staUserGroups,
  staUserSessions,
  terminateStaUserSessions,
  updateStaUser,
} from '../resolvers/sta-users.js';
import { validateStaTenant } from '../resolvers/sta-tenant.js';
import { builder } from './builder.js';
import { StaAccessLogRef, StaApplicationRef, StaDeletionRef, StaGroupRef, StaSessionRef, StaUserRef, STA_INSTANCE_ARG } from './sta-refs.js';

StaUserRef.implement({
  description: 'A SafeNet Trusted Access user. Field names are the STA API\'s own.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'STA object id, base64 form.' }),
    userName: t.exposeString('userName'),
    firstName: t.exposeString('firstName', { nullable: true }),
    lastName: t.exposeString('lastName', { nullable: true }),
    email: t.exposeString('email', { nullable: true }),
    mobileNumber: t.exposeString('mobileNumber', { nullable: true }),
    aliases: t.exposeStringList('aliases', { description: 'alias1..alias4, those that are set.' }),
    custom1: t.exposeString('custom1', { nullable: true }),
    custom2: t.exposeString('custom2', { nullable: true }),
    custom3: t.exposeString('custom3', { nullable: true }),
    address: t.exposeString('address', { nullable: true }),
    city: t.exposeString('city', { nullable: true }),
    state: t.exposeString('state', { nullable: true }),
    country: t.exposeString('country', { nullable: true }),
    postalCode: t.exposeString('postalCode', { nullable: true }),
    isSynchronized: t.exposeBoolean('isSynchronized'),
    schemaVersionNumber: t.exposeString('schemaVersionNumber', { nullable: true }),
    groups: t.field({
      type: [StaGroupRef],
      description: "Every group the user is in (all pages of the user's groups).",
      resolve: (u, _args, ctx) => staUserGroups(u, ctx),
    }),
    applications: t.field({
      type: [StaApplicationRef],
      description: 'Applications available to the user.',
      resolve: (u, _args, ctx) => staUserApplications(u, ctx),
    }),
    sessions: t.field({
      type: [StaSessionRef],
      description: 'Live SSO sessions (cached for seconds only).',
      resolve: (u, _args, ctx) => staUserSessions(u, ctx),
    }),
    accessLogs: t.field({
      type: [StaAccessLogRef],
      description:
        'Access logs whose principal is this user, oldest first, from `since` (default: 7 days ago). Users asking the same window share one scan of the logs.',
      args: {
        since: t.arg({ type: 'DateTime' }),
        until: t.arg({ type: 'DateTime' }),
        first: t.arg.int({ description: '1 to 1000; default 50.' }),
      },
      resolve: (u, args, ctx) => staUserAccessLogs(u, args, ctx),
    }),
  }),
});

StaSessionRef.implement({
  description: 'An SSO session of an STA user.',
  fields: (t) => ({
    id: t.exposeID('id'),
    start: t.expose('start', { type: 'DateTime', nullable: true }),
    expiry: t.expose('expiry', { type: 'DateTime', nullable: true }),
    applicationNames: t.stringList({ resolve: (s) => s.applications.map((a) => a.name) }),
    applicationIds: t.idList({ resolve: (s) => s.applications.map((a) => a.id) }),
  }),
});

const StaUserConnectionRef = builder.connectionObject({ type: StaUserRef, name: 'StaUserConnection' });

const StaUserCreateInputRef = builder.inputType('StaUserCreateInput', {
  fields: (t) => ({
    userName: t.string({ required: true }),
    firstName: t.string({ required: true }),
    lastName: t.string({ required: true }),
    email: t.string({ required: true }),
    mobileNumber: t.string(),
    alias1: t.string(),
    alias2: t.string(),
    custom1: t.string(),
    custom2: t.string(),
    custom3: t.string(),
    address: t.string(),
    city: t.string(),
    state: t.string(),
    country: t.string(),
    postalCode: t.string(),
    isSynchronized: t.boolean(),
  }),
});

const StaUserUpdateInputRef = builder.inputType('StaUserUpdateInput', {
  description: 'Only the fields given change. custom1-3 and isSynchronized cannot be updated (as in the reference).',
  fields: (t) => ({
    userName: t.string({ description: 'A new userName.' }),
    firstName: t.string(),
    lastName: t.string(),
    email: t.string(),
    mobileNumber: t.string(),
    alias1: t.string(),
    alias2: t.string(),
    address: t.string(),
    city: t.string(),
    state: t.string(),
    country: t.string(),
    postalCode: t.string(),
  }),
});

builder.queryField('staUser', (t) =>
  t.field({
    type: StaUserRef,
    nullable: true,
    description: 'One STA user by userName; null when STA has none.',
    authScopes: { read: true },
    args: { userName: t.arg.string({ required: true }), instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    resolve: (_root, args, ctx) => getStaUser(args, ctx),
  }),
);

builder.queryField('staUsers', (t) =>
  t.field({
    type: StaUserConnectionRef,
    description: 'STA users in the API\'s order (every page read, then cached). `search` matches userName, email, first or last name, case-insensitively.',
    authScopes: { read: true },
    args: {
      first: t.arg.int({ description: '1 to 1000; default 50.' }),
      after: t.arg.string(),
      search: t.arg.string(),
      instance: t.arg.string({ description: STA_INSTANCE_ARG }),
    },
    resolve: (_root, args, ctx) => listStaUsers(args, ctx),
  }),
);

builder.queryField('staTenantAccessible', (t) =>
  t.field({
    type: 'Boolean',
    description: 'True when the STA tenant answers with the configured key; otherwise a typed error saying why (never false).',
    authScopes: { read: true },
    args: { instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    resolve: (_root, args, ctx) => validateStaTenant(args, ctx),
  }),
);

builder.mutationField('createStaUser', (t) =>
  t.field({
    type: StaUserRef,
    description: 'Creates an STA user. Needs the respond scope.',
    authScopes: { respond: true },
    args: { input: t.arg({ type: StaUserCreateInputRef, required: true }), instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    audit: { target: (args) => `staUser:${args.input.userName}`, details: (args) => ({ instance: args.instance, email: args.input.email, fields: Object.keys(args.input) }) },
    resolve: (_root, args, ctx) => createStaUser({ input: args.input as StaUserCreate, instance: args.instance }, ctx),
  }),
);

builder.mutationField('updateStaUser', (t) =>
  t.field({
    type: StaUserRef,
    description: 'Changes the given fields of an STA user. Needs the respond scope.',
    authScopes: { respond: true },
    args: { userName: t.arg.string({ required: true }), input: t.arg({ type: StaUserUpdateInputRef, required: true }), instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    audit: { target: (args) => `staUser:${args.userName}`, details: (args) => ({ instance: args.instance, changed: Object.keys(args.input), ...(args.input.userName ? { newUserName: args.input.userName } : {}) }) },
    resolve: (_root, args, ctx) => updateStaUser({ userName: args.userName, input: args.input as StaUserUpdate, instance: args.instance }, ctx),
  }),
);

builder.mutationField('deleteStaUser', (t) =>
  t.field({
    type: StaDeletionRef,
    description: 'Deletes an STA user. Needs the respond scope.',
    authScopes: { respond: true },
    args: { userName: t.arg.string({ required: true }), instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    audit: { target: (args) => `staUser:${args.userName}`, details: (args) => ({ instance: args.instance }) },
    resolve: (_root, args, ctx) => deleteStaUser(args, ctx),
  }),
);

builder.mutationField('terminateStaUserSessions', (t) =>
  t.field({
    type: StaUserRef,
    description: "Ends every SSO session of the user (the Account Lockout playbook's action). Needs the respond scope.",
    authScopes: { respond: true },
    args: { userName: t.arg.string({ required: true }), instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    audit: { target: (args) => `staUser:${args.userName}`, details: (args) => ({ instance: args.instance }) },
    resolve: (_root, args, ctx) => terminateStaUserSessions(args, ctx),
  }),
);
