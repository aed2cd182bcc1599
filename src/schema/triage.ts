// The triage record every alert carries: status, assignee, comments and the activity history (src/triage/).
// The Alert interface and the queue's queries and mutations are in alert.ts.
import { TRIAGE_STATUSES } from '../domain/alert.js';
import type { AlertActivity, AlertComment } from '../domain/triage.js';
import { triageActivity, triageComments, type TriageView } from '../resolvers/alerts.js';
import type { AlertStats, Count, DurationStats } from '../triage/alert-stats.js';
import { ActorRef } from './actor.js';
import { builder } from './builder.js';

export const TriageStatusRef = builder.enumType('TriageStatus', {
  values: TRIAGE_STATUSES,
  description:
    "Panther's four statuses. OPEN: not looked at yet. TRIAGED: being worked. RESOLVED: dealt with. CLOSED: a false positive " +
    '(the console\'s "Invalid"). Every alert starts OPEN (Panther starts INFO-severity ones RESOLVED; secgraph does not: see docs/triage.md).',
});

export const AlertCommentRef = builder.objectRef<AlertComment>('AlertComment').implement({
  description: 'A plain-text note on an alert. Only its author may edit it; the earlier bodies are kept.',
  fields: (t) => ({
    id: t.exposeID('id', { description: '`<alertId>#c<n>`.' }),
    author: t.field({ type: ActorRef, resolve: (c) => c.author }),
    body: t.exposeString('body'),
    createdAt: t.field({ type: 'DateTime', resolve: (c) => c.createdAt }),
    editedAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.editedAt }),
    previousBodies: t.stringList({ description: 'The bodies it had before each edit, oldest first.', resolve: (c) => c.edits.map((e) => e.body) }),
  }),
});

export const AlertActivityRef = builder.objectRef<AlertActivity>('AlertActivity').implement({
  description: 'One change of an alert: who, when, which field, from what to what.',
  fields: (t) => ({
    id: t.exposeID('id', { description: '`<alertId>#a<n>`.' }),
    at: t.field({ type: 'DateTime', resolve: (a) => a.at }),
    actor: t.field({ type: ActorRef, resolve: (a) => a.actor }),
    field: t.exposeString('field', {
      description: '`status`, `assignee` or `comment` (to: the comment id; note `edited` for an edit); `match` when a later match joined a SAML detection already triaged (to: its event count).',
    }),
    from: t.exposeString('from', { nullable: true }),
    to: t.exposeString('to', { nullable: true }),
    note: t.exposeString('note', { nullable: true, description: 'Why: the comment given with a status change, the close reason of a source, …' }),
  }),
});

const AlertCommentConnectionRef = builder.connectionObject({ type: AlertCommentRef, name: 'AlertCommentConnection' });
const AlertActivityConnectionRef = builder.connectionObject({ type: AlertActivityRef, name: 'AlertActivityConnection' });

export const TriageRef = builder.objectRef<TriageView>('Triage').implement({
  description: 'What analysts have done with an alert.',
  fields: (t) => ({
    status: t.field({ type: TriageStatusRef, resolve: (v) => v.record?.status ?? 'OPEN' }),
    assignee: t.string({ nullable: true, description: 'An email or identity-provider sub.', resolve: (v) => v.record?.assignee ?? null }),
    updatedAt: t.field({ type: 'DateTime', nullable: true, description: 'The last status or assignee change.', resolve: (v) => v.record?.updatedAt ?? null }),
    updatedBy: t.field({ type: ActorRef, nullable: true, resolve: (v) => v.record?.updatedBy ?? null }),
    sourceState: t.string({
      nullable: true,
      description:
        "The source's own state beside the status: a SaaS Security incident's upstream state (`OPEN`, `CLOSED (<category>)`), shown so an incident " +
        "closed upstream while close-mirroring is off is visibly so; an STA alert's playbook run state. Null for SAML detections.",
      resolve: (v) => v.record?.sourceState ?? null,
    }),
    triagedAt: t.field({ type: 'DateTime', nullable: true, description: 'The first move out of OPEN.', resolve: (v) => v.record?.triagedAt ?? null }),
    resolvedAt: t.field({ type: 'DateTime', nullable: true, description: 'The latest move to RESOLVED or CLOSED; null while open.', resolve: (v) => v.record?.resolvedAt ?? null }),
    comments: t.field({
      type: AlertCommentConnectionRef,
      description: 'Newest first. first: 1 to 100, default 20.',
      args: { first: t.arg.int(), after: t.arg.string() },
      resolve: (v, args, ctx) => triageComments(v, args, ctx),
    }),
    activity: t.field({
      type: AlertActivityConnectionRef,
      description: 'Every change, newest first. first: 1 to 100, default 20.',
      args: { first: t.arg.int(), after: t.arg.string() },
      resolve: (v, args, ctx) => triageActivity(v, args, ctx),
    }),
  }),
});

const AlertCountRef = builder.objectRef<Count>('AlertCount').implement({
  fields: (t) => ({ key: t.exposeString('key'), count: t.exposeInt('count') }),
});
const AlertAssigneeCountRef = builder.objectRef<{ assignee: string | null; count: number }>('AlertAssigneeCount').implement({
  fields: (t) => ({ assignee: t.exposeString('assignee', { nullable: true, description: 'Null: unassigned.' }), count: t.exposeInt('count') }),
});
const AlertDurationStatsRef = builder.objectRef<DurationStats>('AlertDurationStats').implement({
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'How many alerts the figures are over.' }),
    medianSeconds: t.exposeFloat('medianSeconds', { nullable: true }),
    p90Seconds: t.exposeFloat('p90Seconds', { nullable: true }),
  }),
});

export const AlertStatsRef = builder.objectRef<AlertStats>('AlertStats').implement({
  description: 'Alerts created in the period, counted; times from creation to the first move out of OPEN (triage) and to RESOLVED/CLOSED (resolve).',
  fields: (t) => ({
    total: t.exposeInt('total'),
    byStatus: t.field({ type: [AlertCountRef], resolve: (s) => s.byStatus }),
    bySeverity: t.field({ type: [AlertCountRef], resolve: (s) => s.bySeverity }),
    bySource: t.field({ type: [AlertCountRef], resolve: (s) => s.bySource }),
    byAssignee: t.field({ type: [AlertAssigneeCountRef], resolve: (s) => s.byAssignee }),
    timeToTriage: t.field({ type: AlertDurationStatsRef, resolve: (s) => s.timeToTriage }),
    timeToResolve: t.field({ type: AlertDurationStatsRef, resolve: (s) => s.timeToResolve }),
  }),
});
