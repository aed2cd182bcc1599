// The SQL tables, as Kysely sees them. Documents (an incident's wire copy, an alert with its run) are kept as
// JSON text in `body`; the columns beside it are what queries filter, order and page by, each indexed.
// Times used for ordering are ISO-8601 strings (they sort as text) or epoch milliseconds (bigint).
export interface IncidentsTable {
  /** The tenant: `saas:<instance>` for a configured upstream, `sandbox:<instance>` for a built-in emulator's generated incidents. */
  scope: string;
  incident_id: number;
  /** 1 when the stamped mirror direction pulls changes in (Incoming, Both). */
  incoming: number;
  fetched_at: string;
  /** The later of fetched_at and the last mirror sync (retention prunes by it); null only mid-migration. */
  last_activity_at: string | null;
  /** 1 while the gateway record is OPEN: retention keeps it however old its last activity. */
  open: number;
  body: string;
}

export interface FetchStateTable {
  /** As IncidentsTable.scope: one fetch state (cursors) per tenant. */
  scope: string;
  body: string;
}

/** One row per event stream: the last id handed out. Ids come from here, so every instance agrees on them. */
export interface EventStreamsTable {
  stream: string;
  last_id: number;
}

export interface EventsTable {
  stream: string;
  id: number;
  at: string;
  body: string;
}

export interface StaAlertsTable {
  id: string;
  recorded_at: string;
  kind: string;
  state: string;
  /** Lower-cased, trimmed user name (null when the mail named none). */
  user_key: string | null;
  run_state: string | null;
  /** When the run has something to do next; null when it has not (or is not active). */
  due_at: string | null;
  superseded_by: string | null;
  /** Bumped by every write: a write based on an older read is refused (see StaAlertRows.save). */
  version: number;
  body: string;
}

export interface SamlWindowsTable {
  id: string;
  key: string;
  seq: number;
  start_ms: number;
  event_count: number;
  first_event_at: string;
  last_event_at: string;
  account_id: string | null;
  actor_arn: string | null;
  body: string;
}

export interface SamlEventsTable {
  alert_id: string;
  n: number;
  /** What makes a match the same match when seen again (the CloudTrail eventID, else a hash of the record). */
  match_key: string;
  event_time: string;
  body: string;
}

export interface CloudTrailFilesTable {
  path: string;
  body: string;
}

export interface MailCursorsTable {
  key: string;
  uid_validity: string;
  last_uid: number;
}

/** A message already handed to the mail handler (folder/uidValidity/uid), so two watchers handle it once. */
export interface MailSeenTable {
  source: string;
  seen_at: string;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_ms: number;
  acquired_at: string;
  renewed_at: string;
}

export interface PubsubOverflowTable {
  id: string;
  created_ms: number;
  body: string;
}

/** See migrations/004-saml-suppressed.ts. */
export interface SamlSuppressedTable {
  match_key: string;
  recorded_at: string;
}

/** See migrations/006-audit-log.ts and src/store/audit-entries.ts. */
export interface AuditEntriesTable {
  id: number;
  seq: number;
  at: string;
  completed_at: string | null;
  actor_kind: string;
  actor_id: string;
  actor_name: string | null;
  actor_email: string | null;
  action: string;
  target: string | null;
  outcome: string;
  error_code: string | null;
  request_id: string | null;
  instance: string;
  /** JSON text, or null. */
  details: string | null;
}

/** See migrations/008-destinations.ts and outbox.ts. */
export interface AlertDeliveriesTable {
  id: string;
  destination: string;
  alert_id: string;
  /** The AlertEventKind, or TEST for testDestination. */
  event: string;
  /** PENDING, RETRYING, DELIVERED, FAILED. */
  status: string;
  /** Attempts made so far. */
  attempt: number;
  created_ms: number;
  /** When the next attempt is due (epoch ms). */
  next_at_ms: number;
  updated_at: string;
  /** The instance sending it now, until claim_expires_ms (a row lease, see leases.ts claimRows). */
  claimed_by: string | null;
  claim_expires_ms: number | null;
  response_status: number | null;
  /** A short excerpt of the last answer. */
  response: string | null;
  last_error: string | null;
  /** The alert notice (JSON) the message is made from. */
  body: string;
}

/** See migrations/007-triage.ts: one row per alert of any source, with its triage record. */
export interface AlertsTable {
  /** `saas:<instance>:<incidentId>`, `sta:<id>`, `saml:<id>` (src/domain/alert.ts). */
  alert_id: string;
  source: string;
  source_id: string;
  severity: string;
  title: string;
  /** ISO-8601: the queue's order. */
  created_at: string;
  status: string;
  assignee: string | null;
  /** Lower-cased title, ids and names the queue's text filter looks in. */
  search_text: string;
  /** The source's own state beside the triage status (SaaS: the upstream state; STA: the run's). */
  source_state: string | null;
  updated_at: string | null;
  /** JSON Actor of the last triage change. */
  updated_by: string | null;
  /** The first move out of OPEN (alertStats' time to triage). */
  triaged_at: string | null;
  /** The latest move to RESOLVED or CLOSED; null while open. */
  resolved_at: string | null;
  /** The last comment and activity numbers handed out for this alert (their ids). */
  comment_seq: number;
  activity_seq: number;
}

export interface AlertCommentsTable {
  alert_id: string;
  seq: number;
  /** JSON Actor. */
  author: string;
  /** `<kind>:<id>` of the author: only they may edit. */
  author_key: string;
  body: string;
  created_at: string;
  edited_at: string | null;
  /** JSON array of the earlier bodies, { body, at }. */
  edits: string;
}

export interface AlertActivityTable {
  alert_id: string;
  seq: number;
  at: string;
  /** JSON Actor. */
  actor: string;
  field: string;
  from_value: string | null;
  to_value: string | null;
  note: string | null;
}

/** A secret the deployment generated for itself (the cursor key): written once, never updated. */
export interface DeploymentSecretsTable {
  name: string;
  /** base64 of the random bytes. */
  secret: string;
  created_at: string;
}

export interface Tables {
  incidents: IncidentsTable;
  fetch_state: FetchStateTable;
  event_streams: EventStreamsTable;
  events: EventsTable;
  sta_alerts: StaAlertsTable;
  saml_windows: SamlWindowsTable;
  saml_events: SamlEventsTable;
  saml_suppressed: SamlSuppressedTable;
  cloudtrail_files: CloudTrailFilesTable;
  mail_cursors: MailCursorsTable;
  mail_seen: MailSeenTable;
  leases: LeasesTable;
  pubsub_overflow: PubsubOverflowTable;
  audit_entries: AuditEntriesTable;
  alert_deliveries: AlertDeliveriesTable;
  alerts: AlertsTable;
  alert_comments: AlertCommentsTable;
  alert_activity: AlertActivityTable;
  deployment_secrets: DeploymentSecretsTable;
}
