// An HTTP server that speaks the SafeNet Trusted Access REST API as ../shared/specs/safenet-sta.md records it:
// `/api/v1/tenants/{tenantCode}/…`, the `apikey` header (403 Forbidden without the right one), the page
// envelope with an absolute `links.next`, users by name with sub-resources by id, groups and members,
// applications, sessions in their own `{sessions: []}` shape, logs with since/until, and `/authorized`.
// Unknown objects are 404, duplicates 409 (the spec's suggestion, §2.7). Used by the tests and the sandbox.
import { systemClock, type Clock } from '../../clock.js';
import type { WireApplication, WireGroup, WireGroupMember, WireLogItem, WirePage, WireSession, WireUser } from '../../connectors/sta/wire.js';
import { HttpEmulator, json, type EmulatorResponse, type RecordedRequest } from '../http-emulator.js';
import { SeededRandom } from '../random.js';
import { base64Id, FIRST_GROUP_ID, generateStaSeed, STA_SANDBOX_TENANT } from './seed.js';

export const STA_EMULATOR_API_KEY = 'sandbox-sta-api-key';
export { STA_SANDBOX_TENANT };

export interface StaEmulatorOptions {
  tenantCode?: string;
  apiKey?: string;
  /** Name of the seeded unusual-activity group. */
  unusualActivityGroup?: string;
  /** Start with the generated sandbox data (default true); false starts empty. */
  seed?: boolean;
  /** Page size when the request names none. */
  defaultPageSize?: number;
  /** Larger requested page sizes are cut to this (so tests can force many pages). */
  maxPageSize?: number;
  clock?: Clock;
}

/** The reference's date check (§3 sta-get-logs), anchored here: the API's own format. */
const LOG_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const USER_FIELDS = [
  'userName', 'firstName', 'lastName', 'email', 'mobileNumber', 'alias1', 'alias2', 'alias3', 'alias4',
  'custom1', 'custom2', 'custom3', 'address', 'city', 'state', 'country', 'postalCode',
] as const;

type Body = Record<string, unknown>;

/** The JSON object body, or null when it is not one (answered 400). */
function parseBody(req: RecordedRequest): Body | null {
  try {
    const b = JSON.parse(req.body || 'null') as unknown;
    if (b && typeof b === 'object' && !Array.isArray(b)) return b as Body;
  } catch {
    // not JSON: null below
  }
  return null;
}

const BAD_BODY = json(400, { message: 'The request body must be a JSON object.' });

/** STA accepts booleans; the reference sends "True"/"False" strings, so those are accepted too. */
function parseBool(v: unknown): boolean | undefined {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return undefined;
}

export class StaEmulator extends HttpEmulator {
  readonly tenantCode: string;
  readonly apiKey: string;
  readonly users = new Map<string, WireUser>();
  readonly groups = new Map<string, WireGroup>();
  /** Group id → member user ids, in insertion order. */
  readonly members = new Map<string, string[]>();
  readonly applications = new Map<string, WireApplication>();
  readonly sessions = new Map<string, WireSession[]>();
  logs: WireLogItem[] = [];
  defaultPageSize: number;
  maxPageSize: number;
  private readonly rnd = new SeededRandom(97);
  private nextGroupId = FIRST_GROUP_ID + 1000;
  private readonly clock: Clock;

  constructor(opts: StaEmulatorOptions = {}) {
    super();
    this.tenantCode = opts.tenantCode ?? STA_SANDBOX_TENANT;
    this.apiKey = opts.apiKey ?? STA_EMULATOR_API_KEY;
    this.defaultPageSize = opts.defaultPageSize ?? 100;
    this.maxPageSize = opts.maxPageSize ?? 1000;
    this.clock = opts.clock ?? systemClock;
    if (opts.seed ?? true) {
      const s = generateStaSeed(this.clock.now(), opts.unusualActivityGroup ?? 'Unusual Activity');
      for (const u of s.users) this.users.set(u.id, u);
      for (const g of s.groups) this.groups.set(g.id, g);
      for (const [g, ids] of s.members) this.members.set(g, [...ids]);
      for (const a of s.applications) this.applications.set(a.id, a);
      for (const [u, list] of s.sessions) this.sessions.set(u, list);
      this.logs = s.logs;
    }
  }

  get basePath(): string {
    return `/api/v1/tenants/${encodeURIComponent(this.tenantCode)}`;
  }

  // ---- direct state access for tests and the sandbox -----------------------------------------------------

  userByName(userName: string): WireUser | undefined {
    return [...this.users.values()].find((u) => u.userName === userName);
  }

  groupByName(name: string): WireGroup | undefined {
    return [...this.groups.values()].find((g) => g.name === name);
  }

  addUser(partial: Partial<WireUser> & { userName: string }): WireUser {
    const user: WireUser = { schemaVersionNumber: '1.0', isSynchronized: false, ...partial, id: partial.id ?? base64Id(this.rnd) };
    this.users.set(user.id, user);
    return user;
  }

  addGroup(name: string, description: string | null = null): WireGroup {
    const group: WireGroup = { id: String(this.nextGroupId++), schemaVersionNumber: '1.0', name, description, isSynchronized: false };
    this.groups.set(group.id, group);
    this.members.set(group.id, []);
    return group;
  }

  addMember(groupName: string, userName: string): void {
    const g = this.groupByName(groupName);
    const u = this.userByName(userName);
    if (!g || !u) throw new Error(`no group ${groupName} or user ${userName}`);
    const list = this.members.get(g.id)!;
    if (!list.includes(u.id)) list.push(u.id);
  }

  /** userNames of the group's members. */
  memberNames(groupName: string): string[] {
    const g = this.groupByName(groupName);
    return g ? (this.members.get(g.id) ?? []).map((id) => this.users.get(id)?.userName ?? id) : [];
  }

  groupNamesOf(userName: string): string[] {
    const u = this.userByName(userName);
    return u ? [...this.members].filter(([, ids]) => ids.includes(u.id)).map(([gid]) => this.groups.get(gid)!.name) : [];
  }

  // ---- routing ------------------------------------------------------------------------------------------

  protected handle(req: RecordedRequest): EmulatorResponse {
    if (req.headers['apikey'] !== this.apiKey) return json(403, { message: 'Forbidden' });
    const raw = req.path.split('/').slice(1);
    if (raw[0] !== 'api' || raw[1] !== 'v1' || raw[2] !== 'tenants' || raw.length < 5) return json(404, { message: 'Not Found' });
    let seg: string[];
    try {
      seg = raw.map((s) => decodeURIComponent(s));
    } catch {
      return json(400, { message: 'Malformed path.' });
    }
    if (seg[3] !== this.tenantCode) return json(403, { message: 'Forbidden' });
    const [resource, id, sub, subId, ...rest] = seg.slice(4);
    if (rest.length) return json(404, { message: 'Not Found' });
    const m = req.method;
    switch (resource) {
      case 'authorized':
        return !id && m === 'GET' ? json(200, { authorized: true }) : notAllowed();
      case 'users':
        if (!id) return m === 'GET' ? this.page(req, [...this.users.values()]) : m === 'POST' ? this.createUser(req) : notAllowed();
        if (!sub) return this.userByNameRoute(req, id);
        if (subId) return json(404, { message: 'Not Found' });
        return this.userSubResource(req, id, sub);
      case 'groups':
        if (!id) return m === 'GET' ? this.page(req, [...this.groups.values()]) : m === 'POST' ? this.createGroup(req) : notAllowed();
        return this.groupRoute(req, id, sub, subId);
      case 'applications':
        if (sub) return json(404, { message: 'Not Found' });
        if (!id) return m === 'GET' ? this.page(req, [...this.applications.values()].map(({ id: i, name, status }) => ({ id: i, name, status }))) : notAllowed();
        if (m !== 'GET') return notAllowed();
        return this.applications.has(id) ? json(200, this.applications.get(id)) : json(404, { message: `Application ${id} not found.` });
      case 'logs':
        return !id && m === 'GET' ? this.logsRoute(req) : notAllowed();
      default:
        return json(404, { message: 'Not Found' });
    }
  }

  // ---- paging -------------------------------------------------------------------------------------------

  /** The page envelope for `items`, honouring pageIndex/pageSize, with absolute self/first/next links. */
  private page<T>(req: RecordedRequest, items: T[], extra: Partial<WirePage<T>['page']> = {}, itemType?: string): EmulatorResponse {
    const idx = req.query.get('pageIndex');
    const size = req.query.get('pageSize');
    const pageIndex = idx === null ? 0 : Number(idx);
    const requested = size === null ? this.defaultPageSize : Number(size);
    if (!Number.isInteger(pageIndex) || pageIndex < 0) return json(400, { message: 'pageIndex must be a whole number ≥ 0.' });
    if (!Number.isInteger(requested) || requested < 1 || requested > 10_000) return json(400, { message: 'pageSize must be between 1 and 10000.' });
    const pageSize = Math.min(requested, this.maxPageSize);
    const start = pageIndex * pageSize;
    const slice = items.slice(start, start + pageSize);
    const totalPages = Math.ceil(items.length / pageSize);
    const link = (i: number) => {
      const q = new URLSearchParams(req.query);
      q.set('pageIndex', String(i));
      q.set('pageSize', String(pageSize));
      return `${this.url}${req.path}?${q.toString()}`;
    };
    const links: Record<string, string> = { self: link(pageIndex), first: link(0) };
    if (start + pageSize < items.length) links['next'] = link(pageIndex + 1);
    const body: WirePage<T> = { page: { items: slice, totalItems: items.length, pageSize, totalPages, pageIndex, ...extra }, links };
    if (itemType) body.itemType = itemType;
    return json(200, body);
  }

  // ---- users --------------------------------------------------------------------------------------------

  private createUser(req: RecordedRequest): EmulatorResponse {
    const body = parseBody(req);
    if (!body) return BAD_BODY;
    if (typeof body['userName'] !== 'string' || !body['userName'].trim()) return json(400, { message: 'userName is required.' });
    if (this.userByName(body['userName'])) return json(409, { message: `User ${body['userName']} already exists.` });
    const isSynchronized = parseBool(body['isSynchronized']);
    if (isSynchronized === undefined) return json(400, { message: 'isSynchronized must be a boolean.' });
    const user: WireUser = { id: base64Id(this.rnd), schemaVersionNumber: '1.0', userName: body['userName'] };
    for (const k of USER_FIELDS) if (typeof body[k] === 'string' && body[k] !== '') (user as unknown as Body)[k] = body[k];
    user.isSynchronized = isSynchronized;
    this.users.set(user.id, user);
    return json(201, user);
  }

  /** `/users/{userName}` (or the id with `?isUid=true`, as member links use). */
  private userByNameRoute(req: RecordedRequest, key: string): EmulatorResponse {
    const user = req.query.get('isUid')?.toLowerCase() === 'true' ? this.users.get(key) : this.userByName(key);
    if (!user) return json(404, { message: `User ${key} not found.` });
    if (req.method === 'GET') return json(200, user);
    if (req.method === 'DELETE') {
      this.users.delete(user.id);
      this.sessions.delete(user.id);
      for (const [gid, ids] of this.members) this.members.set(gid, ids.filter((i) => i !== user.id));
      return { status: 204 };
    }
    if (req.method !== 'PATCH') return notAllowed();
    const body = parseBody(req);
    if (!body) return BAD_BODY;
    const newName = body['userName'];
    if (newName !== undefined && (typeof newName !== 'string' || !newName.trim())) return json(400, { message: 'userName must be a non-empty string.' });
    if (typeof newName === 'string' && newName !== user.userName && this.userByName(newName)) {
      return json(409, { message: `User ${newName} already exists.` });
    }
    for (const k of USER_FIELDS) if (typeof body[k] === 'string') (user as unknown as Body)[k] = body[k];
    return json(200, user);
  }

  /** `/users/{userId}/groups|applications|sessions`: addressed by id, as the reference does. */
  private userSubResource(req: RecordedRequest, userId: string, sub: string): EmulatorResponse {
    const user = this.users.get(userId);
    if (!user) return json(404, { message: `User ${userId} not found.` });
    if (sub === 'groups' && req.method === 'GET') {
      return this.page(req, [...this.members].filter(([, ids]) => ids.includes(user.id)).map(([gid]) => this.groups.get(gid)!));
    }
    if (sub === 'applications' && req.method === 'GET') {
      const groupNames = new Set([...this.members].filter(([, ids]) => ids.includes(user.id)).map(([gid]) => this.groups.get(gid)!.name));
      const apps = [...this.applications.values()].filter((a) => a.assignment?.everyone || a.assignment?.groups?.some((g) => groupNames.has(g)));
      return this.page(req, apps.map(({ id, name, status }) => ({ id, name, status })));
    }
    if (sub === 'sessions') {
      if (req.method === 'GET') return json(200, { sessions: this.sessions.get(user.id) ?? [] });
      if (req.method === 'DELETE') {
        this.sessions.set(user.id, []);
        return { status: 204 };
      }
      return notAllowed();
    }
    return json(404, { message: 'Not Found' });
  }

  // ---- groups -------------------------------------------------------------------------------------------

  private createGroup(req: RecordedRequest): EmulatorResponse {
    const body = parseBody(req);
    if (!body) return BAD_BODY;
    const name = body['name'];
    if (typeof name !== 'string' || !name.trim()) return json(400, { message: 'name is required.' });
    if (this.groupByName(name)) return json(409, { message: `Group ${name} already exists.` });
    const isSynchronized = parseBool(body['isSynchronized']);
    if (isSynchronized === undefined) return json(400, { message: 'isSynchronized must be a boolean.' });
    const group = this.addGroup(name, typeof body['description'] === 'string' ? body['description'] : null);
    group.isSynchronized = isSynchronized;
    return json(201, group);
  }

  private groupRoute(req: RecordedRequest, groupId: string, sub: string | undefined, subId: string | undefined): EmulatorResponse {
    const group = this.groups.get(groupId);
    if (!group) return json(404, { message: `Group ${groupId} not found.` });
    const m = req.method;
    if (!sub) {
      if (m === 'GET') return json(200, group);
      if (m === 'DELETE') {
        this.groups.delete(groupId);
        this.members.delete(groupId);
        return { status: 204 };
      }
      if (m !== 'PATCH') return notAllowed();
      const body = parseBody(req);
      if (!body) return BAD_BODY;
      const name = body['name'];
      if (name !== undefined && (typeof name !== 'string' || !name.trim())) return json(400, { message: 'name must be a non-empty string.' });
      if (typeof name === 'string' && name !== group.name && this.groupByName(name)) return json(409, { message: `Group ${name} already exists.` });
      if (typeof name === 'string') group.name = name;
      if (typeof body['description'] === 'string') group.description = body['description'];
      return json(200, group);
    }
    if (sub !== 'members') return json(404, { message: 'Not Found' });
    const ids = this.members.get(groupId) ?? [];
    if (!subId) {
      if (m === 'GET') {
        const members: WireGroupMember[] = ids.map((id) => ({
          id,
          name: this.users.get(id)?.userName ?? id,
          type: 'User',
          links: { self: `${this.url}${this.basePath}/users/${encodeURIComponent(id)}?isUid=true` },
        }));
        return this.page(req, members);
      }
      if (m !== 'POST') return notAllowed();
      const body = parseBody(req);
      if (!body) return BAD_BODY;
      if (body['type'] !== 'User' || typeof body['id'] !== 'string') return json(400, { message: 'Expected {"id": <userId>, "type": "User"}.' });
      if (!this.users.has(body['id'])) return json(404, { message: `User ${body['id']} not found.` });
      if (ids.includes(body['id'])) return json(409, { message: 'The user is already a member of the group.' });
      this.members.set(groupId, [...ids, body['id']]);
      return { status: 204 };
    }
    if (m !== 'DELETE') return notAllowed();
    if (!ids.includes(subId)) return json(404, { message: 'The user is not a member of the group.' });
    this.members.set(groupId, ids.filter((i) => i !== subId));
    return { status: 204 };
  }

  // ---- logs ---------------------------------------------------------------------------------------------

  private logsRoute(req: RecordedRequest): EmulatorResponse {
    const since = req.query.get('since');
    const until = req.query.get('until');
    for (const [name, v] of [['since', since], ['until', until]] as const) {
      if (v !== null && (!LOG_DATE.test(v) || Number.isNaN(Date.parse(v)))) {
        return json(400, { message: `${name} must be in format yyyy-mm-ddTHH:mm:ss.fffZ.` });
      }
    }
    const from = since ? Date.parse(since) : -Infinity;
    const to = until ? Date.parse(until) : Infinity;
    const items = this.logs.filter((l) => {
      const t = Date.parse(l.timeStamp ?? '');
      return t >= from && t <= to;
    });
    const last = items[items.length - 1];
    return this.page(req, items, { pageMarker: last ? Date.parse(last.timeStamp ?? '') : 0 }, 'LogEvent');
  }
}

function notAllowed(): EmulatorResponse {
  return json(405, { message: 'Method Not Allowed' });
}
