// The STA connector as resolvers and playbooks see it: domain types in and out, reads cached in Keyv with a
// TTL per resource, writes invalidating what they changed so the next read shows it.
// Caches hold wire JSON (plain data that survives serialisation to Redis); mapping happens on the way out.
import type Keyv from 'keyv';
import type {
  StaAccessLog,
  StaApplication,
  StaApplicationSummary,
  StaGroup,
  StaGroupCreate,
  StaGroupMember,
  StaGroupUpdate,
  StaSession,
  StaUser,
  StaUserCreate,
  StaUserUpdate,
} from '../../domain/sta.js';
import { GatewayError, isGatewayError, notFound } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { cached, peekCached, type CacheFactory } from '../cache.js';
import { STA, type StaClient } from './client.js';
import {
  toStaAccessLog,
  toStaApplication,
  toStaApplicationSummary,
  toStaGroup,
  toStaGroupMember,
  toStaSession,
  toStaUser,
  toWireGroupCreate,
  toWireGroupUpdate,
  toWireUserCreate,
  toWireUserUpdate,
} from './map.js';
import type { WireApplication, WireApplicationSummary, WireGroup, WireGroupMember, WireLogItem, WireSessions, WireUser } from './wire.js';

export const STA_CACHE_TTL_MS = {
  users: 60_000,
  user: 60_000,
  groups: 60_000,
  userGroups: 30_000,
  groupMembers: 30_000,
  userApplications: 60_000,
  /** Applications change rarely. */
  applications: 10 * 60_000,
  application: 10 * 60_000,
  /** Sessions come and go with every login: kept briefly. */
  sessions: 10_000,
  logsPage: 15_000,
} as const;

const ALL = 'all';

export interface StaLogsPage {
  logs: StaAccessLog[];
  /** Relative reference of the next page, or null on the last. */
  next: string | null;
}

// Mapped once per cached wire object (dropped with it), so joins answering hundreds of fields from one cached
// listing neither rebuild an index nor map a user per field. Mapped objects are shared and read-only.
const usersByEmailOf = new WeakMap<WireUser[], ReadonlyMap<string, StaUser>>();
const mappedGroupsOf = new WeakMap<WireGroup[], StaGroup[]>();

/** Users by trimmed, lower-cased email; the first user listed with an email keeps it. */
function usersByEmail(wire: WireUser[]): ReadonlyMap<string, StaUser> {
  let byEmail = usersByEmailOf.get(wire);
  if (!byEmail) {
    const map = new Map<string, StaUser>();
    for (const u of wire) {
      const key = u.email?.trim().toLowerCase();
      if (key && !map.has(key)) map.set(key, toStaUser(u));
    }
    usersByEmailOf.set(wire, (byEmail = map));
  }
  return byEmail;
}

function mappedGroups(wire: WireGroup[]): StaGroup[] {
  let groups = mappedGroupsOf.get(wire);
  if (!groups) mappedGroupsOf.set(wire, (groups = wire.map(toStaGroup)));
  return groups;
}

export class StaConnector {
  private readonly caches: { [K in keyof typeof STA_CACHE_TTL_MS]: Keyv };
  private ready = false;
  /** Full-list reads in flight, so concurrent misses share one paging run instead of each starting one. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    readonly client: StaClient,
    cacheFactory: CacheFactory,
    private readonly logger: Logger,
    /** Cache namespace prefix: one per tenant, so tenants sharing a Redis never read each other's entries. */
    cacheNamespace = 'sta',
  ) {
    this.caches = Object.fromEntries(
      Object.entries(STA_CACHE_TTL_MS).map(([name, ttl]) => [
        name,
        // The user listing and users' groups keep a mapped copy beside them while cached (usersByEmailOf, mappedGroupsOf).
        cacheFactory(`${cacheNamespace}:${name}`, ttl, { heldFactor: name === 'users' || name === 'userGroups' ? 2 : 1 }),
      ]),
    ) as StaConnector['caches'];
  }

  // ---- tenant -------------------------------------------------------------------------------------------

  /**
   * `GET /authorized`. Never false: failure is an error, as in the reference, with its advice on a 403.
   */
  async validateTenant(): Promise<true> {
    try {
      await this.client.validateTenant();
    } catch (error) {
      if (isGatewayError(error) && error.extensions['upstreamStatus'] === 403) {
        throw new GatewayError('UPSTREAM_REJECTED', 'Authorization Error: Ensure that the API key is correct.', { upstream: STA, upstreamStatus: 403 });
      }
      throw error;
    }
    this.ready = true;
    return true;
  }

  /** For the readiness endpoint: true once the tenant has answered; tries again if not yet. */
  async isReady(): Promise<boolean> {
    if (this.ready) return true;
    try {
      await this.validateTenant();
    } catch {
      // Reported as not ready; the client already logged why.
    }
    return this.ready;
  }

  // ---- users --------------------------------------------------------------------------------------------

  async listUsers(): Promise<StaUser[]> {
    return (await this.wireUsers()).map(toStaUser);
  }

  /** The user with this userName; null when STA answers 404. */
  async getUser(userName: string): Promise<StaUser | null> {
    const hit = (await this.caches.user.get(userName)) as WireUser | undefined;
    if (hit) return toStaUser(hit);
    const wire = await this.client.getUser(userName);
    if (!wire) return null;
    await this.caches.user.set(userName, wire);
    return toStaUser(wire);
  }

  async requireUser(userName: string): Promise<StaUser> {
    const user = await this.getUser(userName);
    if (!user) throw notFound(`STA has no user "${userName}"`);
    return user;
  }

  /**
   * Users by email, case-insensitively, for the cross-source join. STA has no lookup by email, so one cached
   * listing of the tenant's users (all pages) answers every email until it expires.
   */
  async findUsersByEmail(emails: readonly string[]): Promise<Array<StaUser | null>> {
    const byEmail = usersByEmail(await this.wireUsers());
    return emails.map((e) => byEmail.get(e.trim().toLowerCase()) ?? null);
  }

  /**
   * findUsersByEmail for one email, answered synchronously when the user listing is in the in-memory cache:
   * the user, or null when the listing has none; undefined when the listing is not in memory (ask
   * findUsersByEmail).
   */
  userByEmailNow(email: string): StaUser | null | undefined {
    const wire = peekCached<WireUser[]>(this.caches.users, ALL);
    return wire && (usersByEmail(wire).get(email.trim().toLowerCase()) ?? null);
  }

  async createUser(input: StaUserCreate): Promise<StaUser> {
    const wire = await this.client.createUser(toWireUserCreate(input));
    await this.caches.users.delete(ALL);
    await this.caches.user.set(wire.userName, wire);
    this.logger.info({ userName: wire.userName }, 'STA user created');
    return toStaUser(wire);
  }

  async updateUser(userName: string, patch: StaUserUpdate): Promise<StaUser> {
    const wire = await this.client.updateUser(userName, toWireUserUpdate(patch));
    await Promise.all([this.caches.user.delete(userName), this.caches.users.delete(ALL)]);
    if (wire?.userName) await this.caches.user.set(wire.userName, wire);
    this.logger.info({ userName, newUserName: wire?.userName }, 'STA user updated');
    return toStaUser(wire);
  }

  /** Deletes the user; the deleted user (as it was) is returned. NOT_FOUND if there is no such user. */
  async deleteUser(userName: string): Promise<StaUser> {
    const user = await this.requireUser(userName);
    await this.client.deleteUser(userName);
    await Promise.all([
      this.caches.user.delete(userName),
      this.caches.users.delete(ALL),
      this.caches.userGroups.delete(user.id),
      this.caches.userApplications.delete(user.id),
      this.caches.sessions.delete(user.id),
      this.caches.groupMembers.clear(),
    ]);
    this.logger.info({ userName }, 'STA user deleted');
    return user;
  }

  async listUserGroups(userId: string): Promise<StaGroup[]> {
    return mappedGroups(await cached<WireGroup[]>(this.caches.userGroups, userId, () => this.client.listUserGroups(userId)));
  }

  /** listUserGroups when the user's groups are in the in-memory cache now, synchronously; undefined otherwise. */
  userGroupsNow(userId: string): StaGroup[] | undefined {
    const wire = peekCached<WireGroup[]>(this.caches.userGroups, userId);
    return wire && mappedGroups(wire);
  }

  async listUserApplications(userId: string): Promise<StaApplicationSummary[]> {
    const wire = await cached<WireApplicationSummary[]>(this.caches.userApplications, userId, () => this.client.listUserApplications(userId));
    return wire.map(toStaApplicationSummary);
  }

  async listUserSessions(userId: string): Promise<StaSession[]> {
    const wire = await cached<WireSessions>(this.caches.sessions, userId, () => this.client.listUserSessions(userId));
    return wire.sessions.map(toStaSession);
  }

  /**
   * Whether the user has any SSO session, read fresh from STA (the lockout playbook decides on it; the cached
   * list may be seconds old). NOT_FOUND for an unknown user.
   */
  async hasActiveSessions(userName: string): Promise<boolean> {
    const user = await this.requireUser(userName);
    const wire = await this.client.listUserSessions(user.id);
    await this.caches.sessions.set(user.id, wire);
    return wire.sessions.length > 0;
  }

  /** Ends every SSO session of the user (the Account Lockout playbook's action). NOT_FOUND for an unknown user. */
  /** Ends the user's sessions; returns the user as resolved before (no read after the DELETE that could fail it). */
  async terminateUserSessions(userName: string): Promise<StaUser> {
    const user = await this.requireUser(userName);
    await this.client.deleteUserSessions(user.id);
    await this.caches.sessions.delete(user.id);
    this.logger.info({ userName }, 'STA user sessions terminated');
    return user;
  }

  // ---- groups -------------------------------------------------------------------------------------------

  async listGroups(): Promise<StaGroup[]> {
    return (await this.wireGroups()).map(toStaGroup);
  }

  /**
   * The group with exactly this name (case-sensitive, first match, as the reference). A miss in the cached
   * list reads the list again before answering null, so a group created a moment ago is found.
   */
  async getGroup(name: string): Promise<StaGroup | null> {
    const find = (groups: WireGroup[]) => groups.find((g) => g.name === name);
    let hit = find(await this.wireGroups());
    if (!hit) {
      await this.caches.groups.delete(ALL);
      hit = find(await this.wireGroups());
    }
    return hit ? toStaGroup(hit) : null;
  }

  async requireGroup(name: string): Promise<StaGroup> {
    const group = await this.getGroup(name);
    if (!group) throw notFound(`The group ${name} was not found.`);
    return group;
  }

  async listGroupMembers(groupId: string): Promise<StaGroupMember[]> {
    const wire = await cached<WireGroupMember[]>(this.caches.groupMembers, groupId, () => this.client.listGroupMembers(groupId));
    return wire.map(toStaGroupMember);
  }

  async createGroup(input: StaGroupCreate): Promise<StaGroup> {
    const wire = await this.client.createGroup(toWireGroupCreate(input));
    await this.caches.groups.delete(ALL);
    this.logger.info({ groupName: input.name }, 'STA group created');
    return toStaGroup(wire);
  }

  async updateGroup(name: string, patch: StaGroupUpdate): Promise<StaGroup> {
    const group = await this.requireGroup(name);
    const wire = await this.client.updateGroup(group.id, toWireGroupUpdate(patch));
    await Promise.all([this.caches.groups.delete(ALL), this.caches.userGroups.clear()]);
    this.logger.info({ groupName: name, newName: patch.name ?? undefined }, 'STA group updated');
    return toStaGroup(wire);
  }

  async deleteGroup(name: string): Promise<StaGroup> {
    const group = await this.requireGroup(name);
    await this.client.deleteGroup(group.id);
    await Promise.all([this.caches.groups.delete(ALL), this.caches.groupMembers.delete(group.id), this.caches.userGroups.clear()]);
    this.logger.info({ groupName: name }, 'STA group deleted');
    return group;
  }

  // ---- membership ---------------------------------------------------------------------------------------

  /**
   * Whether the user is in the group, reading every page of the user's groups fresh from STA (the reference
   * read only the first page, so a user in many groups could wrongly be "not a member").
   */
  async isUserInGroup(userName: string, groupName: string): Promise<boolean> {
    const [user, group] = await Promise.all([this.requireUser(userName), this.requireGroup(groupName)]);
    return this.freshMembership(user, group);
  }

  /**
   * Adds the user to the group; already a member is success, not an error, and sends nothing. Returns the
   * user and group it resolved, so the mutation's answer needs no read after the change.
   */
  async addUserToGroup(userName: string, groupName: string): Promise<{ user: StaUser; group: StaGroup }> {
    const [user, group] = await Promise.all([this.requireUser(userName), this.requireGroup(groupName)]);
    if (await this.freshMembership(user, group)) {
      this.logger.info({ userName, groupName }, 'STA user already in group; nothing to add');
      return { user, group };
    }
    try {
      await this.client.addGroupMember(group.id, user.id);
    } catch (error) {
      // Someone added them between our check and the POST: the state we wanted is reached.
      if (!(isGatewayError(error) && error.extensions['upstreamStatus'] === 409)) throw error;
    }
    await this.forgetMembership(user, group);
    this.logger.info({ userName, groupName }, 'STA user added to group');
    return { user, group };
  }

  /** Removes the user from the group; not a member is success, and sends nothing. Returns what it resolved, as addUserToGroup. */
  async removeUserFromGroup(userName: string, groupName: string): Promise<{ user: StaUser; group: StaGroup }> {
    const [user, group] = await Promise.all([this.requireUser(userName), this.requireGroup(groupName)]);
    if (!(await this.freshMembership(user, group))) {
      this.logger.info({ userName, groupName }, 'STA user not in group; nothing to remove');
      return { user, group };
    }
    try {
      await this.client.removeGroupMember(group.id, user.id);
    } catch (error) {
      // Removed by someone else meanwhile: the state we wanted is reached.
      if (!(isGatewayError(error) && error.code === 'NOT_FOUND')) throw error;
    }
    await this.forgetMembership(user, group);
    this.logger.info({ userName, groupName }, 'STA user removed from group');
    return { user, group };
  }

  private async freshMembership(user: StaUser, group: StaGroup): Promise<boolean> {
    const groups = await this.client.listUserGroups(user.id);
    await this.caches.userGroups.set(user.id, groups);
    return groups.some((g) => String(g.id) === group.id);
  }

  private async forgetMembership(user: StaUser, group: StaGroup): Promise<void> {
    await Promise.all([this.caches.userGroups.delete(user.id), this.caches.groupMembers.delete(group.id)]);
  }

  // ---- applications -------------------------------------------------------------------------------------

  async listApplications(): Promise<StaApplicationSummary[]> {
    const wire = await cached<WireApplicationSummary[]>(this.caches.applications, ALL, () => this.client.listApplications());
    return wire.map(toStaApplicationSummary);
  }

  /** Full details by id; null on 404. */
  async getApplication(id: string): Promise<StaApplication | null> {
    const hit = (await this.caches.application.get(id)) as WireApplication | undefined;
    if (hit) return toStaApplication(hit);
    const wire = await this.client.getApplication(id);
    if (!wire) return null;
    await this.caches.application.set(id, wire);
    return toStaApplication(wire);
  }

  /** By exact name (the reference's lookup over the whole list), then its details. */
  async getApplicationByName(name: string): Promise<StaApplication | null> {
    const hit = (await this.listApplications()).find((a) => a.name === name);
    return hit ? this.getApplication(hit.id) : null;
  }

  // ---- logs ---------------------------------------------------------------------------------------------

  logsRef(since?: Date | null, until?: Date | null): string {
    return this.client.logsRef(since?.toISOString(), until?.toISOString());
  }

  /** One page of `GET /logs`, for a reference from logsRef or a previous page's `next`. */
  async getLogsPage(ref: string): Promise<StaLogsPage> {
    const page = await cached<{ items: WireLogItem[]; next: string | null }>(this.caches.logsPage, ref, () => this.client.getLogsPage(ref));
    return { logs: page.items.map(toStaAccessLog), next: page.next };
  }

  /**
   * The first `perUser` access logs (in the API's order, oldest first) of each user in one scan of `GET /logs` (the API filters by time only,
   * so the reference, too, filters by principal on our side): every page of the window is read once for all
   * the users asked about together, stopping early once each has `perUser`.
   */
  async accessLogsByUser(userNames: readonly string[], since: Date | null, until: Date | null, perUser: number): Promise<Map<string, StaAccessLog[]>> {
    const out = new Map(userNames.map((u) => [u, [] as StaAccessLog[]]));
    let ref: string | null = this.logsRef(since, until);
    const seen = new Set<string>();
    while (ref && !seen.has(ref)) {
      seen.add(ref);
      const page = await this.getLogsPage(ref);
      for (const log of page.logs) {
        const bucket = log.userName ? out.get(log.userName) : undefined;
        if (bucket && bucket.length < perUser) bucket.push(log);
      }
      if (page.logs.length === 0 || [...out.values()].every((b) => b.length >= perUser)) break;
      ref = page.next;
    }
    return out;
  }

  // ---- cached lists -------------------------------------------------------------------------------------

  private wireUsers(): Promise<WireUser[]> {
    return this.shared('users', () => cached<WireUser[]>(this.caches.users, ALL, () => this.client.listUsers()));
  }

  private wireGroups(): Promise<WireGroup[]> {
    return this.shared('groups', () => cached<WireGroup[]>(this.caches.groups, ALL, () => this.client.listGroups()));
  }

  private shared<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.inFlight.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }
}
