// An STA alert received by mail, the playbook run it started, and the events published as both change.
// Everything here is stored as JSON (src/store/sta-alerts.ts) and may cross Redis: times are ISO-8601 strings.

export const STA_ALERT_KINDS = ['PUSH_REJECTION', 'ACCOUNT_LOCKOUT'] as const;
export type StaAlertKind = (typeof STA_ALERT_KINDS)[number];

/** OPEN while its playbook runs (or waits for an analyst), CLOSED when the playbook or an analyst ends it. */
export const STA_ALERT_STATES = ['OPEN', 'CLOSED'] as const;
export type StaAlertState = (typeof STA_ALERT_STATES)[number];

export const STA_PLAYBOOKS = ['ADD_TO_UNUSUAL_ACTIVITY_GROUP', 'TERMINATE_USER_SSO_SESSIONS'] as const;
export type StaPlaybook = (typeof STA_PLAYBOOKS)[number];

/**
 * The reference playbooks' tasks: its checks (sta-validate-tenant, sta-get-user-info, sta-get-group-info,
 * sta-user-exist-group, sta-get-user-sessions) are steps of their own, so each is visible and retried alone.
 */
export const STA_STEP_NAMES = [
  'ADD_TO_GROUP',
  'WAIT',
  'REMOVE_FROM_GROUP',
  'TERMINATE_SESSIONS',
  'CLOSE_ALERT',
  'VALIDATE_TENANT',
  'CHECK_USER',
  'CHECK_GROUP',
  'CHECK_MEMBERSHIP',
  'CHECK_SESSIONS',
] as const;
export type StaStepName = (typeof STA_STEP_NAMES)[number];

/**
 * FAILED: the last attempt failed; in a RETRYING run it is tried again at nextAttemptAt, in a FAILED run it
 * waits for an analyst's retry. A step is never dropped. SKIPPED: a check made it unnecessary (the user is
 * already in the group, or has no SSO session).
 */
export const STA_STEP_STATUSES = ['PENDING', 'RUNNING', 'WAITING', 'FAILED', 'SUCCEEDED', 'CANCELLED', 'SKIPPED'] as const;
export type StaStepStatus = (typeof STA_STEP_STATUSES)[number];

/**
 * RUNNING: a step is due or in flight. WAITING: the timed stay in the group (or the lockout's pause before
 * closing). RETRYING: a step failed transiently and waits for its backoff. FAILED: a step failed for a reason
 * retrying cannot fix (no such user or group in STA, STA refused the request): the alert stays open until an
 * analyst retries (after fixing STA) or cancels. SUPERSEDED: a newer push rejection for the same user took over
 * (the reference closes the older incident as a duplicate).
 */
export const STA_RUN_STATES = ['RUNNING', 'WAITING', 'RETRYING', 'COMPLETED', 'CANCELLED', 'SUPERSEDED', 'FAILED'] as const;
export type StaRunState = (typeof STA_RUN_STATES)[number];

export interface StaStepError {
  /** A gateway error code (NOT_CONFIGURED, UPSTREAM_UNAVAILABLE, …) or INTERNAL. */
  code: string;
  /** For a permanent failure of a check, the reference playbook's own message. */
  message: string;
  /** What STA answered, when `message` is the reference's wording rather than the upstream error. */
  detail?: string | null;
}

export interface StaPlaybookStep {
  name: StaStepName;
  status: StaStepStatus;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  /** FAILED: when the next attempt is due. WAITING: when the wait ends. */
  nextAttemptAt: string | null;
  error: StaStepError | null;
}

export interface StaPlaybookRun {
  id: string;
  playbook: StaPlaybook;
  state: StaRunState;
  /** The group the user is put in (push rejection only). */
  groupName: string | null;
  /** The configured stay in the group, hours (push rejection only). */
  hours: number | null;
  steps: StaPlaybookStep[];
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** When the runner must look at this run next; null once it is finished. */
  dueAt: string | null;
  /** The alert whose run took over from this one. */
  supersededBy: string | null;
}

export interface StaAlert {
  id: string;
  kind: StaAlertKind;
  /** Null when the email named no user: the alert is recorded but no playbook can run. */
  userName: string | null;
  /** The "Instance name:" line the admin appends to the STA template (the XSOAR instance to use). */
  instanceName: string | null;
  /** Organization name (push) or Account (lockout). */
  tenantName: string | null;
  subject: string;
  messageId: string | null;
  /** The email's Date header, UTC. */
  sentAt: string | null;
  /** When the mailbox received it (IMAP INTERNALDATE), UTC. */
  receivedAt: string | null;
  /** When secgraph recorded it. */
  recordedAt: string;
  /** Lockout only: when STA unlocks the account, from the template's `<unlockTime /> UTC`. */
  unlockAt: string | null;
  state: StaAlertState;
  closedAt: string | null;
  closeReason: string | null;
  closeNotes: string | null;
  /** Why no playbook runs for this alert (e.g. no user name in the email). */
  problem: string | null;
  /** Where it came from: `folder/uidValidity/uid`. */
  source: string;
  run: StaPlaybookRun | null;
}

export const STA_ALERT_EVENT_TYPES = [
  'RECORDED',
  'STEP_STARTED',
  'STEP_SUCCEEDED',
  'STEP_FAILED',
  'WAITING',
  'RETRY_REQUESTED',
  'CANCELLED',
  'SUPERSEDED',
  'CLOSED',
  'STEP_SKIPPED',
  'RUN_FAILED',
] as const;
export type StaAlertEventType = (typeof STA_ALERT_EVENT_TYPES)[number];

export interface StaAlertEvent {
  /** From the STA alert event log: the same on every instance; resume with staAlertEvents(after:). */
  id: number;
  type: StaAlertEventType;
  alert: StaAlert;
  /** The step the event is about, for STEP_*, WAITING and RUN_FAILED. */
  step: StaStepName | null;
  at: string;
}
