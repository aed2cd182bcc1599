// Access to configured connectors from resolvers: a missing one is a typed NOT_CONFIGURED error.
import type { Context } from '../context.js';
import type { SaasSecurityConnector } from '../connectors/saas-security/connector.js';
import type { SaasInstance } from '../connectors/saas-security/instances.js';
import type { StaConnector } from '../connectors/sta/connector.js';
import type { StaInstance } from '../connectors/sta/instances.js';
import { notConfigured } from '../errors.js';

/** The SaaS Security tenant an `instance` argument names (BAD_USER_INPUT if none has that name); the first without one. */
export function saasInstance(ctx: Context, instance?: string | null): SaasInstance {
  const all = ctx.services.saasInstances;
  if (!all) throw notConfigured('The SaaS Security connector');
  return all.get(instance);
}

/** Every SaaS Security tenant a filter's `instances` names, in configured order; all of them without one. */
export function saasInstancesOf(ctx: Context, names?: readonly string[] | null): SaasInstance[] {
  const all = ctx.services.saasInstances;
  if (!all) throw notConfigured('The SaaS Security connector');
  return all.select(names);
}

export function saasSecurity(ctx: Context, instance?: string | null): SaasSecurityConnector {
  if (!ctx.services.saasInstances) {
    const c = ctx.services.saasSecurity;
    if (!c) throw notConfigured('The SaaS Security connector');
    return c;
  }
  return saasInstance(ctx, instance).connector;
}

/** The STA instance an `instance` argument names (BAD_USER_INPUT if none has that name); the default without one. */
export function staInstance(ctx: Context, instance?: string | null): StaInstance {
  const all = ctx.services.staInstances;
  if (all) return all.get(instance);
  const c = ctx.services.sta;
  if (!c) throw notConfigured('The SafeNet Trusted Access connector');
  return { name: null, connector: c };
}

export function sta(ctx: Context, instance?: string | null): StaConnector {
  return staInstance(ctx, instance).connector;
}

// Which STA instance an object the graph returned came from, so its nested fields (a user's groups, a group's
// members) ask the same tenant. Objects of the default instance carry no tag.
const instanceOfObject = new WeakMap<object, string>();

/** Marks `value` (an object, or each item of an array) as coming from `instance`; returns it. */
export function fromInstance<T>(instance: string | null | undefined, value: T): T {
  if (!instance || value === null || typeof value !== 'object') return value;
  for (const item of Array.isArray(value) ? value : [value]) {
    if (item !== null && typeof item === 'object') instanceOfObject.set(item as object, instance);
  }
  return value;
}

/** The instance an object came from; undefined for the default. */
export function instanceOf(value: object): string | undefined {
  return instanceOfObject.get(value);
}
