// The audit trail: who did what, to what, with which outcome (src/audit/). Read with the `audit` scope only.
import type { AuditEntry, AuditEvent } from '../domain/audit-entry.js';
import { auditEventStream, auditLogPage } from '../resolvers/audit.js';
import { SubscriptionFailure } from '../subscriptions/bounded-subscription.js';
import { ActorRef } from './actor.js';
import { builder } from './builder.js';

export const AuditOutcomeRef = builder.enumType('AuditOutcome', {
  description:
    'ATTEMPTED: begun and not (yet) completed — an action that reached its upstream when the gateway stopped stays so; ' +
    'SUCCEEDED; FAILED (with errorCode).',
  values: ['ATTEMPTED', 'SUCCEEDED', 'FAILED'] as const,
});

export const AuditEntryRef = builder.objectRef<AuditEntry>('AuditEntry').implement({
  description: 'One action in the append-only audit trail. Completing an ATTEMPTED entry (outcome, errorCode, completedAt) is the only change an entry ever gets.',
  fields: (t) => ({
    id: t.id({ description: "The entry's place in the trail: increases with each action begun, the same whichever instance wrote it.", resolve: (e) => String(e.id) }),
    sequence: t.id({
      description: "The position of the entry's latest write (begin, then completion) in the audit stream: pass the last one received as auditEvents(after:).",
      resolve: (e) => String(e.sequence),
    }),
    at: t.field({ type: 'DateTime', description: 'When the action was begun.', resolve: (e) => e.at }),
    completedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was completed; null while ATTEMPTED.', resolve: (e) => e.completedAt }),
    actor: t.field({ type: ActorRef, resolve: (e) => e.actor }),
    action: t.exposeString('action', { description: 'The mutation\'s field name (closeIncident), ingest.cloudtrail, playbook.<step>, lease.acquired, ...' }),
    target: t.exposeString('target', { nullable: true, description: '<kind>:<id>: incident:1042, staUser:alice, staGroup:Unusual Activity, staAlert:<id>, job:<name>.' }),
    outcome: t.field({ type: AuditOutcomeRef, resolve: (e) => e.outcome }),
    errorCode: t.exposeString('errorCode', { nullable: true }),
    requestId: t.exposeString('requestId', { nullable: true }),
    instance: t.exposeString('instance', { description: 'The gateway instance that wrote the entry.' }),
    details: t.field({ type: 'JSON', nullable: true, description: 'The arguments that matter. Never a secret.', resolve: (e) => e.details }),
  }),
});

const AuditFilterRef = builder.inputType('AuditFilter', {
  fields: (t) => ({
    actorId: t.string(),
    action: t.string(),
    target: t.string(),
    outcome: t.field({ type: AuditOutcomeRef }),
    from: t.field({ type: 'DateTime', description: 'at ≥ from' }),
    to: t.field({ type: 'DateTime', description: 'at ≤ to' }),
  }),
});

const AuditEntryConnectionRef = builder.connectionObject({ type: AuditEntryRef, name: 'AuditEntryConnection' });

builder.queryField('auditLog', (t) =>
  t.field({
    type: AuditEntryConnectionRef,
    description: 'The audit trail, newest first. Needs the audit scope.',
    authScopes: { audit: true },
    args: {
      first: t.arg.int({ description: '1 to 1000; default 50.' }),
      after: t.arg.string(),
      filter: t.arg({ type: AuditFilterRef }),
    },
    resolve: (_root, args, ctx) => auditLogPage(args, ctx),
  }),
);

builder.subscriptionField('auditEvents', (t) =>
  t.field({
    type: AuditEntryRef,
    description:
      'Audit entries as they are begun, recorded and completed (an action comes as ATTEMPTED, then again with its outcome). ' +
      'With `after` (the `sequence` of the last entry received), what was written after it comes first, then the live ones: ' +
      'resume on any instance. Needs the audit scope.',
    authScopes: { audit: true },
    args: {
      after: t.arg.id({ description: 'Resume after this sequence number (AuditEntry.sequence).' }),
      filter: t.arg({ type: AuditFilterRef }),
    },
    subscribe: (_root, args, ctx) => auditEventStream({ after: args.after == null ? null : String(args.after), filter: args.filter }, ctx),
    resolve: (e) => {
      if (e instanceof SubscriptionFailure) throw e.error;
      return (e as AuditEvent).entry;
    },
  }),
);
