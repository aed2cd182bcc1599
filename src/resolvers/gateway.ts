// Gateway-level facts: this instance and who runs which background job (the leases in the database).
import type { Context } from '../context.js';
import type { LeaseInfo } from '../store/leases.js';

export interface GatewayLease extends LeaseInfo {
  heldHere: boolean;
}

export async function gatewayLeases(ctx: Context): Promise<GatewayLease[]> {
  const leases = ctx.services.leases;
  return (await leases.list()).map((l) => ({ ...l, heldHere: l.holder === leases.instanceId }));
}
