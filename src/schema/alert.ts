// One queue across the sources: the Alert interface (implemented by Incident, StaAlert and SamlDetection),
// the queue and one alert, the live updates and the numbers. The triage record is in triage.ts; the
// analysts' changes in alert-mutations.ts.
import { ALERT_SEVERITIES, ALERT_SOURCES, type AlertSource } from '../domain/alert.js';
import { ALERT_UPDATE_KINDS, type AlertUpdateEvent } from '../domain/triage.js';
import { alert, alertOfUpdate, alerts, alertStats, alertUpdateStream, triageOf, type AlertNode } from '../resolvers/alerts.js';
import { SubscriptionFailure } from '../subscriptions/bounded-subscription.js';
import { alertIdOfNode } from '../triage/alert-queue.js';
import { incidentTitle, saasSeverity, STA_SEVERITY, staTitle } from '../triage/source-alerts.js';
import { builder } from './builder.js';
import { AlertStatsRef, TriageRef, TriageStatusRef } from './triage.js';

export const AlertSourceRef = builder.enumType('AlertSource', { values: ALERT_SOURCES });

export const AlertSeverityRef = builder.enumType('AlertSeverity', {
  values: ALERT_SEVERITIES,
  description:
    "Panther's alert severities, INFO < LOW < MEDIUM < HIGH < CRITICAL. SaaS Security's INFORMATIONAL is INFO (an incident without one too). " +
    'STA alert emails carry none: a push rejection is HIGH (a possible MFA-fatigue attack in progress), an account lockout MEDIUM ' +
    "(STA's own protection has acted). SAML detections have their rule's severity.",
});

const sourceOf = (n: AlertNode): AlertSource => ('incidentId' in n ? 'SAAS_INCIDENT' : 'ruleId' in n ? 'SAML_DETECTION' : 'STA_ALERT');

export const AlertRef = builder.interfaceRef<AlertNode>('Alert').implement({
  description: 'An alert of any source, in the one triage queue.',
  resolveType: (n) => ({ SAAS_INCIDENT: 'Incident', SAML_DETECTION: 'SamlDetection', STA_ALERT: 'StaAlert' })[sourceOf(n)],
  fields: (t) => ({
    alertId: t.id({
      description: 'Global and stable: `saas:<instance>:<incidentId>`, `sta:<id>`, `saml:<id>`.',
      resolve: (n) => alertIdOfNode(n),
    }),
    source: t.field({ type: AlertSourceRef, resolve: (n) => sourceOf(n) }),
    title: t.string({
      resolve: (n) => ('incidentId' in n ? incidentTitle(n) : 'ruleId' in n ? n.title : staTitle(n)),
    }),
    severity: t.field({
      type: AlertSeverityRef,
      resolve: (n) => ('incidentId' in n ? saasSeverity(n.severity) : 'ruleId' in n ? n.severity : STA_SEVERITY[n.kind]),
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'SaaS Security: created_at upstream. STA: when secgraph recorded the email. SAML: eventTime of the match that reached the threshold.',
      resolve: (n) =>
        'incidentId' in n ? (n.createdAt ?? n.gateway?.fetchedAt ?? n.updatedAt ?? new Date(0)) : 'ruleId' in n ? n.createdAt : n.recordedAt,
    }),
    triage: t.field({ type: TriageRef, resolve: (n, _args, ctx) => triageOf(n, ctx) }),
  }),
});

export const AlertFilterRef = builder.inputType('AlertFilter', {
  fields: (t) => ({
    sources: t.field({ type: [AlertSourceRef] }),
    statuses: t.field({ type: [TriageStatusRef] }),
    assignee: t.string({ description: 'Exactly this assignee.' }),
    unassigned: t.boolean({ description: 'Only alerts nobody is assigned.' }),
    severities: t.field({ type: [AlertSeverityRef] }),
    from: t.field({ type: 'DateTime', description: 'createdAt ≥ from.' }),
    to: t.field({ type: 'DateTime', description: 'createdAt ≤ to.' }),
    text: t.string({ description: 'Case-insensitive words in the title, ids and names (not for alertUpdates).' }),
  }),
});

const AlertConnectionRef = builder.connectionObject({ type: AlertRef, name: 'AlertConnection' });

builder.queryField('alerts', (t) =>
  t.field({
    type: AlertConnectionRef,
    description: 'The triage queue across SaaS Security incidents (fetched ones), STA alerts and SAML detections, newest first. first: 1 to 200, default 50.',
    authScopes: { read: true },
    args: { first: t.arg.int(), after: t.arg.string(), filter: t.arg({ type: AlertFilterRef }) },
    resolve: (_root, args, ctx) => alerts(args, ctx),
  }),
);

builder.queryField('alert', (t) =>
  t.field({
    type: AlertRef,
    nullable: true,
    description: 'One alert by its alertId; null when its source has no such alert.',
    authScopes: { read: true },
    args: { alertId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => alert({ alertId: String(args.alertId) }, ctx),
  }),
);

builder.queryField('alertStats', (t) =>
  t.field({
    type: AlertStatsRef,
    description: 'Counts and times of the alerts created in [from, to] (unbounded when omitted) of the sources (all when omitted).',
    authScopes: { read: true },
    args: { from: t.arg({ type: 'DateTime' }), to: t.arg({ type: 'DateTime' }), sources: t.arg({ type: [AlertSourceRef] }) },
    resolve: (_root, args, ctx) => alertStats(args, ctx),
  }),
);

const AlertUpdateKindRef = builder.enumType('AlertUpdateKind', {
  values: ALERT_UPDATE_KINDS,
  description: 'CREATED: a new alert. STATUS_CHANGED, ASSIGNED, COMMENTED (also an edit): triage. UPDATED: its source changed it (a mirrored incident, a playbook step, a later SAML match).',
});

const AlertUpdateRef = builder.objectRef<AlertUpdateEvent>('AlertUpdate').implement({
  fields: (t) => ({
    id: t.id({ description: 'The alert update log sequence number, the same on every instance: pass the last one received as `after` to resume.', resolve: (e) => String(e.id) }),
    kind: t.field({ type: AlertUpdateKindRef, resolve: (e) => e.kind }),
    alertId: t.exposeID('alertId'),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    status: t.field({ type: TriageStatusRef, description: 'The status right after this update.', resolve: (e) => e.status }),
    assignee: t.exposeString('assignee', { nullable: true, description: 'The assignee right after this update.' }),
    alert: t.field({ type: AlertRef, description: 'The alert as it is now.', resolve: (e, _a, ctx) => alertOfUpdate(e, ctx) }),
  }),
});

builder.subscriptionField('alertUpdates', (t) =>
  t.field({
    type: AlertUpdateRef,
    description:
      'New alerts and every triage or source change, across sources, pushed live. With `after` (an update id), the logged updates after it ' +
      'come first, then the live ones, each once. The filter applies to the alert as it is right after each update.',
    authScopes: { read: true },
    args: { filter: t.arg({ type: AlertFilterRef }), after: t.arg.id() },
    subscribe: (_root, args, ctx) => alertUpdateStream({ filter: args.filter, after: args.after == null ? null : String(args.after) }, ctx),
    resolve: (e) => {
      if (e instanceof SubscriptionFailure) throw e.error;
      return e as AlertUpdateEvent;
    },
  }),
);
