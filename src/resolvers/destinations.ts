// Alert destinations (src/destinations/): an alert's deliveries (batched per operation), the destinations'
// summaries, and the two actions, each audited: redeliverAlert writes a new delivery; testDestination sends
// a test message and waits for its first attempt (it reaches the destination: begun before, completed after).
import DataLoader from 'dataloader';
import type { Context } from '../context.js';
import type { AlertDelivery } from '../domain/alert-delivery.js';
import { parseAlertId } from '../domain/alert.js';
import { badInput, errorCodeOf, GatewayError } from '../errors.js';
import { actorOf } from '../identity/actor.js';
import type { DestinationSummary } from '../destinations/alert-destinations.js';

const loaders = new WeakMap<Context, DataLoader<string, AlertDelivery[]>>();

export function deliveriesOf(alertId: string, ctx: Context): Promise<AlertDelivery[]> {
  let loader = loaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const found = await ctx.services.destinations.deliveriesOf(ids);
      return ids.map((id) => found.get(id) ?? []);
    });
    loaders.set(ctx, loader);
  }
  return loader.load(alertId);
}

export function destinations(ctx: Context): Promise<DestinationSummary[]> {
  return ctx.services.destinations.summaries();
}

function actor(ctx: Context) {
  if (!ctx.principal) throw new GatewayError('UNAUTHENTICATED', 'An API key is required: send Authorization: Bearer <key>');
  return actorOf(ctx.principal);
}

async function auditedAction<T>(ctx: Context, action: string, target: string, details: Record<string, unknown>, act: () => Promise<T>, failedOf?: (r: T) => string | null): Promise<T> {
  const entry = await ctx.services.audit.begin({ actor: actor(ctx), action, target, requestId: ctx.requestId, details });
  let result: T;
  try {
    result = await act();
  } catch (e) {
    await entry.failed(errorCodeOf(e) ?? 'INTERNAL');
    throw e;
  }
  const failure = failedOf?.(result) ?? null;
  if (failure) await entry.failed(failure);
  else await entry.succeeded();
  return result;
}

export function redeliverAlert(args: { alertId: string; destination: string }, ctx: Context): Promise<AlertDelivery> {
  if (!parseAlertId(args.alertId)) throw badInput(`"${args.alertId}" is not an alert id (saas:<instance>:<id>, sta:<id>, saml:<id>)`, 'alertId');
  return auditedAction(ctx, 'redeliverAlert', `alert:${args.alertId}`, { destination: args.destination }, () => ctx.services.destinations.redeliver(args.alertId, args.destination));
}

export function testDestination(args: { name: string }, ctx: Context): Promise<AlertDelivery> {
  return auditedAction(ctx, 'testDestination', `destination:${args.name}`, {}, () => ctx.services.destinations.test(args.name), (d) =>
    d.status === 'DELIVERED' ? null : 'UPSTREAM_UNAVAILABLE',
  );
}
