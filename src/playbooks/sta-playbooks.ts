// The two response playbooks as data: which steps each runs, how each step acts on STA, which later steps a
// check makes unnecessary, and how the alert is closed. The runner (sta-playbook-runner.ts) walks these
// steps, durably, one at a time. The wording of every message is the reference playbooks' own (spec §5).
import type {
  StaAlertKind,
  StaPlaybook,
  StaPlaybookRun,
  StaPlaybookStep,
  StaRunState,
  StaStepError,
  StaStepName,
} from '../domain/sta-alert.js';
import { STA_RUN_STATES } from '../domain/sta-alert.js';
import { errorCodeOf, GatewayError } from '../errors.js';
import type { StaResponder } from './sta-responder.js';

export const PLAYBOOK_OF: Readonly<Record<StaAlertKind, StaPlaybook>> = {
  PUSH_REJECTION: 'ADD_TO_UNUSUAL_ACTIVITY_GROUP',
  ACCOUNT_LOCKOUT: 'TERMINATE_USER_SSO_SESSIONS',
};

const STEPS: Readonly<Record<StaPlaybook, readonly StaStepName[]>> = {
  ADD_TO_UNUSUAL_ACTIVITY_GROUP: [
    'VALIDATE_TENANT',
    'CHECK_USER',
    'CHECK_GROUP',
    'CHECK_MEMBERSHIP',
    'ADD_TO_GROUP',
    'WAIT',
    'REMOVE_FROM_GROUP',
    'CLOSE_ALERT',
  ],
  TERMINATE_USER_SSO_SESSIONS: ['VALIDATE_TENANT', 'CHECK_USER', 'CHECK_SESSIONS', 'TERMINATE_SESSIONS', 'WAIT', 'CLOSE_ALERT'],
};

const HOUR_MS = 3_600_000;
/** The lockout playbook's "Sleep 120 s" before closing (kept: see docs/sta-alerts.md). */
export const LOCKOUT_CLOSE_DELAY_MS = 120_000;

/** The reference's PrintErrorEntry after sta-validate-tenant fails. */
export const TENANT_REQUIREMENTS_MESSAGE =
  "Please ensure that the following requirements are fulfilled.\n1. The SafeNet Trusted Access integration instance's name must be the same as the Instance name mentioned in the alert email template.\n2. Ensure that you have the correct Tenant Code or API Key in the SafeNet Trusted Access Integration instance.\n3. Ensure that the integration instance is Enabled.";
export const userMissingMessage = (userName: string) => `User - ${userName} doesn't exist in the tenant.`;
export const groupMissingMessage = (groupName: string) => `The Unusual Activity Group - ${groupName} doesn't exist.`;

/** The reference playbooks' closeInvestigation reasons and notes, per branch. */
export const CLOSE_TEXT = {
  removed: { reason: 'User removed from the Unusual Activity Group.', notes: 'User successfully removed from the Unusual Activity Group.' },
  alreadyMember: { reason: 'User is already a member of the Unusual Activity Group.', notes: 'User is already a member of the Unusual Activity Group.' },
  sessionsDeleted: { reason: 'Resolved', notes: 'All the SSO sessions successfully deleted.' },
  noSession: { reason: 'Resolved', notes: 'No active SSO session found for the user.' },
} as const;

/**
 * Codes no retry can fix: STA has no such user or group (or tenant), or refused the request (wrong API key,
 * a request it rejects). The run ends FAILED and waits for an analyst. Everything else (UPSTREAM_UNAVAILABLE,
 * UPSTREAM_RATE_LIMITED, NOT_CONFIGURED, an unexpected error) is retried with backoff.
 */
const PERMANENT_CODES: ReadonlySet<string> = new Set(['NOT_FOUND', 'UPSTREAM_REJECTED']);

export function isPermanent(error: StaStepError): boolean {
  return PERMANENT_CODES.has(error.code);
}

export interface PushRejectionSettings {
  groupName: string;
  hours: number;
}

export function newRun(alertId: string, kind: StaAlertKind, settings: PushRejectionSettings, now: string): StaPlaybookRun {
  const playbook = PLAYBOOK_OF[kind];
  const push = playbook === 'ADD_TO_UNUSUAL_ACTIVITY_GROUP';
  return {
    id: `${alertId}:run`,
    playbook,
    state: 'RUNNING',
    groupName: push ? settings.groupName : null,
    hours: push ? settings.hours : null,
    steps: STEPS[playbook].map(
      (name): StaPlaybookStep => ({ name, status: 'PENDING', attempts: 0, startedAt: null, finishedAt: null, nextAttemptAt: null, error: null }),
    ),
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
    dueAt: now,
    supersededBy: null,
  };
}

/** How long the run's WAIT step lasts: the stay in the group (push), the pause before closing (lockout). */
export function waitMs(run: StaPlaybookRun): number {
  return run.playbook === 'ADD_TO_UNUSUAL_ACTIVITY_GROUP' ? (run.hours ?? 0) * HOUR_MS : LOCKOUT_CLOSE_DELAY_MS;
}

/** What a step found: the later steps it makes unnecessary (the reference's branches). */
export interface StepOutcome {
  skip?: readonly StaStepName[];
}

/** What a step may know besides the run: whether this alert took over an earlier active run for the user. */
export interface StepContext {
  userName: string;
  supersedesAnother: boolean;
}

/** A check's failure in the reference's words, keeping STA's own answer as the detail. */
export class StepFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly detail: string | null,
  ) {
    super(message);
  }
}

/** A permanent failure gets the reference's message; a transient one keeps STA's (it says what to wait for). */
function reword(e: unknown, message: string): unknown {
  const code = errorCodeOf(e);
  if (!code || !PERMANENT_CODES.has(code)) return e;
  return new StepFailure(code, message, (e as GatewayError).message);
}

/** The STA call a step makes; null for steps that only move time or state (WAIT, CLOSE_ALERT). */
export function stepAction(step: StaStepName, run: StaPlaybookRun, ctx: StepContext): ((sta: StaResponder) => Promise<StepOutcome>) | null {
  const group = run.groupName ?? '';
  const { userName } = ctx;
  switch (step) {
    case 'VALIDATE_TENANT':
      return async (sta) => {
        await sta.validateTenant().catch((e: unknown) => {
          throw reword(e, TENANT_REQUIREMENTS_MESSAGE);
        });
        return {};
      };
    case 'CHECK_USER':
      return async (sta) => {
        if (!(await sta.getUser(userName))) throw new StepFailure('NOT_FOUND', userMissingMessage(userName), null);
        return {};
      };
    case 'CHECK_GROUP':
      return async (sta) => {
        if (!(await sta.getGroup(group))) throw new StepFailure('NOT_FOUND', groupMissingMessage(group), null);
        return {};
      };
    case 'CHECK_MEMBERSHIP':
      return async (sta) => {
        if (!(await sta.isUserInGroup(userName, group))) return {};
        // Already in the group: taking over from an earlier run restarts the stay (the reference jumps to its
        // Sleep); otherwise the user was put there by hand and stays, and the alert closes at once.
        return ctx.supersedesAnother ? { skip: ['ADD_TO_GROUP'] } : { skip: ['ADD_TO_GROUP', 'WAIT', 'REMOVE_FROM_GROUP'] };
      };
    case 'CHECK_SESSIONS':
      return async (sta) => ((await sta.hasActiveSessions(userName)) ? {} : { skip: ['TERMINATE_SESSIONS'] });
    case 'ADD_TO_GROUP':
      return async (sta) => {
        await sta.addUserToGroup(userName, group);
        return {};
      };
    case 'REMOVE_FROM_GROUP':
      return async (sta) => {
        await sta.removeUserFromGroup(userName, group);
        return {};
      };
    case 'TERMINATE_SESSIONS':
      return async (sta) => {
        await sta.terminateUserSessions(userName);
        return {};
      };
    case 'WAIT':
    case 'CLOSE_ALERT':
      return null;
  }
}

/** The close reason and notes for the branch the run took. */
export function closeText(run: StaPlaybookRun): { reason: string; notes: string } {
  const skipped = (name: StaStepName) => run.steps.some((s) => s.name === name && s.status === 'SKIPPED');
  if (run.playbook === 'TERMINATE_USER_SSO_SESSIONS') return skipped('TERMINATE_SESSIONS') ? CLOSE_TEXT.noSession : CLOSE_TEXT.sessionsDeleted;
  return skipped('REMOVE_FROM_GROUP') ? CLOSE_TEXT.alreadyMember : CLOSE_TEXT.removed;
}

/** Runs that are over for good. FAILED is not: an analyst may retry it. */
export const TERMINAL_RUN_STATES: ReadonlySet<StaRunState> = new Set<StaRunState>(['COMPLETED', 'CANCELLED', 'SUPERSEDED']);
/** Run states that are not over for good (see isOpen), for queries by run state. */
export const OPEN_RUN_STATES: readonly StaRunState[] = STA_RUN_STATES.filter((s) => !TERMINAL_RUN_STATES.has(s));

/** A run the runner works on by itself (running, waiting or retrying); FAILED waits for an analyst. */
export function isActive(run: StaPlaybookRun | null): run is StaPlaybookRun {
  return run !== null && !TERMINAL_RUN_STATES.has(run.state) && run.state !== 'FAILED';
}

/** A run not over for good: active, or FAILED and waiting for an analyst. */
export function isOpen(run: StaPlaybookRun | null): run is StaPlaybookRun {
  return run !== null && !TERMINAL_RUN_STATES.has(run.state);
}
