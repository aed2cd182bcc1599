// The STA tenants the gateway talks to, by instance name. The first is the default: STA fields without an
// `instance` argument and alerts from the one unnamed instance of the STA_* shorthand use it. Alert emails
// name their instance ("Instance name:"), as the reference routes with `using=<instance>`.
import { badInput } from '../../errors.js';
import type { StaConnector } from './connector.js';

export interface StaInstance {
  /** Null only for the unnamed instance of the STA_* shorthand. */
  name: string | null;
  connector: StaConnector;
}

export class StaInstances {
  constructor(readonly list: readonly StaInstance[]) {
    if (list.length === 0) throw new Error('at least one STA instance');
  }

  get default(): StaInstance {
    return this.list[0]!;
  }

  get names(): string[] {
    return this.list.map((i) => i.name).filter((n): n is string => n !== null);
  }

  /** The instance a GraphQL `instance` argument names; the default without one. */
  get(name?: string | null): StaInstance {
    const wanted = name?.trim();
    if (!wanted) return this.default;
    const hit = this.list.find((i) => i.name === wanted);
    if (!hit) throw badInput(`No STA instance is named "${wanted}" (configured: ${this.describe()})`, 'instance');
    return hit;
  }

  /**
   * The instance an alert email names. The one unnamed instance takes every alert (the single-connection
   * behaviour); otherwise the name must match, and an unknown one is the reason returned.
   */
  forAlert(instanceName: string | null): StaInstance | { reason: string } {
    if (this.list.length === 1 && this.default.name === null) return this.default;
    const wanted = instanceName?.trim();
    if (!wanted) return { reason: `The alert email names no instance ("Instance name:"), and several STA instances are configured (${this.describe()}).` };
    const hit = this.list.find((i) => i.name === wanted);
    return hit ?? { reason: `The alert email's instance "${wanted}" is not a configured STA instance (configured: ${this.describe()}).` };
  }

  private describe(): string {
    return this.list.map((i) => (i.name === null ? '(unnamed default)' : `"${i.name}"`)).join(', ');
  }
}
