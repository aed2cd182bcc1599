// SaaS Security domain types: what resolvers and the schema work with. Connectors map wire JSON to these.
import type { GatewayIncidentFields } from './incident-record.js';
import type { IncidentState } from './incident-state.js';

export { INCIDENT_STATES, type IncidentState } from './incident-state.js';

export const CLOSE_CATEGORIES = ['MISIDENTIFIED', 'NO_REASON', 'BUSINESS_JUSTIFIED'] as const;
export type CloseCategory = (typeof CLOSE_CATEGORIES)[number];

export const REMEDIATION_TYPES = ['REMOVE_PUBLIC_SHARING', 'QUARANTINE', 'RESTORE'] as const;
export type RemediationType = (typeof REMEDIATION_TYPES)[number];

export const INCIDENT_STATUSES = [
  'NEW',
  'ASSIGNED',
  'IN_PROGRESS',
  'PENDING',
  'NO_REASON',
  'BUSINESS_JUSTIFIED',
  'MISIDENTIFIED',
  'IN_THE_CLOUD',
  'DISMISS',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Incident {
  /**
   * The SaaS Security tenant (configured instance) it belongs to: incident ids are unique per tenant only.
   * DEFAULT_SAAS_INSTANCE for the SAAS_SECURITY_* shorthand and the sandbox's first tenant.
   */
  instance: string;
  incidentId: number;
  tenant: string | null;
  appId: string | null;
  appName: string | null;
  appType: string | null;
  cloudId: string | null;
  assetId: string | null;
  assetName: string | null;
  assetSha256: string | null;
  assetPageUri: string | null;
  assetCloudUri: string | null;
  assetOwnerId: string | null;
  assetOwnerName: string | null;
  assetOwnerEmail: string | null;
  exposureType: number | null;
  exposureLevel: string | null;
  policyId: string | null;
  policyName: string | null;
  policyVersion: number | null;
  policyPageUri: string | null;
  /** The upstream's own severity text (`High`, `1.0`). */
  severityRaw: string | null;
  severity: Severity | null;
  /** Upstream status text, e.g. `Closed-Business Justified`. */
  status: string | null;
  /** Parsed from status, when it is one of the nine known ones. */
  statusName: IncidentStatus | null;
  state: IncidentState | null;
  category: string | null;
  resolvedBy: string | null;
  resolutionDate: Date | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  assignedTo: string | null;
  groupIds: unknown[];
  collaborators: unknown[];
  dataPatterns: unknown[];
  /**
   * The gateway's record when the fetcher stored this incident: set on published events (a snapshot);
   * absent elsewhere, where the schema looks the record up.
   */
  gateway?: GatewayIncidentFields | null;
}

export interface App {
  id: string;
  name: string;
  type: string;
}

export interface Remediation {
  assetId: string;
  assetName: string | null;
  remediationType: RemediationType | null;
  actionTaker: string | null;
  actionDate: Date | null;
  status: string;
}

export interface IncidentQuery {
  from?: Date | null;
  to?: Date | null;
  appIds?: readonly string[] | null;
  state?: IncidentState | null;
  severities?: readonly Severity[] | null;
  statuses?: readonly IncidentStatus[] | null;
}
