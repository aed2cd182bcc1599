// The SaaS Security (Aperture) API's JSON, exactly as it travels. Field names are the API's own.
// Source: ../shared/specs/saas-security.md §2 and §6, and the recorded responses in shared/fixtures.

export interface WireTokenResponse {
  access_token?: string;
  token_type?: string;
  /** Seconds. The reference integration ignores it; we use it. */
  expires_in?: number;
}

export interface WireIncident {
  incident_id: number;
  tenant?: string | null;
  app_id?: string | null;
  app_name?: string | null;
  app_type?: string | null;
  cloud_id?: string | null;
  asset_name?: string | null;
  asset_sha256?: string | null;
  asset_id?: string | null;
  asset_page_uri?: string | null;
  asset_cloud_uri?: string | null;
  exposure_type?: number | null;
  exposure_level?: string | null;
  policy_id?: string | null;
  policy_name?: string | null;
  policy_version?: number | null;
  policy_page_uri?: string | null;
  /** A label (`High`, `Low`) or a numeric string (`1.0`). */
  severity?: string | null;
  severity_level?: number | string | null;
  /** Title-case with a hyphen: `Open-New`, `Closed-Business Justified`. */
  status?: string | null;
  /** `open` / `closed` (sometimes capitalised); absent on some list items. */
  state?: string | null;
  category?: string | null;
  resolved_by?: string | null;
  resolution_date?: string | null;
  created_at?: string | null;
  updated_at?: string | null;
  group_ids?: unknown[] | null;
  asset_owner_id?: string | null;
  asset_owner_name?: string | null;
  asset_owner_email?: string | null;
  collaborators?: unknown[] | null;
  data_patterns?: unknown[] | null;
  assigned_to?: string | null;
}

/** `GET /incident/api/incidents/delta` */
export interface WireDeltaResponse {
  limit: number;
  /** Always present, even when there is nothing more. Relative: starts with /incident/api/incidents/delta?. */
  nextPath: string;
  resources: WireIncident[];
}

/** Query parameters of the delta endpoint, in the order the reference sends them. */
export interface WireDeltaQuery {
  limit?: number;
  from?: string;
  to?: string;
  app_ids?: string;
  state?: string;
  severity?: string;
  status?: string;
}

export const WIRE_CLOSE_CATEGORIES = ['no_reason', 'business_justified', 'misidentified'] as const;
export type WireCloseCategory = (typeof WIRE_CLOSE_CATEGORIES)[number];

/** `POST /incident/api/incidents/{id}/state` body: the API can only close. */
export interface WireStateUpdateRequest {
  state: 'closed';
  category: WireCloseCategory;
}

export interface WireStateUpdateResponse {
  state: string;
  category: string;
  resolved_by?: string;
  resolution_date?: string;
}

export interface WireApp {
  app_name: string;
  app_id: string;
  app_type: string;
}

export const WIRE_REMEDIATION_TYPES = ['remove_public_sharing', 'system_quarantine', 'system_restore'] as const;
export type WireRemediationType = (typeof WIRE_REMEDIATION_TYPES)[number];

/** `POST /remediation/api/assets` body. Key order as the reference builds it; the sharing flag only for remove_public_sharing. */
export interface WireRemediationRequest {
  remediation_type: WireRemediationType;
  remove_inherited_sharing?: boolean;
  asset_id: string;
}

/** `GET /remediation/api/assets?remediation_type=&asset_id=` */
export interface WireRemediationStatus {
  asset_id: string;
  asset_name?: string | null;
  remediation_type: string;
  action_taker?: string | null;
  /** `2021-08-24T17:09:53.547+0000`: note the offset format. */
  action_date?: string | null;
  status: string;
}

/** The nine human statuses and their API filter values (reference STATUS_MAP). */
export const WIRE_STATUS_BY_NAME = {
  NEW: 'open-new',
  ASSIGNED: 'open-assigned',
  IN_PROGRESS: 'open-in progress',
  PENDING: 'open-pending',
  NO_REASON: 'closed-no reason',
  BUSINESS_JUSTIFIED: 'closed-business justified',
  MISIDENTIFIED: 'closed-misidentified',
  IN_THE_CLOUD: 'closed-in the cloud',
  DISMISS: 'closed-dismiss',
} as const;

/** Severity filter values 1..5 by label (the API's filter takes the numbers). */
export const WIRE_SEVERITY_BY_LABEL = {
  INFORMATIONAL: '1',
  LOW: '2',
  MEDIUM: '3',
  HIGH: '4',
  CRITICAL: '5',
} as const;
