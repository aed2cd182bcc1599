// StaAccessLog: one STA access (authentication or audit) event, and the logs query.
import { listStaAccessLogs } from '../resolvers/sta-logs.js';
import { builder } from './builder.js';
import { StaAccessLogRef, STA_INSTANCE_ARG } from './sta-refs.js';

StaAccessLogRef.implement({
  description: "An STA log event, with the reference's row fields (null where STA sent nothing).",
  fields: (t) => ({
    id: t.exposeString('id', { nullable: true }),
    timeStamp: t.expose('timeStamp', { type: 'DateTime', nullable: true }),
    userName: t.exposeString('userName', { nullable: true, description: 'context.principalId; null for events with no principal.' }),
    logType: t.exposeString('logType', { nullable: true, description: 'details.type' }),
    category: t.exposeString('category', { nullable: true }),
    credentialType: t.exposeString('credentialType', { nullable: true }),
    actionText: t.exposeString('actionText', { nullable: true }),
    resultText: t.exposeString('resultText', { nullable: true }),
    message: t.exposeString('message', { nullable: true }),
    applicationName: t.exposeString('applicationName', { nullable: true }),
    policyName: t.exposeString('policyName', { nullable: true }),
    state: t.exposeString('state', { nullable: true }),
    operationType: t.exposeString('operationType', { nullable: true }),
    operationObjectType: t.exposeString('operationObjectType', { nullable: true }),
    operationObjectName: t.exposeString('operationObjectName', { nullable: true }),
    serial: t.exposeString('serial', { nullable: true }),
    ip: t.exposeString('ip', { nullable: true, description: 'context.originatingAddress' }),
  }),
});

const StaAccessLogFilterRef = builder.inputType('StaAccessLogFilter', {
  fields: (t) => ({
    userName: t.string({
      description: 'Only events whose principal is this user (who must exist). Without `since`, the last 24 hours (give `since` to look further back).',
    }),
    includeAnonymous: t.boolean({
      defaultValue: false,
      description: 'Also events with no principal (context.principalId), which the reference drops. Default false.',
    }),
    since: t.field({ type: 'DateTime' }),
    until: t.field({ type: 'DateTime', description: 'Only with since, and after it.' }),
  }),
});

const StaAccessLogConnectionRef = builder.connectionObject({ type: StaAccessLogRef, name: 'StaAccessLogConnection' });

builder.queryField('staAccessLogs', (t) =>
  t.field({
    type: StaAccessLogConnectionRef,
    description: 'STA access logs in the API\'s order, reading upstream pages only as far as `first` needs.',
    authScopes: { read: true },
    args: {
      filter: t.arg({ type: StaAccessLogFilterRef }),
      first: t.arg.int({ description: '1 to 1000; default 50.' }),
      after: t.arg.string(),
      instance: t.arg.string({ description: STA_INSTANCE_ARG }),
    },
    resolve: (_root, args, ctx) => listStaAccessLogs(args, ctx),
  }),
);
