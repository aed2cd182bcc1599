// Remediation of a SaaS asset: remove public sharing, quarantine, restore.
import { REMEDIATION_TYPES, type Remediation } from '../domain/saas-security.js';
import { getRemediationStatus, remediateAsset, remediationUpdates } from '../resolvers/remediation.js';
import { SubscriptionFailure } from '../subscriptions/bounded-subscription.js';
import { builder } from './builder.js';
import { SAAS_INSTANCE_ARG } from './incident.js';

export const RemediationTypeRef = builder.enumType('RemediationType', {
  values: REMEDIATION_TYPES,
  description: 'REMOVE_PUBLIC_SHARING (Office 365, Dropbox, Box, Google Drive only), QUARANTINE, RESTORE.',
});

export const RemediationRef = builder.objectRef<Remediation>('Remediation').implement({
  fields: (t) => ({
    assetId: t.exposeID('assetId'),
    assetName: t.exposeString('assetName', { nullable: true }),
    remediationType: t.field({ type: RemediationTypeRef, nullable: true, resolve: (r) => r.remediationType }),
    actionTaker: t.exposeString('actionTaker', { nullable: true }),
    actionDate: t.expose('actionDate', { type: 'DateTime', nullable: true }),
    status: t.exposeString('status', { description: 'pending until the upstream reports otherwise (e.g. success).' }),
  }),
});

builder.queryField('remediationStatus', (t) =>
  t.field({
    type: RemediationRef,
    nullable: true,
    description: 'Status of the latest remediation of this type on the asset; null when there is none.',
    authScopes: { read: true },
    args: {
      assetId: t.arg.id({ required: true }),
      type: t.arg({ type: RemediationTypeRef, required: true }),
      instance: t.arg.string({ description: SAAS_INSTANCE_ARG }),
    },
    resolve: (_root, args, ctx) => getRemediationStatus({ assetId: String(args.assetId), type: args.type, instance: args.instance }, ctx),
  }),
);

builder.mutationField('remediateAsset', (t) =>
  t.field({
    type: RemediationRef,
    description: 'Starts a remediation; it is pending until remediationStatus says otherwise. Needs the respond scope.',
    authScopes: { respond: true },
    args: {
      assetId: t.arg.id({ required: true }),
      type: t.arg({ type: RemediationTypeRef, required: true }),
      removeInheritedSharing: t.arg.boolean({ defaultValue: false }),
      instance: t.arg.string({ description: SAAS_INSTANCE_ARG }),
    },
    audit: { target: (args) => `asset:${String(args.assetId)}`, details: (args) => ({ type: args.type, removeInheritedSharing: args.removeInheritedSharing }) },
    resolve: (_root, args, ctx) =>
      remediateAsset({ assetId: String(args.assetId), type: args.type, removeInheritedSharing: args.removeInheritedSharing, instance: args.instance }, ctx),
  }),
);

builder.subscriptionField('remediationUpdates', (t) =>
  t.field({
    type: RemediationRef,
    description:
      'Watches a remediation until it finishes, as the reference\'s "Remediate an Asset" playbook polls it: the current status, then each ' +
      'change; completes after a terminal status (anything but pending). Ends with a TIMEOUT error after SAAS_SECURITY_REMEDIATION_TIMEOUT ' +
      '(default 10 min); NOT_FOUND when there is no such remediation. One upstream poll per asset and type (every ' +
      'SAAS_SECURITY_REMEDIATION_POLL, default 30 s) however many clients watch.',
    authScopes: { read: true },
    args: {
      assetId: t.arg.id({ required: true }),
      type: t.arg({ type: RemediationTypeRef, required: true }),
      instance: t.arg.string({ description: SAAS_INSTANCE_ARG }),
    },
    subscribe: (_root, args, ctx) => remediationUpdates({ assetId: String(args.assetId), type: args.type, instance: args.instance }, ctx),
    resolve: (r) => {
      if (r instanceof SubscriptionFailure) throw r.error;
      return r as Remediation;
    },
  }),
);
