// STA wire JSON ↔ domain types. The only place that knows both shapes.
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
import {
  WIRE_USER_CREATE_KEYS,
  WIRE_USER_UPDATE_KEYS,
  type WireApplication,
  type WireApplicationSummary,
  type WireGroup,
  type WireGroupCreate,
  type WireGroupMember,
  type WireGroupUpdate,
  type WireLogItem,
  type WireSession,
  type WireUser,
  type WireUserCreate,
  type WireUserUpdate,
} from './wire.js';

const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

/** STA sends booleans; the reference sent "True"/"False" strings, which STA evidently accepted. */
export function wireBool(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

export function toStaUser(w: WireUser): StaUser {
  return {
    id: w.id,
    userName: w.userName,
    firstName: str(w.firstName),
    lastName: str(w.lastName),
    email: str(w.email),
    mobileNumber: str(w.mobileNumber),
    aliases: [w.alias1, w.alias2, w.alias3, w.alias4].map(str).filter((a): a is string => a !== null),
    custom1: str(w.custom1),
    custom2: str(w.custom2),
    custom3: str(w.custom3),
    address: str(w.address),
    city: str(w.city),
    state: str(w.state),
    country: str(w.country),
    postalCode: str(w.postalCode),
    isSynchronized: wireBool(w.isSynchronized),
    schemaVersionNumber: str(w.schemaVersionNumber),
  };
}

export function toStaGroup(w: WireGroup): StaGroup {
  return {
    id: String(w.id),
    name: w.name,
    description: str(w.description),
    isSynchronized: wireBool(w.isSynchronized),
    schemaVersionNumber: str(w.schemaVersionNumber),
  };
}

export function toStaGroupMember(w: WireGroupMember): StaGroupMember {
  return { id: w.id, name: w.name, type: w.type };
}

export function toStaApplicationSummary(w: WireApplicationSummary): StaApplicationSummary {
  return { id: w.id, name: w.name, status: str(w.status) };
}

export function toStaApplication(w: WireApplication): StaApplication {
  const lastModified = w.lastModified ? Date.parse(w.lastModified) : NaN;
  return {
    ...toStaApplicationSummary(w),
    applicationType: str(w.applicationType),
    templateName: str(w.templateName),
    assignment: w.assignment
      ? { everyone: w.assignment.everyone === true, groups: Array.isArray(w.assignment.groups) ? w.assignment.groups.map(String) : [] }
      : null,
    schemaVersionNumber: str(w.schemaVersionNumber),
    lastModified: Number.isNaN(lastModified) ? null : new Date(lastModified),
  };
}

/** Epoch seconds below this, milliseconds at or above it: 1e11 s is the year 5138, 1e11 ms is 1973. */
export const EPOCH_MS_THRESHOLD = 1e11;
/** The largest time RFC 3339 can write (four-digit years). */
const MAX_RFC3339_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * Session times: the README's examples are epoch seconds, the reference's unit fixture carries milliseconds
 * (1607472514000). Decided by magnitude, so both give the right instant; anything that would not be a valid
 * RFC 3339 time (NaN, before 1970, after 9999) is null rather than a nonsense date.
 */
export function fromEpoch(v: unknown): Date | null {
  const n = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return null;
  const ms = n >= EPOCH_MS_THRESHOLD ? n : n * 1000;
  return ms > MAX_RFC3339_MS ? null : new Date(Math.round(ms));
}

export function toStaSession(w: WireSession): StaSession {
  return {
    id: w.id,
    start: fromEpoch(w.start),
    expiry: fromEpoch(w.expiry),
    applications: Array.isArray(w.applications) ? w.applications.map((a) => ({ id: String(a.id), name: String(a.name) })) : [],
  };
}

/** The reference's log row (§3 "Log row shape"), with null instead of "" for absent values. */
export function toStaAccessLog(w: WireLogItem): StaAccessLog {
  const c = w.context ?? {};
  const d = w.details ?? {};
  const t = w.timeStamp ? Date.parse(w.timeStamp) : NaN;
  return {
    id: str(w.id),
    timeStamp: Number.isNaN(t) ? null : new Date(t),
    userName: str(c.principalId),
    logType: str(d.type),
    category: str(w.category),
    credentialType: str(d.credentialType) ?? str(d.credentials?.[0]?.type),
    actionText: str(d.actionText),
    resultText: str(d.resultText),
    message: str(d.message) ?? str(d.description),
    applicationName: str(c.applicationName),
    policyName: str(c.policyName),
    state: str(d.state),
    operationType: str(d.operationType),
    operationObjectType: str(d.operationObjectType),
    operationObjectName: str(d.operationObjectName),
    serial: str(d.serial),
    ip: str(c.originatingAddress),
  };
}

/** All sixteen keys, unsupplied ones as null, as the reference sends them; isSynchronized as a JSON boolean. */
export function toWireUserCreate(u: StaUserCreate): WireUserCreate {
  const out = Object.fromEntries(WIRE_USER_CREATE_KEYS.map((k) => [k, null])) as unknown as WireUserCreate;
  for (const k of WIRE_USER_CREATE_KEYS) {
    const v = u[k];
    if (v !== undefined && v !== null) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Only the fields given; an empty object is a valid (no-op) update, as in the reference. */
export function toWireUserUpdate(u: StaUserUpdate): WireUserUpdate {
  const out: WireUserUpdate = {};
  for (const k of WIRE_USER_UPDATE_KEYS) {
    const v = u[k];
    if (v !== undefined && v !== null) out[k] = v;
  }
  return out;
}

export function toWireGroupCreate(g: StaGroupCreate): WireGroupCreate {
  return { name: g.name, description: g.description ?? null, isSynchronized: g.isSynchronized ?? null };
}

export function toWireGroupUpdate(g: StaGroupUpdate): WireGroupUpdate {
  const out: WireGroupUpdate = {};
  if (g.name) out.name = g.name;
  if (g.description !== undefined && g.description !== null) out.description = g.description;
  return out;
}

/** `since`/`until` as the API's logs endpoint takes them: `yyyy-mm-ddTHH:mm:ss.fffZ` (UTC, milliseconds). */
export function toApiTimestamp(d: Date): string {
  return d.toISOString();
}

/**
 * A path segment as the reference builds it with quote_plus, except that a space is `%20` rather than `+`:
 * `+` in a path is a literal plus for any standard server, and base64 ids contain `+`.
 */
export function pathSegment(value: string): string {
  return encodeURIComponent(value);
}
