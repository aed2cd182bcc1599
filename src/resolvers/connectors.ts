// Access to configured connectors from resolvers: a missing one is a typed NOT_CONFIGURED error.
import type { Context } from '../context.js';
import type { SaasSecurityConnector } from '../connectors/saas-security/connector.js';
import type { StaConnector } from '../connectors/sta/connector.js';
import { notConfigured } from '../errors.js';

export function saasSecurity(ctx: Context): SaasSecurityConnector {
  const c = ctx.services.saasSecurity;
  if (!c) throw notConfigured('The SaaS Security connector');
  return c;
}

export function sta(ctx: Context): StaConnector {
  const c = ctx.services.sta;
  if (!c) throw notConfigured('The SafeNet Trusted Access connector');
  return c;
}
