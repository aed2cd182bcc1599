// Alert destinations (src/destinations/): an alert's deliveries (batched per operation), the destinations'
// summaries, and the two actions (audited by the Mutation wrapper, src/audit/audit-plugin.ts): redeliverAlert
// writes a new delivery; testDestination sends a test message and waits for its first attempt.
import DataLoader from 'dataloader';
import type { Context } from '../context.js';
import type { AlertDelivery } from '../domain/alert-delivery.js';
import { parseAlertId } from '../domain/alert.js';
import { badInput } from '../errors.js';
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

export function redeliverAlert(args: { alertId: string; destination: string }, ctx: Context): Promise<AlertDelivery> {
  if (!parseAlertId(args.alertId)) throw badInput(`"${args.alertId}" is not an alert id (saas:<instance>:<id>, sta:<id>, saml:<id>)`, 'alertId');
  return ctx.services.destinations.redeliver(args.alertId, args.destination);
}

export function testDestination(args: { name: string }, ctx: Context): Promise<AlertDelivery> {
  return ctx.services.destinations.test(args.name);
}
