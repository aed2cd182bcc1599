// Generated sandbox data for the SaaS Security emulator: realistic incidents over several apps, severities,
// states and owners, spread over the 30 days before `now`, each with a distinct updated_at millisecond.
import type { WireApp, WireIncident } from '../../connectors/saas-security/wire.js';
import { DEFAULT_SAAS_INSTANCE } from '../../domain/alert.js';
import { SeededRandom } from '../random.js';
import { SANDBOX_PEOPLE } from '../sandbox-people.js';

export const SANDBOX_TENANT = 'secgraph-sandbox';

/** The generator's seed for the sandbox's first tenant; the n-th gets SANDBOX_SEED + n (other data, same ids). */
export const SANDBOX_SEED = 2021;

/** The sandbox's tenants (SAAS_SECURITY_SANDBOX_TENANTS): `default`, then `sandbox-2`, `sandbox-3`, … */
export function sandboxTenantName(n: number): string {
  return n === 0 ? DEFAULT_SAAS_INSTANCE : `sandbox-${n + 1}`;
}

/** The two app ids of the recorded fixtures, then more apps of the kinds SaaS Security protects. */
export const SANDBOX_APPS: readonly WireApp[] = [
  { app_name: 'Box 1', app_id: 'acf49b2389c09f26ad0ccd2b1a603328', app_type: 'box' },
  { app_name: 'Office 365 1', app_id: '2642aaa03dc6fc44496bdfffe5e1bc74', app_type: 'office365' },
  { app_name: 'Google Drive 1', app_id: '7d1e0c5a9b3f4e2d8c6a1b0f9e8d7c6b', app_type: 'google_drive' },
  { app_name: 'Dropbox 1', app_id: '3b9f2e1d0c8a7b6e5d4c3b2a1f0e9d8c', app_type: 'dropbox' },
  { app_name: 'Slack 1', app_id: 'e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9', app_type: 'slack' },
  { app_name: 'GitHub 1', app_id: '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d', app_type: 'github' },
];

const POLICIES = [
  'PCI - Credit Card Numbers',
  'PII - US Social Security Numbers',
  'Source Code',
  'Secrets and Credentials',
  'Public Sharing of Confidential Files',
  'GDPR - EU National IDs',
];

const FILES = [
  'Q3 forecast.xlsx',
  'payroll_2026.csv',
  'customer_export.csv',
  'id_rsa',
  'deploy.env',
  'contract-draft.docx',
  'board-deck.pptx',
  'ml_file.java',
  'passport-scan.pdf',
  'terraform.tfstate',
];

const SEVERITY_LABELS = ['Informational', 'Low', 'Medium', 'High', 'Critical'] as const;
const EXPOSURE = [
  ['public', 1],
  ['external', 2],
  ['company', 4],
  ['internal', 8],
] as const;

const OPEN_STATUSES = [
  ['Open-New', 'new'],
  ['Open-Assigned', 'new'],
  ['Open-In Progress', 'new'],
  ['Open-Pending', 'new'],
] as const;
const CLOSED_STATUSES = [
  ['Closed-No Reason', 'no_reason'],
  ['Closed-Business Justified', 'business_justified'],
  ['Closed-Misidentified', 'misidentified'],
  ['Closed-In The Cloud', 'in_the_cloud'],
] as const;

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function generateIncidents(count: number, now: number, firstId = 1000, seed = SANDBOX_SEED): WireIncident[] {
  const rnd = new SeededRandom(seed);
  const span = 30 * 24 * 3600_000;
  const createdTimes = Array.from({ length: count }, () => now - rnd.int(60_000, span));
  createdTimes.sort((a, b) => a - b);
  const used = new Set<number>();
  const unique = (t: number) => {
    while (used.has(t)) t += 1;
    used.add(t);
    return t;
  };
  return createdTimes.map((created, i) => {
    const app = rnd.pick(SANDBOX_APPS);
    const owner = rnd.pick(SANDBOX_PEOPLE);
    const closed = rnd.next() < 0.3;
    const [status, category] = closed ? rnd.pick(CLOSED_STATUSES) : rnd.pick(OPEN_STATUSES);
    const [exposure, exposureType] = rnd.pick(EXPOSURE);
    const createdAt = unique(created);
    const updatedAt = closed || rnd.next() < 0.3 ? unique(Math.min(now - 1000, createdAt + rnd.int(1000, 5 * 24 * 3600_000))) : createdAt;
    const assetId = rnd.hex(24);
    const policyId = rnd.hex(24);
    const cloudId = rnd.digits(12);
    const incident: WireIncident = {
      incident_id: firstId + i,
      tenant: SANDBOX_TENANT,
      app_id: app.app_id,
      app_name: app.app_name,
      app_type: app.app_type,
      cloud_id: cloudId,
      asset_name: rnd.pick(FILES),
      asset_sha256: rnd.next() < 0.2 ? EMPTY_SHA256 : rnd.hex(64),
      asset_id: assetId,
      asset_page_uri: `https://${SANDBOX_TENANT}.aperture.example/cloud_assets/${assetId}`,
      asset_cloud_uri: `https://files.example/${app.app_type}/${cloudId}`,
      exposure_type: exposureType,
      exposure_level: exposure,
      policy_id: policyId,
      policy_name: rnd.pick(POLICIES),
      policy_version: rnd.int(1, 4),
      policy_page_uri: `https://${SANDBOX_TENANT}.aperture.example/data_policies/${policyId}`,
      severity: rnd.pick(SEVERITY_LABELS),
      status,
      state: closed ? 'closed' : 'open',
      category,
      created_at: new Date(createdAt).toISOString(),
      updated_at: new Date(updatedAt).toISOString(),
      group_ids: [],
      asset_owner_id: rnd.hex(128).toUpperCase(),
      asset_owner_name: `${owner.firstName} ${owner.lastName}`,
      asset_owner_email: owner.email,
      collaborators: [],
      data_patterns: [],
    };
    if (closed) {
      incident.resolved_by = rnd.pick(['api', owner.email]);
      incident.resolution_date = incident.updated_at ?? null;
    }
    return incident;
  });
}
