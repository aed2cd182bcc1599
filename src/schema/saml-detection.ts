// SAML detections: Panther's AWS.Suspicious.SAML.Activity alerts over CloudTrail, their matched events, a
// rule sandbox (evaluateSamlRule) and live CREATED/UPDATED events. (`actor: StaUser` is in sta-joins.ts.)
import type { Indicators } from '../detection/cloudtrail-indicators.js';
import {
  SAML_ALERT_TYPES,
  SAML_DETECTION_EVENT_KINDS,
  type SamlDetection,
  type SamlDetectionEvent,
  type SamlMatchedEvent,
} from '../domain/saml-detection.js';
import {
  evaluateSamlRule,
  getSamlDetection,
  listSamlDetectionEvents,
  listSamlDetections,
  getSamlDetectionStatus,
  samlDetectionEventStream,
  samlProviderOfDetection,
  type SamlDetectionStatus,
  type SamlRuleResult,
} from '../resolvers/saml-detections.js';
import { samlProviderOf } from '../detection/saml-triage.js';
import { SubscriptionFailure } from '../subscriptions/bounded-subscription.js';
import { AlertRef, AlertSeverityRef } from './alert.js';
import { builder } from './builder.js';

const SamlAlertTypeRef = builder.enumType('SamlAlertType', {
  values: SAML_ALERT_TYPES,
  description: 'RULE: the rule matched. RULE_ERROR: the rule raised on the event (Panther\'s "Rule Error" alerts).',
});

const SamlIndicatorsRef = builder.objectRef<Indicators>('SamlIndicators').implement({
  description: "The p_any_* indicator fields Panther's CloudTrail parser extracts: sorted and de-duplicated.",
  fields: (t) => ({
    awsAccountIds: t.exposeStringList('awsAccountIds'),
    awsArns: t.exposeStringList('awsArns'),
    ipAddresses: t.exposeStringList('ipAddresses'),
    domainNames: t.exposeStringList('domainNames'),
    traceIds: t.exposeStringList('traceIds'),
    usernames: t.exposeStringList('usernames'),
  }),
});

const str = (v: unknown) => (typeof v === 'string' ? v : null);
const identityArn = (record: Record<string, unknown>) => {
  const identity = record['userIdentity'];
  return identity && typeof identity === 'object' ? str((identity as Record<string, unknown>)['arn']) : null;
};

const SamlMatchedEventRef = builder.objectRef<SamlMatchedEvent>('SamlMatchedEvent').implement({
  description: 'A CloudTrail record that matched (or raised in) the rule, as it was ingested.',
  fields: (t) => ({
    eventId: t.string({ nullable: true, resolve: (e) => str(e.record['eventID']) }),
    eventTime: t.field({ type: 'DateTime', resolve: (e) => e.eventTime }),
    eventName: t.string({ nullable: true, resolve: (e) => str(e.record['eventName']) }),
    eventSource: t.string({ nullable: true, resolve: (e) => str(e.record['eventSource']) }),
    awsRegion: t.string({ nullable: true, resolve: (e) => str(e.record['awsRegion']) }),
    sourceIPAddress: t.string({ nullable: true, resolve: (e) => str(e.record['sourceIPAddress']) }),
    userAgent: t.string({ nullable: true, resolve: (e) => str(e.record['userAgent']) }),
    actorArn: t.string({ nullable: true, resolve: (e) => identityArn(e.record) }),
    samlProviderArn: t.string({
      nullable: true,
      description: 'The SAML provider changed: requestParameters.sAMLProviderArn, else responseElements.sAMLProviderArn (Create).',
      resolve: (e) => samlProviderOf(e.record).arn,
    }),
    samlProviderName: t.string({
      nullable: true,
      description: 'requestParameters.name (Create), else the name in the provider ARN (saml-provider/<name>).',
      resolve: (e) => samlProviderOf(e.record).name,
    }),
    record: t.field({ type: 'JSON', description: 'The whole record.', resolve: (e) => e.record }),
  }),
});

const SamlMatchedEventConnectionRef = builder.connectionObject({ type: SamlMatchedEventRef, name: 'SamlMatchedEventConnection' });

export const SamlDetectionRef = builder.objectRef<SamlDetection>('SamlDetection').implement({
  interfaces: [AlertRef],
  description:
    'One alert of AWS.Suspicious.SAML.Activity: the matches with one dedup string (the title) inside one dedup window, ' +
    'windows measured on the events\' eventTime.',
  fields: (t) => ({
    id: t.exposeID('id', { description: "Panther's alert id: md5(ruleId:alertCount:dedupString)." }),
    ruleId: t.exposeString('ruleId'),
    alertType: t.field({ type: SamlAlertTypeRef, resolve: (d) => d.alertType }),
    title: t.exposeString('title'),
    severity: t.field({ type: AlertSeverityRef, resolve: (d) => d.severity }),
    description: t.exposeString('description'),
    reference: t.exposeString('reference'),
    dedupString: t.exposeString('dedupString'),
    error: t.exposeString('error', { nullable: true, description: 'The rule error, for RULE_ERROR alerts.' }),
    eventCount: t.exposeInt('eventCount'),
    firstEventAt: t.field({ type: 'DateTime', resolve: (d) => d.firstEventAt }),
    lastEventAt: t.field({ type: 'DateTime', resolve: (d) => d.lastEventAt }),
    createdAt: t.field({ type: 'DateTime', description: 'eventTime of the match that reached the threshold.', resolve: (d) => d.createdAt }),
    updatedAt: t.field({ type: 'DateTime', description: 'eventTime of the latest match.', resolve: (d) => d.updatedAt }),
    alertContext: t.field({ type: 'JSON', description: 'aws_rule_context of the event that opened the window.', resolve: (d) => d.alertContext }),
    indicators: t.field({ type: SamlIndicatorsRef, description: 'Union over the matched events.', resolve: (d) => d.indicators }),
    accountId: t.exposeString('accountId', { nullable: true, description: 'recipientAccountId.' }),
    actorArn: t.exposeString('actorArn', { nullable: true, description: 'userIdentity.arn.' }),
    actorName: t.exposeString('actorName', { nullable: true, description: 'Role-session name of an assumed role, else the user name.' }),
    samlProviderArn: t.string({
      nullable: true,
      description: 'The SAML provider the opening event changed (see SamlMatchedEvent.samlProviderArn).',
      resolve: async (d, _a, ctx) => (await samlProviderOfDetection(d, ctx)).arn,
    }),
    samlProviderName: t.string({
      nullable: true,
      description: 'The name of that provider.',
      resolve: async (d, _a, ctx) => (await samlProviderOfDetection(d, ctx)).name,
    }),
    events: t.field({
      type: SamlMatchedEventConnectionRef,
      description: 'The matched records, oldest first.',
      args: { first: t.arg.int({ description: '1 to 1000; default 50.' }), after: t.arg.string() },
      resolve: (d, args, ctx) => listSamlDetectionEvents(d, args, ctx),
    }),
  }),
});

const SamlDetectionConnectionRef = builder.connectionObject({ type: SamlDetectionRef, name: 'SamlDetectionConnection' });

const SamlDetectionFilterRef = builder.inputType('SamlDetectionFilter', {
  fields: (t) => ({
    from: t.field({ type: 'DateTime', description: 'Windows whose last event is at or after this.' }),
    to: t.field({ type: 'DateTime', description: 'Windows whose first event is at or before this.' }),
    accountIds: t.stringList({ description: 'recipientAccountId in this list.' }),
    actorArn: t.string({ description: 'userIdentity.arn, exactly.' }),
  }),
});

builder.queryField('samlDetections', (t) =>
  t.field({
    type: SamlDetectionConnectionRef,
    description: 'SAML detections, newest window first.',
    authScopes: { read: true },
    args: { filter: t.arg({ type: SamlDetectionFilterRef }), first: t.arg.int({ description: '1 to 1000; default 50.' }), after: t.arg.string() },
    resolve: (_root, args, ctx) => listSamlDetections(args, ctx),
  }),
);

builder.queryField('samlDetection', (t) =>
  t.field({
    type: SamlDetectionRef,
    nullable: true,
    authScopes: { read: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getSamlDetection({ id: String(args.id) }, ctx),
  }),
);

const SamlRuleResultRef = builder.objectRef<SamlRuleResult>('SamlRuleResult').implement({
  fields: (t) => ({
    matches: t.exposeBoolean('matches', { description: 'rule() returned True.' }),
    suppressed: t.exposeBoolean('suppressed', {
      description: 'A match by a principal in SAML_IGNORE_PRINCIPALS: ingested, it would raise no alert (only counted). Always false with an empty list.',
    }),
    ruleError: t.exposeBoolean('ruleError', { description: 'rule() raised: Panther would raise a Rule Error alert.' }),
    title: t.exposeString('title', { nullable: true, description: 'Set when the event matches or raises.' }),
    dedupString: t.exposeString('dedupString', { nullable: true }),
    alertContext: t.field({ type: 'JSON', nullable: true, resolve: (r) => r.alertContext }),
    indicators: t.field({ type: SamlIndicatorsRef, resolve: (r) => r.indicators }),
    error: t.exposeString('error', { nullable: true, description: 'What raised, as Python names it, e.g. "AttributeError: … (in rule)".' }),
  }),
});

builder.queryField('evaluateSamlRule', (t) =>
  t.field({
    type: SamlRuleResultRef,
    description: 'Runs AWS.Suspicious.SAML.Activity on one CloudTrail record, storing nothing.',
    authScopes: { read: true },
    args: {
      event: t.arg({ type: 'JSON', required: true }),
      asIngested: t.arg.boolean({
        defaultValue: false,
        description: 'First add the p_* fields ingestion adds (p_log_type, p_event_time, p_any_*), as Panther\'s log processor does; false evaluates the event as given, like `pat test`.',
      }),
    },
    resolve: (_root, args, ctx) => evaluateSamlRule(args, ctx),
  }),
);

const SamlDetectionStatusRef = builder.objectRef<SamlDetectionStatus>('SamlDetectionStatus').implement({
  fields: (t) => ({
    ignoredPrincipals: t.exposeStringList('ignoredPrincipals', { description: 'SAML_IGNORE_PRINCIPALS: ARNs or * globs.' }),
    suppressedEvents: t.exposeInt('suppressedEvents', { description: 'Distinct records matched by an ignored principal (SAML_IGNORE_PRINCIPALS), across the deployment and restarts: no alert was raised for them.' }),
  }),
});

builder.queryField('samlDetectionStatus', (t) =>
  t.field({
    type: SamlDetectionStatusRef,
    authScopes: { read: true },
    resolve: (_root, _args, ctx) => getSamlDetectionStatus(ctx),
  }),
);

const SamlDetectionEventKindRef = builder.enumType('SamlDetectionEventKind', { values: SAML_DETECTION_EVENT_KINDS });

const SamlDetectionEventRef = builder.objectRef<SamlDetectionEvent>('SamlDetectionEvent').implement({
  fields: (t) => ({
    id: t.id({ description: 'From the SAML detection event log: the same on every instance. Resume with samlDetectionEvents(after:).', resolve: (e) => String(e.id) }),
    kind: t.field({ type: SamlDetectionEventKindRef, resolve: (e) => e.kind }),
    detection: t.field({ type: SamlDetectionRef, resolve: (e) => e.detection }),
  }),
});

const SamlDetectionEventFilterRef = builder.inputType('SamlDetectionEventFilter', {
  fields: (t) => ({
    kinds: t.field({ type: [SamlDetectionEventKindRef] }),
    accountIds: t.stringList(),
  }),
});

builder.subscriptionField('samlDetectionEvents', (t) =>
  t.field({
    type: SamlDetectionEventRef,
    description: 'Detections as they are created (the window reached the threshold) and updated (a later match joined).',
    authScopes: { read: true },
    args: {
      filter: t.arg({ type: SamlDetectionEventFilterRef }),
      after: t.arg.id({ description: 'Resume after this event id: the logged events after it first. BAD_USER_INPUT when no longer kept.' }),
    },
    subscribe: (_root, args, ctx) => samlDetectionEventStream({ filter: args.filter, after: args.after == null ? null : String(args.after) }, ctx),
    resolve: (e) => {
      if (e instanceof SubscriptionFailure) throw e.error;
      return e as SamlDetectionEvent;
    },
  }),
);
