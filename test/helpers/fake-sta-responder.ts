// A stand-in for the STA connector in playbook tests: records every call, holds the group memberships and
// sessions as STA would, and can be told to fail the next N calls of a method (an STA outage), or that a
// user or group does not exist, with the typed errors the real connector would throw.
// Every user and group exists, and every user has one SSO session, unless a test says otherwise.
import { GatewayError, notFound } from '../../src/errors.js';
import type { StaResponder } from '../../src/playbooks/sta-responder.js';

export type StaCall =
  | { method: 'validateTenant' }
  | { method: 'getUser'; userName: string }
  | { method: 'getGroup'; groupName: string }
  | { method: 'isUserInGroup'; userName: string; groupName: string }
  | { method: 'hasActiveSessions'; userName: string }
  | { method: 'addUserToGroup'; userName: string; groupName: string }
  | { method: 'removeUserFromGroup'; userName: string; groupName: string }
  | { method: 'terminateUserSessions'; userName: string };

export type StaMethod = StaCall['method'];

/** The methods that change STA (the reads are checks the playbooks make first). */
const ACTIONS: ReadonlySet<StaMethod> = new Set(['addUserToGroup', 'removeUserFromGroup', 'terminateUserSessions']);

export class FakeStaResponder implements StaResponder {
  readonly calls: StaCall[] = [];
  /** Group name → members, to check the end state as STA would hold it. */
  readonly groups = new Map<string, Set<string>>();
  /** Users STA does not know (getUser answers null, the others NOT_FOUND). */
  readonly missingUsers = new Set<string>();
  /** Groups STA does not know. */
  readonly missingGroups = new Set<string>();
  /** Users with no SSO session; the others have one until terminateUserSessions. */
  readonly withoutSessions = new Set<string>();
  private readonly failures = new Map<StaMethod, { times: number; error: () => GatewayError }>();

  /** The next `times` calls of `method` throw `error` (default UPSTREAM_UNAVAILABLE); each still counts as a call. */
  failNext(method: StaMethod, times: number, error: () => GatewayError = unavailable): void {
    this.failures.set(method, { times, error });
  }

  callsOf<M extends StaMethod>(method: M): Array<Extract<StaCall, { method: M }>> {
    return this.calls.filter((c): c is Extract<StaCall, { method: M }> => c.method === method);
  }

  /** Only the calls that change STA, in order. */
  actions(): StaCall[] {
    return this.calls.filter((c) => ACTIONS.has(c.method));
  }

  members(group: string): string[] {
    return [...(this.groups.get(group) ?? [])];
  }

  /** Puts a user in a group directly, as an administrator would by hand. */
  addMember(group: string, userName: string): void {
    if (!this.groups.has(group)) this.groups.set(group, new Set());
    this.groups.get(group)!.add(userName);
  }

  private record(call: StaCall): void {
    this.calls.push(call);
    const f = this.failures.get(call.method);
    if (f && f.times > 0) {
      f.times -= 1;
      throw f.error();
    }
  }

  private requireUser(userName: string): void {
    if (this.missingUsers.has(userName)) throw notFound(`STA has no user "${userName}"`);
  }

  private requireGroup(groupName: string): void {
    if (this.missingGroups.has(groupName)) throw notFound(`The group ${groupName} was not found.`);
  }

  async validateTenant(): Promise<true> {
    this.record({ method: 'validateTenant' });
    return true;
  }

  async getUser(userName: string): Promise<{ userName: string } | null> {
    this.record({ method: 'getUser', userName });
    return this.missingUsers.has(userName) ? null : { userName };
  }

  async getGroup(groupName: string): Promise<{ name: string } | null> {
    this.record({ method: 'getGroup', groupName });
    return this.missingGroups.has(groupName) ? null : { name: groupName };
  }

  async isUserInGroup(userName: string, groupName: string): Promise<boolean> {
    this.record({ method: 'isUserInGroup', userName, groupName });
    this.requireUser(userName);
    this.requireGroup(groupName);
    return this.groups.get(groupName)?.has(userName) ?? false;
  }

  async hasActiveSessions(userName: string): Promise<boolean> {
    this.record({ method: 'hasActiveSessions', userName });
    this.requireUser(userName);
    return !this.withoutSessions.has(userName);
  }

  async addUserToGroup(userName: string, groupName: string): Promise<void> {
    this.record({ method: 'addUserToGroup', userName, groupName });
    this.requireUser(userName);
    this.requireGroup(groupName);
    this.addMember(groupName, userName);
  }

  async removeUserFromGroup(userName: string, groupName: string): Promise<void> {
    this.record({ method: 'removeUserFromGroup', userName, groupName });
    this.requireUser(userName);
    this.requireGroup(groupName);
    this.groups.get(groupName)?.delete(userName);
  }

  async terminateUserSessions(userName: string): Promise<void> {
    this.record({ method: 'terminateUserSessions', userName });
    this.requireUser(userName);
    this.withoutSessions.add(userName);
  }
}

function unavailable(): GatewayError {
  return new GatewayError('UPSTREAM_UNAVAILABLE', 'SafeNet Trusted Access answered HTTP 503', { upstream: 'SafeNet Trusted Access', upstreamStatus: 503 });
}
