// The STA tenant check (the reference's sta-validate-tenant).
import type { Context } from '../context.js';
import { sta } from './connectors.js';

/** Never false: an inaccessible tenant is a typed error, with the reference's advice on a 403. */
export async function validateStaTenant(args: { instance?: string | null }, ctx: Context): Promise<boolean> {
  return sta(ctx, args.instance).validateTenant();
}
