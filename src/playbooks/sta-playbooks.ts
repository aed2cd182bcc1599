// The two response playbooks as data: which steps each runs, and how each step acts on STA.
// The runner (sta-playbook-runner.ts) walks these steps, durably, one at a time.
import type { StaAlertKind, StaPlaybook, StaPlaybookRun, StaPlaybookStep, StaRunState, StaStepName } from '../domain/sta-alert.js';
import type { StaResponder } from './sta-responder.js';

export const PLAYBOOK_OF: Readonly<Record<StaAlertKind, StaPlaybook>> = {
  PUSH_REJECTION: 'ADD_TO_UNUSUAL_ACTIVITY_GROUP',
  ACCOUNT_LOCKOUT: 'TERMINATE_USER_SSO_SESSIONS',
};

const STEPS: Readonly<Record<StaPlaybook, readonly StaStepName[]>> = {
  ADD_TO_UNUSUAL_ACTIVITY_GROUP: ['ADD_TO_GROUP', 'WAIT', 'REMOVE_FROM_GROUP', 'CLOSE_ALERT'],
  TERMINATE_USER_SSO_SESSIONS: ['TERMINATE_SESSIONS', 'CLOSE_ALERT'],
};

/** The reference playbooks' closeInvestigation reason and notes. */
export const CLOSE_TEXT: Readonly<Record<StaPlaybook, { reason: string; notes: string }>> = {
  ADD_TO_UNUSUAL_ACTIVITY_GROUP: {
    reason: 'User removed from the Unusual Activity Group.',
    notes: 'User successfully removed from the Unusual Activity Group.',
  },
  TERMINATE_USER_SSO_SESSIONS: { reason: 'Resolved', notes: 'All the SSO sessions successfully deleted.' },
};

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

/** The STA call a step makes; null for steps that only move time or state (WAIT, CLOSE_ALERT). */
export function stepAction(step: StaStepName, run: StaPlaybookRun, userName: string): ((sta: StaResponder) => Promise<void>) | null {
  const group = run.groupName ?? '';
  switch (step) {
    case 'ADD_TO_GROUP':
      return (sta) => sta.addUserToGroup(userName, group);
    case 'REMOVE_FROM_GROUP':
      return (sta) => sta.removeUserFromGroup(userName, group);
    case 'TERMINATE_SESSIONS':
      return (sta) => sta.terminateUserSessions(userName);
    case 'WAIT':
    case 'CLOSE_ALERT':
      return null;
  }
}

export const TERMINAL_RUN_STATES: ReadonlySet<StaRunState> = new Set<StaRunState>(['COMPLETED', 'CANCELLED', 'SUPERSEDED']);

/** A run that still has work to do (running, waiting or retrying). */
export function isActive(run: StaPlaybookRun | null): run is StaPlaybookRun {
  return run !== null && !TERMINAL_RUN_STATES.has(run.state);
}
