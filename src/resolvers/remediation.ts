// Asset remediation: start one, read its status.
import type { Context } from '../context.js';
import type { Remediation, RemediationType } from '../domain/saas-security.js';
import { badInput, notConfigured } from '../errors.js';
import type { SubscriptionFailure } from '../subscriptions/bounded-subscription.js';
import { saasInstance, saasSecurity } from './connectors.js';

function assetIdOf(raw: string): string {
  const id = raw.trim();
  if (!id) throw badInput('assetId must not be empty', 'assetId');
  return id;
}

export async function remediateAsset(
  args: { assetId: string; type: RemediationType; removeInheritedSharing?: boolean | null; instance?: string | null },
  ctx: Context,
): Promise<Remediation> {
  const assetId = assetIdOf(args.assetId);
  const removeInherited = args.removeInheritedSharing ?? false;
  if (removeInherited && args.type !== 'REMOVE_PUBLIC_SHARING') {
    throw badInput('removeInheritedSharing applies only to REMOVE_PUBLIC_SHARING', 'removeInheritedSharing');
  }
  const tenant = saasInstanceName(ctx, args.instance);
  await saasSecurity(ctx, tenant).remediateAsset(assetId, args.type, removeInherited);
  ctx.logger.info({ assetId, type: args.type, saasInstance: tenant }, 'remediation requested');
  // The API answers 202 with no body: the remediation is pending until its status says otherwise.
  return { assetId, assetName: null, remediationType: args.type, actionTaker: null, actionDate: null, status: 'pending' };
}

export async function getRemediationStatus(args: { assetId: string; type: RemediationType; instance?: string | null }, ctx: Context): Promise<Remediation | null> {
  return saasSecurity(ctx, args.instance).getRemediationStatus(assetIdOf(args.assetId), args.type);
}

/** The tenant's name (checked), or null on a gateway without SaaS Security tenants (its one connector). */
function saasInstanceName(ctx: Context, instance: string | null | undefined): string | null {
  return ctx.services.saasInstances ? saasInstance(ctx, instance).name : null;
}

/** Subscription.remediationUpdates: the current status, each change, until terminal or the timeout. */
export function remediationUpdates(
  args: { assetId: string; type: RemediationType; instance?: string | null },
  ctx: Context,
): AsyncIterableIterator<Remediation | SubscriptionFailure> {
  // The tenant's own pollers: the same asset id at two tenants is two assets.
  const updates = ctx.services.saasInstances ? saasInstance(ctx, args.instance).remediationUpdates : ctx.services.remediationUpdates;
  if (!updates) throw notConfigured('SaaS Security');
  return updates.watch(assetIdOf(args.assetId), args.type);
}
