// The SafeNet Trusted Access REST API, one method per endpoint the reference integration calls (spec §2).
// Raw calls only: caching lives in connector.ts, wire→domain mapping in map.ts.
//
// Base URL `{STA_URL}/api/v1/tenants/{tenantCode}`; every request carries the reference's static headers,
// the key in the literal `apikey` header (there is no Authorization header in this API).
// Lists are followed through every `links.next` (no 10-request cap) and never re-request a page.
import type { Got } from 'got';
import type { UpstreamHttpConfig } from '../../config.js';
import { errorCodeOf, GatewayError } from '../../errors.js';
import { registerSecret, type Logger } from '../../logger.js';
import { createUpstreamHttp } from '../http.js';
import { UpstreamGuard, type UpstreamObserver } from '../upstream-guard.js';
import { pathSegment } from './map.js';
import type {
  WireApplication,
  WireApplicationSummary,
  WireGroup,
  WireGroupCreate,
  WireGroupMember,
  WireGroupUpdate,
  WireLogItem,
  WireMemberAdd,
  WirePage,
  WireSessions,
  WireUser,
  WireUserCreate,
  WireUserUpdate,
} from './wire.js';

export const STA = 'SafeNet Trusted Access';

/** Items asked for per page. The reference's single-request path uses up to 100 (1000 for a user's apps). */
export const STA_PAGE_SIZE = 100;
/** Guards against an upstream whose `next` never ends; far above any real tenant (a million items at 100 a page). */
const MAX_PAGES = 10_000;

export interface StaClientOptions {
  /** The root URL, e.g. https://api.safenet.com (STA_URL). */
  url: string;
  tenantCode: string;
  apiKey: string;
  http: UpstreamHttpConfig;
  logger: Logger;
  observer?: UpstreamObserver;
}

/** One page as the connector sees it: its items and a relative reference to the next page, if any. */
export interface StaPage<T> {
  items: T[];
  next: string | null;
}

export class StaClient {
  /** `{url}/api/v1/tenants/{tenantCode}`, without a trailing slash. */
  readonly baseUrl: string;
  private readonly http: Got;
  private readonly logger: Logger;
  readonly guard: UpstreamGuard;

  constructor(opts: StaClientOptions) {
    registerSecret(opts.apiKey);
    this.logger = opts.logger.child({ upstream: STA });
    this.guard = new UpstreamGuard(STA, this.logger, opts.http.breaker, opts.observer);
    this.baseUrl = `${opts.url.replace(/\/+$/, '')}/api/v1/tenants/${pathSegment(opts.tenantCode)}`;
    this.http = createUpstreamHttp({
      upstream: STA,
      prefixUrl: this.baseUrl,
      http: opts.http,
      logger: this.logger,
      ...(opts.observer ? { onRetry: (u: string) => opts.observer!.retry(u) } : {}),
      headers: {
        accept: 'application/json',
        'object-id-format': 'base64',
        'content-type': 'application/json',
        apikey: opts.apiKey,
      },
    });
  }

  // ---- tenant -------------------------------------------------------------------------------------------

  /** `GET /authorized`: any 2xx means the tenant is reachable with this key. */
  async validateTenant(): Promise<void> {
    await this.send('validateTenant', () => this.http.get('authorized'));
  }

  // ---- users --------------------------------------------------------------------------------------------

  listUsers(limit?: number): Promise<WireUser[]> {
    return this.listAll<WireUser>('listUsers', 'users', limit);
  }

  /** `GET /users/{userName}`; null on 404. */
  getUser(userName: string): Promise<WireUser | null> {
    return nullOn404(() => this.send('getUser', () => this.http.get(`users/${pathSegment(userName)}`).json<WireUser>()));
  }

  createUser(body: WireUserCreate): Promise<WireUser> {
    return this.send('createUser', () => this.http.post('users', { json: body }).json<WireUser>());
  }

  updateUser(userName: string, body: WireUserUpdate): Promise<WireUser> {
    return this.send('updateUser', () => this.http.patch(`users/${pathSegment(userName)}`, { json: body }).json<WireUser>());
  }

  async deleteUser(userName: string): Promise<void> {
    await this.send('deleteUser', () => this.http.delete(`users/${pathSegment(userName)}`));
  }

  /** Sub-resources are addressed by the user's id, not the name (§2.2). */
  listUserGroups(userId: string, limit?: number): Promise<WireGroup[]> {
    return this.listAll<WireGroup>('listUserGroups', `users/${pathSegment(userId)}/groups`, limit);
  }

  listUserApplications(userId: string, limit?: number): Promise<WireApplicationSummary[]> {
    return this.listAll<WireApplicationSummary>('listUserApplications', `users/${pathSegment(userId)}/applications`, limit);
  }

  /** `GET /users/{id}/sessions`: `{sessions: [...]}`, not the page envelope. */
  async listUserSessions(userId: string): Promise<WireSessions> {
    const res = await this.send('listUserSessions', () => this.http.get(`users/${pathSegment(userId)}/sessions`).json<WireSessions>());
    return { sessions: Array.isArray(res?.sessions) ? res.sessions : [] };
  }

  async deleteUserSessions(userId: string): Promise<void> {
    await this.send('deleteUserSessions', () => this.http.delete(`users/${pathSegment(userId)}/sessions`));
  }

  // ---- groups -------------------------------------------------------------------------------------------

  /** Every group. STA has no get-by-name: name lookups read this whole list, as the reference does. */
  listGroups(limit?: number): Promise<WireGroup[]> {
    return this.listAll<WireGroup>('listGroups', 'groups', limit);
  }

  createGroup(body: WireGroupCreate): Promise<WireGroup> {
    return this.send('createGroup', () => this.http.post('groups', { json: body }).json<WireGroup>());
  }

  updateGroup(groupId: string, body: WireGroupUpdate): Promise<WireGroup> {
    return this.send('updateGroup', () => this.http.patch(`groups/${pathSegment(groupId)}`, { json: body }).json<WireGroup>());
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.send('deleteGroup', () => this.http.delete(`groups/${pathSegment(groupId)}`));
  }

  listGroupMembers(groupId: string, limit?: number): Promise<WireGroupMember[]> {
    return this.listAll<WireGroupMember>('listGroupMembers', `groups/${pathSegment(groupId)}/members`, limit);
  }

  async addGroupMember(groupId: string, userId: string): Promise<void> {
    const json: WireMemberAdd = { id: userId, type: 'User' };
    await this.send('addGroupMember', () => this.http.post(`groups/${pathSegment(groupId)}/members`, { json }));
  }

  async removeGroupMember(groupId: string, userId: string): Promise<void> {
    await this.send('removeGroupMember', () => this.http.delete(`groups/${pathSegment(groupId)}/members/${pathSegment(userId)}`));
  }

  // ---- applications -------------------------------------------------------------------------------------

  listApplications(limit?: number): Promise<WireApplicationSummary[]> {
    return this.listAll<WireApplicationSummary>('listApplications', 'applications', limit);
  }

  /** `GET /applications/{id}`; null on 404. */
  getApplication(applicationId: string): Promise<WireApplication | null> {
    return nullOn404(() =>
      this.send('getApplication', () => this.http.get(`applications/${pathSegment(applicationId)}`).json<WireApplication>()),
    );
  }

  // ---- logs ---------------------------------------------------------------------------------------------

  /** The first logs page reference: `logs?since=&until=` with only the arguments given, as the reference sends. */
  logsRef(since?: string | null, until?: string | null): string {
    const q = new URLSearchParams();
    if (since) q.set('since', since);
    if (until) q.set('until', until);
    const qs = q.toString();
    return qs ? `logs?${qs}` : 'logs';
  }

  /** One logs page, for a reference made by logsRef or a `next` this client returned. */
  getLogsPage(ref: string): Promise<StaPage<WireLogItem>> {
    if (!/^logs(\?|$)/.test(ref) || /[\r\n]/.test(ref)) {
      throw new GatewayError('BAD_USER_INPUT', 'invalid access log page reference', { argument: 'after' });
    }
    return this.getPage<WireLogItem>('getLogs', ref);
  }

  // ---- paging -------------------------------------------------------------------------------------------

  /**
   * Every item of a list, following `links.next` until it is absent or a page is empty. With a limit it
   * stops once it has that many and trims to it; a limit up to a page asks for exactly that page size.
   * Fixes the reference: no 10-request cap, and no "remainder" page that re-reads items already fetched.
   */
  async listAll<T>(operation: string, path: string, limit?: number): Promise<T[]> {
    const pageSize = limit !== undefined && limit < STA_PAGE_SIZE ? limit : STA_PAGE_SIZE;
    let ref: string | null = `${path}?pageIndex=0&pageSize=${pageSize}`;
    const seen = new Set<string>();
    const items: T[] = [];
    while (ref) {
      if (seen.has(ref) || seen.size >= MAX_PAGES) {
        throw new GatewayError('UPSTREAM_UNAVAILABLE', `${STA} paging of ${path} does not end (page ${seen.size + 1})`, { upstream: STA });
      }
      seen.add(ref);
      const page: StaPage<T> = await this.getPage<T>(operation, ref);
      items.push(...page.items);
      if (page.items.length === 0 || (limit !== undefined && items.length >= limit)) break;
      ref = page.next;
    }
    return limit === undefined ? items : items.slice(0, limit);
  }

  private async getPage<T>(operation: string, ref: string): Promise<StaPage<T>> {
    const body = await this.send(operation, () => this.http.get(ref).json<WirePage<T>>());
    const items = Array.isArray(body?.page?.items) ? body.page.items : [];
    const next = body?.links?.next;
    return { items, next: next ? this.relativeRef(next) : null };
  }

  /**
   * `links.next` is absolute. It is only followed inside this tenant's base URL, so an upstream (or a client
   * replaying a cursor) can never make the gateway send its API key to another host or tenant.
   */
  private relativeRef(next: string): string {
    const base = new URL(`${this.baseUrl}/`);
    let url: URL;
    try {
      url = new URL(next, base);
    } catch {
      throw new GatewayError('UPSTREAM_UNAVAILABLE', `${STA} sent a next link that is not a URL`, { upstream: STA });
    }
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) {
      this.logger.warn({ origin: url.origin, path: url.pathname }, 'STA next link points outside the tenant; not followed');
      throw new GatewayError('UPSTREAM_UNAVAILABLE', `${STA} sent a next link outside the tenant's API`, { upstream: STA });
    }
    return url.pathname.slice(base.pathname.length) + url.search;
  }

  private send<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return this.guard.call(operation, fn);
  }
}

async function nullOn404<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (error) {
    if (errorCodeOf(error) === 'NOT_FOUND') return null;
    throw error;
  }
}
