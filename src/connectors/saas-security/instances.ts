// The SaaS Security tenants the gateway talks to, by instance name (SECGRAPH_CONFIG saasSecurity.instances, or
// the one DEFAULT_SAAS_INSTANCE of the SAAS_SECURITY_* shorthand and the sandbox). The first is the default:
// fields without an `instance` argument use it. Each tenant has its own connector (token, caches, breaker),
// its own fetch (lease, cursor, stored incidents) and its own remediation pollers; an incident is always
// closed, remediated and mirrored through the tenant it came from.
import { badInput } from '../../errors.js';
import type { IncidentSync } from '../../fetch/incident-sync.js';
import type { RemediationUpdates } from '../../subscriptions/remediation-updates.js';
import type { SaasSecurityConnector } from './connector.js';

export interface SaasInstance {
  name: string;
  connector: SaasSecurityConnector;
  /** Fetching, mirroring and the store of this tenant's fetched incidents. */
  sync: IncidentSync;
  /** Remediation status pollers behind Subscription.remediationUpdates for this tenant. */
  remediationUpdates: RemediationUpdates;
}

export class SaasInstances {
  constructor(readonly list: readonly SaasInstance[]) {
    if (list.length === 0) throw new Error('at least one SaaS Security instance');
  }

  get default(): SaasInstance {
    return this.list[0]!;
  }

  get names(): string[] {
    return this.list.map((i) => i.name);
  }

  /** The tenant a GraphQL `instance` argument names; the default without one. BAD_USER_INPUT for an unknown name. */
  get(name?: string | null, argument = 'instance'): SaasInstance {
    const wanted = name?.trim();
    if (!wanted) return this.default;
    const hit = this.list.find((i) => i.name === wanted);
    if (!hit) throw badInput(`No SaaS Security instance is named "${wanted}" (configured: ${this.names.map((n) => `"${n}"`).join(', ')})`, argument);
    return hit;
  }

  /** The tenant named `name` (an alert id's, a stored event's), or undefined when none is configured by that name. */
  find(name: string): SaasInstance | undefined {
    return this.list.find((i) => i.name === name);
  }

  /** The tenants a filter's `instances` names (each checked), in configured order; all of them without one. */
  select(names?: readonly string[] | null, argument = 'instances'): SaasInstance[] {
    if (!names?.length) return [...this.list];
    const wanted = new Set(names.map((n) => this.get(n, argument).name));
    return this.list.filter((i) => wanted.has(i.name));
  }
}
