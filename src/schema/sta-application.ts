// StaApplication: an application protected by STA; its details come from `GET /applications/{id}`.
import type { StaApplicationAssignment } from '../domain/sta.js';
import { getStaApplication, listStaApplications, staApplicationDetails } from '../resolvers/sta-applications.js';
import { builder } from './builder.js';
import { StaApplicationRef, STA_INSTANCE_ARG } from './sta-refs.js';

const StaApplicationAssignmentRef = builder.objectRef<StaApplicationAssignment>('StaApplicationAssignment').implement({
  description: 'Who the application is assigned to: everyone, or these groups.',
  fields: (t) => ({
    everyone: t.exposeBoolean('everyone'),
    groups: t.exposeStringList('groups', { description: 'Group names.' }),
  }),
});

StaApplicationRef.implement({
  description: 'An application in the STA tenant. The detail fields are fetched (batched) when asked for.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    status: t.exposeString('status', { nullable: true }),
    applicationType: t.string({
      nullable: true,
      resolve: async (a, _args, ctx) => (await staApplicationDetails(a, ctx))?.applicationType ?? null,
    }),
    templateName: t.string({
      nullable: true,
      resolve: async (a, _args, ctx) => (await staApplicationDetails(a, ctx))?.templateName ?? null,
    }),
    assignment: t.field({
      type: StaApplicationAssignmentRef,
      nullable: true,
      resolve: async (a, _args, ctx) => (await staApplicationDetails(a, ctx))?.assignment ?? null,
    }),
    schemaVersionNumber: t.string({
      nullable: true,
      resolve: async (a, _args, ctx) => (await staApplicationDetails(a, ctx))?.schemaVersionNumber ?? null,
    }),
    lastModified: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: async (a, _args, ctx) => (await staApplicationDetails(a, ctx))?.lastModified ?? null,
    }),
  }),
});

builder.queryField('staApplications', (t) =>
  t.field({
    type: [StaApplicationRef],
    description: 'Every application in the STA tenant (all pages).',
    authScopes: { read: true },
    args: { instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    resolve: (_root, args, ctx) => listStaApplications(args, ctx),
  }),
);

builder.queryField('staApplication', (t) =>
  t.field({
    type: StaApplicationRef,
    nullable: true,
    description: 'One application by exact name, with its details; null when there is none.',
    authScopes: { read: true },
    args: { name: t.arg.string({ required: true }), instance: t.arg.string({ description: STA_INSTANCE_ARG }) },
    resolve: (_root, args, ctx) => getStaApplication(args, ctx),
  }),
);
