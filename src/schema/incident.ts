// Incident: a SaaS Security incident, its queries, the close mutation and the live incident events.
import { INCIDENT_EVENT_KINDS, type IncidentEvent } from '../domain/incident-event.js';
import {
  CLOSE_CATEGORIES,
  INCIDENT_STATES,
  INCIDENT_STATUSES,
  SEVERITIES,
  type Incident,
} from '../domain/saas-security.js';
import { DEFAULT_SAAS_INSTANCE } from '../domain/alert.js';
import { incidentApp } from '../resolvers/apps.js';
import { incidentEventStream, listIncidentEvents } from '../resolvers/incident-events.js';
import { closeIncident, getIncident, listIncidents } from '../resolvers/incidents.js';
import { SubscriptionFailure } from '../subscriptions/bounded-subscription.js';
import { AlertRef } from './alert.js';
import { AppRef } from './app.js';
import { builder } from './builder.js';

export const IncidentStateRef = builder.enumType('IncidentState', { values: INCIDENT_STATES });
export const CloseCategoryRef = builder.enumType('CloseCategory', {
  values: CLOSE_CATEGORIES,
  description: 'The only categories the SaaS Security API accepts when closing.',
});
export const SeverityRef = builder.enumType('Severity', {
  values: SEVERITIES,
  description: 'Normalised severity. The API filter values 1..5 map to INFORMATIONAL..CRITICAL.',
});
export const IncidentStatusRef = builder.enumType('IncidentStatus', {
  values: INCIDENT_STATUSES,
  description: 'The nine human statuses of the reference integration (NEW = open-new, …, DISMISS = closed-dismiss).',
});

export const IncidentRef = builder.objectRef<Incident>('Incident').implement({
  interfaces: [AlertRef],
  description: 'A SaaS Security incident. Fields are the camelCase of the upstream fields.',
  fields: (t) => ({
    id: t.id({ description: 'The incident id: unique within its tenant (`instance`) only.', resolve: (i) => String(i.incidentId) }),
    incidentId: t.exposeInt('incidentId'),
    instance: t.string({
      description: 'The SaaS Security tenant (configured instance name) it belongs to; `default` for the SAAS_SECURITY_* shorthand.',
      // Events logged before there were several tenants carry none: they are the default tenant's.
      resolve: (i) => i.instance ?? DEFAULT_SAAS_INSTANCE,
    }),
    tenant: t.exposeString('tenant', { nullable: true }),
    appId: t.exposeString('appId', { nullable: true }),
    appName: t.exposeString('appName', { nullable: true }),
    appType: t.exposeString('appType', { nullable: true }),
    app: t.field({
      type: AppRef,
      nullable: true,
      description: 'The app, from the cached app list (one upstream call for any number of incidents).',
      resolve: (i, _args, ctx) => incidentApp(i, ctx),
    }),
    cloudId: t.exposeString('cloudId', { nullable: true }),
    assetId: t.exposeString('assetId', { nullable: true }),
    assetName: t.exposeString('assetName', { nullable: true }),
    assetSha256: t.exposeString('assetSha256', { nullable: true }),
    assetPageUri: t.exposeString('assetPageUri', { nullable: true }),
    assetCloudUri: t.exposeString('assetCloudUri', { nullable: true }),
    assetOwnerId: t.exposeString('assetOwnerId', { nullable: true }),
    assetOwnerName: t.exposeString('assetOwnerName', { nullable: true }),
    assetOwnerEmail: t.exposeString('assetOwnerEmail', { nullable: true }),
    exposureType: t.exposeInt('exposureType', { nullable: true }),
    exposureLevel: t.exposeString('exposureLevel', { nullable: true }),
    policyId: t.exposeString('policyId', { nullable: true }),
    policyName: t.exposeString('policyName', { nullable: true }),
    policyVersion: t.exposeInt('policyVersion', { nullable: true }),
    policyPageUri: t.exposeString('policyPageUri', { nullable: true }),
    // severity (on Panther's scale) and createdAt come from the Alert interface (alert.ts).
    saasSeverity: t.field({ type: SeverityRef, nullable: true, description: "Normalised from severityRaw, on SaaS Security's scale (severity is it on Panther's).", resolve: (i) => i.severity }),
    severityRaw: t.exposeString('severityRaw', { nullable: true, description: 'As the upstream sent it: High, Low, 1.0, …' }),
    status: t.exposeString('status', { nullable: true, description: 'As the upstream sent it, e.g. Closed-Business Justified.' }),
    statusName: t.field({ type: IncidentStatusRef, nullable: true, resolve: (i) => i.statusName }),
    state: t.field({
      type: IncidentStateRef,
      nullable: true,
      description: 'From the upstream state, or derived from status when the upstream omits it.',
      resolve: (i) => i.state,
    }),
    category: t.exposeString('category', { nullable: true }),
    resolvedBy: t.exposeString('resolvedBy', { nullable: true }),
    resolutionDate: t.expose('resolutionDate', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', nullable: true }),
    assignedTo: t.exposeString('assignedTo', { nullable: true }),
    groupIds: t.expose('groupIds', { type: 'JSON' }),
    collaborators: t.expose('collaborators', { type: 'JSON' }),
    dataPatterns: t.expose('dataPatterns', { type: 'JSON' }),
  }),
});

/** What the `instance` argument of every SaaS Security lookup and action means. */
export const SAAS_INSTANCE_ARG = 'The SaaS Security tenant (configured instance name); the first configured without it.';

const IncidentFilterRef = builder.inputType('IncidentFilter', {
  fields: (t) => ({
    instances: t.stringList({ description: 'SaaS Security tenants (instance names); every tenant without it.' }),
    from: t.field({ type: 'DateTime', description: 'updated_at ≥ from' }),
    to: t.field({ type: 'DateTime', description: 'updated_at ≤ to' }),
    appIds: t.stringList(),
    state: t.field({ type: IncidentStateRef, description: 'Omit for both states.' }),
    severities: t.field({ type: [SeverityRef] }),
    statuses: t.field({ type: [IncidentStatusRef] }),
  }),
});

const IncidentConnectionRef = builder.connectionObject({ type: IncidentRef, name: 'IncidentConnection' });

builder.queryField('incident', (t) =>
  t.field({
    type: IncidentRef,
    nullable: true,
    description: 'One incident by its numeric id in one tenant; null when the upstream answers 404.',
    authScopes: { read: true },
    args: { id: t.arg.id({ required: true }), instance: t.arg.string({ description: SAAS_INSTANCE_ARG }) },
    resolve: (_root, args, ctx) => getIncident({ id: String(args.id), instance: args.instance }, ctx),
  }),
);

builder.queryField('incidents', (t) =>
  t.field({
    type: IncidentConnectionRef,
    description:
      'Incidents of every tenant (or filter.instances), tenant after tenant in configured order, each by updated_at, oldest first. ' +
      'Pages through the upstreams as far as `first` needs; a cursor names its tenant.',
    authScopes: { read: true },
    args: {
      filter: t.arg({ type: IncidentFilterRef }),
      first: t.arg.int({ description: '1 to 1000; default 50.' }),
      after: t.arg.string(),
    },
    resolve: (_root, args, ctx) => listIncidents(args, ctx),
  }),
);

builder.mutationField('closeIncident', (t) =>
  t.field({
    type: IncidentRef,
    description:
      'Closes the incident upstream at its tenant (`instance`) with a category (always sent, whatever the mirror direction), then closes the gateway record. ' +
      'Fails with the upstream\'s code if the upstream refuses; nothing is then recorded. The API cannot reopen. Needs the respond scope.',
    authScopes: { respond: true },
    args: {
      id: t.arg.id({ required: true }),
      category: t.arg({ type: CloseCategoryRef, required: true }),
      instance: t.arg.string({ description: SAAS_INSTANCE_ARG }),
    },
    audit: { target: (args) => `incident:${String(args.id)}`, details: (args) => ({ category: args.category, ...(args.instance ? { instance: args.instance } : {}) }) },
    resolve: (_root, args, ctx) => closeIncident({ id: String(args.id), category: args.category, instance: args.instance }, ctx),
  }),
);

const IncidentEventKindRef = builder.enumType('IncidentEventKind', { values: INCIDENT_EVENT_KINDS });

const IncidentEventRef = builder.objectRef<IncidentEvent>('IncidentEvent').implement({
  fields: (t) => ({
    id: t.id({
      description: 'The event log sequence number: increases with every event, never reused. Pass the last one received as `after` to resume.',
      resolve: (e) => String(e.id),
    }),
    kind: t.field({ type: IncidentEventKindRef, resolve: (e) => e.kind }),
    incident: t.field({ type: IncidentRef, resolve: (e) => e.incident }),
    changedFields: t.exposeStringList('changedFields', {
      description: 'Upstream field names that changed (state, category, …); gatewayState, closeReason, mirrorError for the gateway record. Empty for FETCHED.',
    }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

const IncidentEventFilterRef = builder.inputType('IncidentEventFilter', {
  fields: (t) => ({
    instances: t.stringList({ description: 'SaaS Security tenants (instance names); every tenant without it.' }),
    kinds: t.field({ type: [IncidentEventKindRef] }),
    states: t.field({ type: [IncidentStateRef] }),
    severities: t.field({ type: [SeverityRef] }),
    appIds: t.stringList(),
  }),
});

builder.subscriptionField('incidentEvents', (t) =>
  t.field({
    type: IncidentEventRef,
    description:
      'Incidents as they are fetched, mirrored in or closed, pushed live. With `after` (an event id), the logged events after it ' +
      'come first, then the live ones, each once. A subscriber that falls SECGRAPH_SUBSCRIPTION_BUFFER events behind gets a ' +
      'final SUBSCRIPTION_OVERFLOW error and its subscription completes.',
    authScopes: { read: true },
    args: {
      filter: t.arg({ type: IncidentEventFilterRef }),
      after: t.arg.id({
        description: 'Resume after this event id: replays the logged events after it first. BAD_USER_INPUT when they are no longer kept.',
      }),
    },
    subscribe: (_root, args, ctx) => incidentEventStream({ filter: args.filter, after: args.after == null ? null : String(args.after) }, ctx),
    resolve: (e) => {
      if (e instanceof SubscriptionFailure) throw e.error;
      return e as IncidentEvent;
    },
  }),
);

builder.queryField('incidentEvents', (t) =>
  t.field({
    type: [IncidentEventRef],
    description:
      'The incident event log, oldest first: up to `first` (1..1000, default 100) events with id > `after` ' +
      '(default: from the oldest kept). BAD_USER_INPUT when events after `after` are no longer kept.',
    authScopes: { read: true },
    args: { after: t.arg.id(), first: t.arg.int() },
    resolve: (_root, args, ctx) => listIncidentEvents({ after: args.after == null ? null : String(args.after), first: args.first }, ctx),
  }),
);
