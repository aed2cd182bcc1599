// SaaS Security wire JSON ↔ domain types. The only place that knows both shapes.
import type {
  App,
  CloseCategory,
  Incident,
  IncidentQuery,
  IncidentState,
  IncidentStatus,
  Remediation,
  RemediationType,
  Severity,
} from '../../domain/saas-security.js';
import { DEFAULT_SAAS_INSTANCE } from '../../domain/alert.js';
import {
  WIRE_SEVERITY_BY_LABEL,
  WIRE_STATUS_BY_NAME,
  type WireApp,
  type WireCloseCategory,
  type WireDeltaQuery,
  type WireIncident,
  type WireRemediationStatus,
  type WireRemediationType,
} from './wire.js';

/** The API's date format: ISO-8601 UTC with exactly three fractional digits and `Z`. */
export function toApiDate(d: Date): string {
  return d.toISOString();
}

/** Parses the API's dates: `…​.mmmZ` on incidents, `…​.mmm+0000` on remediation. Unparseable → null. */
export function parseApiDate(s: string | null | undefined): Date | null {
  if (!s) return null;
  const normalised = s.replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const t = Date.parse(normalised);
  return Number.isNaN(t) ? null : new Date(t);
}

const SEVERITY_BY_NUMBER: Record<string, Severity> = {
  '1': 'INFORMATIONAL',
  '2': 'LOW',
  '3': 'MEDIUM',
  '4': 'HIGH',
  '5': 'CRITICAL',
};

/** Labels (`High`) or numbers (`4`, `4.0`, 4) → normalised severity; anything else → null. */
export function normaliseSeverity(raw: unknown): Severity | null {
  if (raw === null || raw === undefined || raw === '') return null;
  const text = String(raw).trim();
  const upper = text.toUpperCase();
  if (upper in WIRE_SEVERITY_BY_LABEL) return upper as Severity;
  if (upper === 'INFO') return 'INFORMATIONAL';
  const n = Number(text);
  if (Number.isFinite(n)) return SEVERITY_BY_NUMBER[String(Math.round(n))] ?? null;
  return null;
}

const STATUS_NAME_BY_WIRE = new Map<string, IncidentStatus>(
  Object.entries(WIRE_STATUS_BY_NAME).map(([name, wire]) => [wire, name as IncidentStatus]),
);

/** `Closed-Business Justified` → BUSINESS_JUSTIFIED. */
export function parseStatus(status: string | null | undefined): IncidentStatus | null {
  if (!status) return null;
  return STATUS_NAME_BY_WIRE.get(status.trim().toLowerCase()) ?? null;
}

/**
 * The status a close with this wire category gives (`business_justified` → `Closed-Business Justified`, as
 * the API writes it); null for a category it has no closed status for.
 */
export function closedStatus(wireCategory: string): string | null {
  const wire = `closed-${wireCategory.replace(/_/g, ' ')}`;
  if (!STATUS_NAME_BY_WIRE.has(wire)) return null;
  return wire.replace(/(^|[\s-])(\w)/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/** `state` when the API sends it (any case), else derived from `status` (`Open-…`/`Closed-…`). */
export function deriveState(state: string | null | undefined, status: string | null | undefined): IncidentState | null {
  const s = (state ?? '').trim().toLowerCase();
  if (s === 'open') return 'OPEN';
  if (s === 'closed') return 'CLOSED';
  const prefix = (status ?? '').trim().toLowerCase().split('-')[0];
  if (prefix === 'open') return 'OPEN';
  if (prefix === 'closed') return 'CLOSED';
  return null;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The domain incident of `instance` (the tenant the wire copy came from). */
export function toIncident(w: WireIncident, instance: string = DEFAULT_SAAS_INSTANCE): Incident {
  return {
    instance,
    incidentId: w.incident_id,
    tenant: str(w.tenant),
    appId: str(w.app_id),
    appName: str(w.app_name),
    appType: str(w.app_type),
    cloudId: str(w.cloud_id),
    assetId: str(w.asset_id),
    assetName: str(w.asset_name),
    assetSha256: str(w.asset_sha256),
    assetPageUri: str(w.asset_page_uri),
    assetCloudUri: str(w.asset_cloud_uri),
    assetOwnerId: str(w.asset_owner_id),
    assetOwnerName: str(w.asset_owner_name),
    assetOwnerEmail: str(w.asset_owner_email),
    exposureType: num(w.exposure_type),
    exposureLevel: str(w.exposure_level),
    policyId: str(w.policy_id),
    policyName: str(w.policy_name),
    policyVersion: num(w.policy_version),
    policyPageUri: str(w.policy_page_uri),
    severityRaw: str(w.severity),
    severity: normaliseSeverity(w.severity_level ?? w.severity),
    status: str(w.status),
    statusName: parseStatus(w.status),
    state: deriveState(w.state, w.status),
    category: str(w.category),
    resolvedBy: str(w.resolved_by),
    resolutionDate: parseApiDate(w.resolution_date),
    createdAt: parseApiDate(w.created_at),
    updatedAt: parseApiDate(w.updated_at),
    assignedTo: str(w.assigned_to),
    groupIds: arr(w.group_ids),
    collaborators: arr(w.collaborators),
    dataPatterns: arr(w.data_patterns),
  };
}

export function toApp(w: WireApp): App {
  return { id: w.app_id, name: w.app_name, type: w.app_type };
}

const WIRE_REMEDIATION: Record<RemediationType, WireRemediationType> = {
  REMOVE_PUBLIC_SHARING: 'remove_public_sharing',
  QUARANTINE: 'system_quarantine',
  RESTORE: 'system_restore',
};

export function toWireRemediationType(t: RemediationType): WireRemediationType {
  return WIRE_REMEDIATION[t];
}

export function fromWireRemediationType(w: string | null | undefined): RemediationType | null {
  const hit = Object.entries(WIRE_REMEDIATION).find(([, v]) => v === w);
  return hit ? (hit[0] as RemediationType) : null;
}

export function toRemediation(w: WireRemediationStatus): Remediation {
  return {
    assetId: w.asset_id,
    assetName: str(w.asset_name),
    remediationType: fromWireRemediationType(w.remediation_type),
    actionTaker: str(w.action_taker),
    actionDate: parseApiDate(w.action_date),
    status: w.status,
  };
}

export function toWireCloseCategory(c: CloseCategory): WireCloseCategory {
  return c.toLowerCase() as WireCloseCategory;
}

/**
 * Domain filter → delta query parameters. Parameters with no value are left out (the reference's
 * remove_nulls_from_dictionary), and the order is the reference's: limit, from, to, app_ids, state, severity, status.
 */
export function toDeltaQuery(q: IncidentQuery, limit: number): WireDeltaQuery {
  const out: WireDeltaQuery = { limit };
  if (q.from) out.from = toApiDate(q.from);
  if (q.to) out.to = toApiDate(q.to);
  if (q.appIds?.length) out.app_ids = q.appIds.join(',');
  if (q.state) out.state = q.state.toLowerCase();
  if (q.severities?.length) out.severity = q.severities.map((s) => WIRE_SEVERITY_BY_LABEL[s]).join(',');
  if (q.statuses?.length) out.status = q.statuses.map((s) => WIRE_STATUS_BY_NAME[s]).join(',');
  return out;
}

/** `?limit=…&from=…` in the reference's order, URL-encoded like the API's own nextPath. */
export function deltaPath(q: WireDeltaQuery): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return `/incident/api/incidents/delta${qs ? `?${qs}` : ''}`;
}

/** The API accepts page sizes that are multiples of 10 from 10 to 1000: the smallest such size ≥ n. */
export function apiPageSize(n: number): number {
  return Math.min(1000, Math.max(10, Math.ceil(n / 10) * 10));
}
