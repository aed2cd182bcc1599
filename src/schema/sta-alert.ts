// StaAlert: an STA alert email (push rejection or account lockout) and the playbook run it started, the
// queries over them, the live alert events and the analyst's retry and cancel.
import {
  STA_ALERT_EVENT_TYPES,
  STA_ALERT_KINDS,
  STA_ALERT_STATES,
  STA_PLAYBOOKS,
  STA_RUN_STATES,
  STA_STEP_NAMES,
  STA_STEP_STATUSES,
  type StaAlert,
  type StaAlertEvent,
  type StaPlaybookRun,
  type StaPlaybookStep,
  type StaStepError,
} from '../domain/sta-alert.js';
import {
  cancelStaPlaybookRun,
  getStaAlert,
  listStaAlerts,
  retryStaPlaybookRun,
  staAlertEventStream,
} from '../resolvers/sta-alerts.js';
import { SubscriptionFailure } from '../subscriptions/bounded-subscription.js';
import { AlertRef } from './alert.js';
import { builder } from './builder.js';

const StaAlertKindRef = builder.enumType('StaAlertKind', {
  values: STA_ALERT_KINDS,
  description: 'PUSH_REJECTION: "SafeNet Trusted Access Push Notification Rejection Alert"; ACCOUNT_LOCKOUT: "SafeNet Trusted Access User Lockout Alert".',
});
const StaAlertStateRef = builder.enumType('StaAlertState', { values: STA_ALERT_STATES });
const StaPlaybookRef = builder.enumType('StaPlaybook', { values: STA_PLAYBOOKS });
const StaPlaybookRunStateRef = builder.enumType('StaPlaybookRunState', {
  values: STA_RUN_STATES,
  description:
    'RETRYING: a step failed transiently (STA unavailable, rate limited, not configured) and is tried again with backoff. ' +
    'FAILED: a step failed for a reason retrying cannot fix (no such user or group in STA, STA refused the request); the alert stays OPEN until an analyst retries (after fixing STA) or cancels. ' +
    'SUPERSEDED: a newer push rejection for the same user took over.',
});
const StaPlaybookStepNameRef = builder.enumType('StaPlaybookStepName', {
  values: STA_STEP_NAMES,
  description:
    'The reference playbooks\' tasks. VALIDATE_TENANT: sta-validate-tenant. CHECK_USER: sta-get-user-info. CHECK_GROUP: sta-get-group-info. ' +
    'CHECK_MEMBERSHIP: sta-user-exist-group. CHECK_SESSIONS: sta-get-user-sessions. WAIT: push rejection, the stay in the group; account lockout, the 120 s pause before closing.',
});
const StaPlaybookStepStatusRef = builder.enumType('StaPlaybookStepStatus', {
  values: STA_STEP_STATUSES,
  description:
    'FAILED: the last attempt failed; in a RETRYING run it is tried again at nextAttemptAt, in a FAILED run it waits for retryStaPlaybookRun (never dropped). ' +
    'SKIPPED: a check made it unnecessary (the user is already in the group, or has no SSO session).',
});
const StaAlertEventTypeRef = builder.enumType('StaAlertEventType', {
  values: STA_ALERT_EVENT_TYPES,
  description: 'STEP_SKIPPED: a check made the step unnecessary. RUN_FAILED: the run stopped on a permanent failure and waits for an analyst.',
});

const StaPlaybookStepErrorRef = builder.objectRef<StaStepError>('StaPlaybookStepError').implement({
  fields: (t) => ({
    code: t.exposeString('code', { description: 'A gateway error code (NOT_CONFIGURED, UPSTREAM_UNAVAILABLE, …) or INTERNAL.' }),
    message: t.exposeString('message', {
      description: 'For a permanent failure of a check, the reference playbook\'s message (e.g. "User - jdoe doesn\'t exist in the tenant.").',
    }),
    detail: t.string({
      nullable: true,
      description: 'What STA answered, when message is the reference\'s wording rather than the upstream error.',
      resolve: (e) => e.detail ?? null,
    }),
  }),
});

const StaPlaybookStepRef = builder.objectRef<StaPlaybookStep>('StaPlaybookStep').implement({
  fields: (t) => ({
    name: t.field({ type: StaPlaybookStepNameRef, resolve: (s) => s.name }),
    status: t.field({ type: StaPlaybookStepStatusRef, resolve: (s) => s.status }),
    attempts: t.exposeInt('attempts'),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    nextAttemptAt: t.expose('nextAttemptAt', {
      type: 'DateTime',
      nullable: true,
      description: 'FAILED: when it is tried again. WAITING: when the stay in the group ends.',
    }),
    error: t.field({ type: StaPlaybookStepErrorRef, nullable: true, description: 'The last failure.', resolve: (s) => s.error }),
  }),
});

const StaPlaybookRunRef = builder.objectRef<StaPlaybookRun>('StaPlaybookRun').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    playbook: t.field({ type: StaPlaybookRef, resolve: (r) => r.playbook }),
    state: t.field({ type: StaPlaybookRunStateRef, resolve: (r) => r.state }),
    groupName: t.exposeString('groupName', { nullable: true, description: 'Push rejection: the unusual-activity group.' }),
    hours: t.exposeFloat('hours', { nullable: true, description: 'Push rejection: the configured stay in the group.' }),
    steps: t.field({ type: [StaPlaybookStepRef], resolve: (r) => r.steps }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    dueAt: t.expose('dueAt', { type: 'DateTime', nullable: true, description: 'When the runner next acts on this run.' }),
    supersededBy: t.exposeID('supersededBy', { nullable: true, description: 'The id of the alert whose run took over.' }),
  }),
});

export const StaAlertRef = builder.objectRef<StaAlert>('StaAlert').implement({
  interfaces: [AlertRef],
  description: 'An STA alert email, as the reference mapper reads it, and the playbook run it started.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: StaAlertKindRef, resolve: (a) => a.kind }),
    userName: t.exposeString('userName', { nullable: true, description: 'Null when the email named no user (see problem).' }),
    instanceName: t.exposeString('instanceName', { nullable: true, description: 'The "Instance name:" line of the email.' }),
    tenantName: t.exposeString('tenantName', { nullable: true, description: 'Organization name (push) or Account (lockout).' }),
    subject: t.exposeString('subject'),
    messageId: t.exposeString('messageId', { nullable: true }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true, description: 'The Date header.' }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime', nullable: true, description: 'When the mailbox received it.' }),
    recordedAt: t.expose('recordedAt', { type: 'DateTime' }),
    unlockAt: t.expose('unlockAt', { type: 'DateTime', nullable: true, description: 'Lockout: when STA unlocks the account (UTC).' }),
    state: t.field({ type: StaAlertStateRef, resolve: (a) => a.state }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    closeReason: t.exposeString('closeReason', { nullable: true }),
    closeNotes: t.exposeString('closeNotes', { nullable: true }),
    problem: t.exposeString('problem', { nullable: true, description: 'Why no playbook runs for this alert.' }),
    run: t.field({ type: StaPlaybookRunRef, nullable: true, resolve: (a) => a.run }),
  }),
});

const StaAlertFilterRef = builder.inputType('StaAlertFilter', {
  fields: (t) => ({
    kinds: t.field({ type: [StaAlertKindRef] }),
    states: t.field({ type: [StaAlertStateRef] }),
    runStates: t.field({ type: [StaPlaybookRunStateRef] }),
    userName: t.string({ description: 'Exact, case-insensitive.' }),
    recordedFrom: t.field({ type: 'DateTime' }),
    recordedTo: t.field({ type: 'DateTime' }),
  }),
});

const StaAlertConnectionRef = builder.connectionObject({ type: StaAlertRef, name: 'StaAlertConnection' });

builder.queryField('staAlerts', (t) =>
  t.field({
    type: StaAlertConnectionRef,
    description: 'STA alerts received by mail, newest first.',
    authScopes: { read: true },
    args: {
      filter: t.arg({ type: StaAlertFilterRef }),
      first: t.arg.int({ description: '1 to 500; default 50.' }),
      after: t.arg.string(),
    },
    resolve: (_root, args, ctx) => listStaAlerts(args, ctx),
  }),
);

builder.queryField('staAlert', (t) =>
  t.field({
    type: StaAlertRef,
    nullable: true,
    authScopes: { read: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getStaAlert({ id: String(args.id) }, ctx),
  }),
);

builder.mutationField('retryStaPlaybookRun', (t) =>
  t.field({
    type: StaAlertRef,
    description:
      'Tries a failing step now (RETRYING, or FAILED once STA is fixed, e.g. the missing user or group created), or resumes a CANCELLED run where it stopped. Needs the respond scope.',
    authScopes: { respond: true },
    args: { id: t.arg.id({ required: true, description: 'The alert id.' }) },
    audit: { target: (args) => `staAlert:${String(args.id)}`, details: () => null },
    resolve: (_root, args, ctx) => retryStaPlaybookRun({ id: String(args.id) }, ctx),
  }),
);

builder.mutationField('cancelStaPlaybookRun', (t) =>
  t.field({
    type: StaAlertRef,
    description:
      'Stops the run and closes the alert. A user the run put in the unusual-activity group stays there, unless removeUserFromGroup. Needs the respond scope.',
    authScopes: { respond: true },
    args: {
      id: t.arg.id({ required: true, description: 'The alert id.' }),
      removeUserFromGroup: t.arg.boolean({
        defaultValue: false,
        description:
          'Remove a user this run parked in the unusual-activity group now (once, recorded as its REMOVE_FROM_GROUP step) instead of leaving them there: the reference\'s STA-PostProcessing. If STA refuses, the cancel fails with its code and the run is unchanged.',
      }),
    },
    audit: { target: (args) => `staAlert:${String(args.id)}` },
    resolve: (_root, args, ctx) => cancelStaPlaybookRun({ id: String(args.id), removeUserFromGroup: args.removeUserFromGroup }, ctx),
  }),
);

const StaAlertEventRef = builder.objectRef<StaAlertEvent>('StaAlertEvent').implement({
  fields: (t) => ({
    id: t.id({ description: 'From the STA alert event log: the same on every instance. Resume with staAlertEvents(after:).', resolve: (e) => String(e.id) }),
    type: t.field({ type: StaAlertEventTypeRef, resolve: (e) => e.type }),
    alert: t.field({ type: StaAlertRef, description: 'The alert as it was right after the change.', resolve: (e) => e.alert }),
    step: t.field({ type: StaPlaybookStepNameRef, nullable: true, resolve: (e) => e.step }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

const StaAlertEventFilterRef = builder.inputType('StaAlertEventFilter', {
  fields: (t) => ({
    types: t.field({ type: [StaAlertEventTypeRef] }),
    kinds: t.field({ type: [StaAlertKindRef] }),
    userName: t.string({ description: 'Exact, case-insensitive.' }),
  }),
});

builder.subscriptionField('staAlertEvents', (t) =>
  t.field({
    type: StaAlertEventRef,
    description:
      'STA alerts as they are recorded and as their playbook runs and steps change, pushed live. With `after` (an event id), ' +
      'the logged events after it come first, then the live ones, each once.',
    authScopes: { read: true },
    args: {
      filter: t.arg({ type: StaAlertEventFilterRef }),
      after: t.arg.id({ description: 'Resume after this event id. BAD_USER_INPUT when the events after it are no longer kept.' }),
    },
    subscribe: (_root, args, ctx) => staAlertEventStream({ filter: args.filter, after: args.after == null ? null : String(args.after) }, ctx),
    resolve: (e) => {
      if (e instanceof SubscriptionFailure) throw e.error;
      return e as StaAlertEvent;
    },
  }),
);
