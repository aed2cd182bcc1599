// Alert destinations (src/destinations/): every alert's deliveries (on the Alert interface, so on Incident,
// StaAlert and SamlDetection), the configured destinations with their counts, and re-sending and testing.
// Nothing here shows a URL, a signing secret, a routing key or a password.
import { ALERT_EVENT_KINDS } from '../domain/alert.js';
import { DELIVERY_STATUSES, type AlertDelivery } from '../domain/alert-delivery.js';
import type { DestinationSummary } from '../destinations/alert-destinations.js';
import { alertIdOfNode } from '../triage/alert-queue.js';
import { deliveriesOf, destinations, redeliverAlert, testDestination } from '../resolvers/destinations.js';
import { AlertRef, AlertSeverityRef, AlertSourceRef } from './alert.js';
import { builder } from './builder.js';

export const AlertEventKindRef = builder.enumType('AlertEventKind', {
  values: ALERT_EVENT_KINDS,
  description: 'ALERT_CREATED: a new alert. ALERT_UPDATED: a detection gathered more events. STATUS_CHANGED: its triage status moved. PLAYBOOK_FAILED: an STA playbook run failed.',
});

export const DeliveryStatusRef = builder.enumType('DeliveryStatus', {
  values: DELIVERY_STATUSES,
  description: 'PENDING: not attempted yet. RETRYING: an attempt failed and another is due. DELIVERED: the destination accepted it. FAILED: refused, or given up (maxAttempts, maxAge).',
});

export const AlertDeliveryRef = builder.objectRef<AlertDelivery>('AlertDelivery').implement({
  description: 'One alert event sent to one destination, from the outbox, with its last attempt.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Also the Idempotency-Key every attempt of it carries.' }),
    destination: t.exposeString('destination'),
    event: t.exposeString('event', { description: 'ALERT_CREATED, ALERT_UPDATED, STATUS_CHANGED, PLAYBOOK_FAILED, or TEST.' }),
    attempt: t.exposeInt('attempt', { description: 'Attempts made so far.' }),
    status: t.field({ type: DeliveryStatusRef, resolve: (d) => d.status }),
    at: t.field({ type: 'DateTime', description: 'The last attempt (the enqueue, before the first).', resolve: (d) => d.at }),
    createdAt: t.field({ type: 'DateTime', description: 'When the event was enqueued.', resolve: (d) => d.createdAt }),
    responseStatus: t.exposeInt('responseStatus', { nullable: true, description: 'HTTP status (SMTP reply code for email) of the last answer.' }),
    response: t.exposeString('response', { nullable: true, description: 'A short excerpt of the last answer, or the last error.' }),
  }),
});

const DestinationFiltersRef = builder.objectRef<DestinationSummary['filters']>('DestinationFilters').implement({
  description: 'What a destination is sent; null: everything.',
  fields: (t) => ({
    sources: t.field({ type: [AlertSourceRef], nullable: true, resolve: (f) => f.sources }),
    minSeverity: t.field({ type: AlertSeverityRef, nullable: true, resolve: (f) => f.minSeverity }),
    events: t.field({ type: [AlertEventKindRef], nullable: true, resolve: (f) => f.events }),
  }),
});

const DestinationRef = builder.objectRef<DestinationSummary>('Destination').implement({
  description: 'A configured alert destination (SECGRAPH_CONFIG destinations) and its deliveries so far.',
  fields: (t) => ({
    name: t.exposeString('name'),
    type: t.exposeString('type', { description: 'webhook, slack, teams, pagerduty or email.' }),
    filters: t.field({ type: DestinationFiltersRef, resolve: (d) => d.filters }),
    delivered: t.exposeInt('delivered'),
    failed: t.exposeInt('failed'),
    pending: t.exposeInt('pending', { description: 'Waiting: not attempted yet, or retrying.' }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'The newest failure (an HTTP status, a network error): never a URL or secret.' }),
    breaker: t.exposeString('breaker', { description: "This instance's circuit breaker for it: closed, open or half-open." }),
  }),
});

builder.interfaceField(AlertRef, 'deliveries', (t) =>
  t.field({
    type: [AlertDeliveryRef],
    description: 'Every delivery of this alert to a destination, oldest first.',
    resolve: (n, _args, ctx) => deliveriesOf(alertIdOfNode(n), ctx),
  }),
);

builder.queryField('destinations', (t) =>
  t.field({
    type: [DestinationRef],
    description: 'The configured alert destinations with their delivered, failed and pending counts.',
    authScopes: { read: true },
    resolve: (_root, _args, ctx) => destinations(ctx),
  }),
);

builder.mutationField('redeliverAlert', (t) =>
  t.field({
    type: AlertDeliveryRef,
    description:
      "Sends an alert to a destination again, as a new delivery (the alert as its latest delivery carried it), whatever the destination's filters. Needs the respond scope.",
    authScopes: { respond: true },
    args: { alertId: t.arg.id({ required: true }), destination: t.arg.string({ required: true }) },
    audit: { target: (args) => `alert:${String(args.alertId)}`, details: (args) => ({ destination: args.destination }) },
    resolve: (_root, args, ctx) => redeliverAlert({ alertId: String(args.alertId), destination: args.destination }, ctx),
  }),
);

builder.mutationField('testDestination', (t) =>
  t.field({
    type: AlertDeliveryRef,
    description: 'Sends a test message to a destination and answers with its first attempt (DELIVERED, or why not). Needs the respond scope.',
    authScopes: { respond: true },
    args: { name: t.arg.string({ required: true }) },
    // Begun before the message is sent, completed after its first attempt: FAILED (DELIVERY_FAILED, or
    // DELIVERY_RETRYING when the first attempt will be retried) unless the destination took the message.
    audit: {
      target: (args) => `destination:${args.name}`,
      details: () => null,
      failure: (delivery: AlertDelivery) => (delivery.status === 'DELIVERED' ? null : `DELIVERY_${delivery.status}`),
    },
    resolve: (_root, args, ctx) => testDestination(args, ctx),
  }),
);
