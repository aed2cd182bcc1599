// A stand-in for the STA connector in playbook tests: records every call and can be told to fail the next
// N calls of a method (an STA outage), with the typed error the real connector would throw.
import { GatewayError } from '../../src/errors.js';
import type { StaResponder } from '../../src/playbooks/sta-responder.js';

export type StaCall =
  | { method: 'addUserToGroup'; userName: string; groupName: string }
  | { method: 'removeUserFromGroup'; userName: string; groupName: string }
  | { method: 'terminateUserSessions'; userName: string };

export class FakeStaResponder implements StaResponder {
  readonly calls: StaCall[] = [];
  /** Group name → members, to check the end state as STA would hold it. */
  readonly groups = new Map<string, Set<string>>();
  private readonly failures = new Map<StaCall['method'], number>();

  /** The next `times` calls of `method` throw UPSTREAM_UNAVAILABLE (each still counts as a call). */
  failNext(method: StaCall['method'], times: number): void {
    this.failures.set(method, times);
  }

  callsOf(method: StaCall['method']): StaCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  members(group: string): string[] {
    return [...(this.groups.get(group) ?? [])];
  }

  private maybeFail(method: StaCall['method']): void {
    const left = this.failures.get(method) ?? 0;
    if (left > 0) {
      this.failures.set(method, left - 1);
      throw new GatewayError('UPSTREAM_UNAVAILABLE', 'SafeNet Trusted Access answered HTTP 503', { upstream: 'SafeNet Trusted Access', upstreamStatus: 503 });
    }
  }

  async addUserToGroup(userName: string, groupName: string): Promise<void> {
    this.calls.push({ method: 'addUserToGroup', userName, groupName });
    this.maybeFail('addUserToGroup');
    if (!this.groups.has(groupName)) this.groups.set(groupName, new Set());
    this.groups.get(groupName)!.add(userName);
  }

  async removeUserFromGroup(userName: string, groupName: string): Promise<void> {
    this.calls.push({ method: 'removeUserFromGroup', userName, groupName });
    this.maybeFail('removeUserFromGroup');
    this.groups.get(groupName)?.delete(userName);
  }

  async terminateUserSessions(userName: string): Promise<void> {
    this.calls.push({ method: 'terminateUserSessions', userName });
    this.maybeFail('terminateUserSessions');
  }
}
