// What a playbook run's steps are and how they change, as plain functions over the run's record (no store,
// no STA, no clock): which step is current, which are settled, and the state changes that retry, cancel,
// supersede and the WAIT step make. The runner (sta-playbook-runner.ts) decides when; these say what.
import type { StaAlert, StaPlaybookRun, StaPlaybookStep, StaStepError, StaStepName } from '../domain/sta-alert.js';
import { badInput, errorCodeOf } from '../errors.js';
import { scrub } from '../logger.js';
import { StepFailure } from './sta-playbooks.js';

/**
 * The run has put the user in the group (or, taking over from an earlier run, holds them there) and has not
 * yet removed them: its own removal is still to come.
 */
export function parksUser(run: StaPlaybookRun): boolean {
  const status = (name: StaStepName) => run.steps.find((s) => s.name === name)?.status;
  const holds = status('ADD_TO_GROUP') === 'SUCCEEDED' || (status('ADD_TO_GROUP') === 'SKIPPED' && status('CHECK_MEMBERSHIP') === 'SUCCEEDED');
  const removal = status('REMOVE_FROM_GROUP');
  return holds && removal !== undefined && removal !== 'SUCCEEDED' && removal !== 'SKIPPED';
}

/** Done with, one way or the other: a cancel leaves it as it is, a resume does not run it again. */
export function isSettled(step: StaPlaybookStep): boolean {
  return step.status === 'SUCCEEDED' || step.status === 'SKIPPED';
}

/** The first step not yet done. */
export function currentStep(run: StaPlaybookRun): StaPlaybookStep | undefined {
  return run.steps.find((s) => !isSettled(s) && s.status !== 'CANCELLED');
}

/** What the step record shows of a failure; secrets scrubbed. */
export function toStepError(e: unknown): StaStepError {
  if (e instanceof StepFailure) return { code: e.code, message: scrub(e.message), detail: e.detail === null ? null : scrub(e.detail) };
  return { code: errorCodeOf(e) ?? 'INTERNAL', message: scrub(e instanceof Error ? e.message : String(e)), detail: null };
}

export function succeed(step: StaPlaybookStep, now: string): void {
  step.status = 'SUCCEEDED';
  step.finishedAt = now;
  step.nextAttemptAt = null;
  step.error = null;
}

/** The step starts its wait, ending at `untilIso` (returned). */
export function startWaiting(step: StaPlaybookStep, nowIso: string, untilIso: string): string {
  step.status = 'WAITING';
  step.attempts = 1;
  step.startedAt = nowIso;
  step.nextAttemptAt = untilIso;
  return untilIso;
}

/** The run stops here (cancelled or superseded): every step not settled is cancelled. */
export function endRun(run: StaPlaybookRun, state: 'CANCELLED' | 'SUPERSEDED', now: string): void {
  for (const step of run.steps) if (!isSettled(step)) step.status = 'CANCELLED';
  run.state = state;
  run.finishedAt = run.updatedAt = now;
  run.dueAt = null;
}

export function closeAlert(alert: StaAlert, now: string, reason: string, notes: string): void {
  alert.state = 'CLOSED';
  alert.closedAt = now;
  alert.closeReason = reason;
  alert.closeNotes = notes;
}

/**
 * Makes a failing step due again (a RETRYING run, or a FAILED one once STA is fixed), or resumes a cancelled
 * run where it stopped (reopening its alert); BAD_USER_INPUT for a run in any other state. The caller sets
 * the run RUNNING and due.
 */
export function resumeForRetry(alert: StaAlert, run: StaPlaybookRun, now: string): void {
  if (run.state === 'RETRYING') {
    const step = currentStep(run);
    if (step) step.nextAttemptAt = now;
  } else if (run.state === 'FAILED') {
    const step = currentStep(run);
    if (step) {
      step.status = 'PENDING';
      step.nextAttemptAt = null;
    }
  } else if (run.state === 'CANCELLED') {
    for (const step of run.steps) {
      if (step.status !== 'CANCELLED') continue;
      // A cancelled stay keeps its original end: resuming does not restart the N hours.
      step.status = step.name === 'WAIT' && step.startedAt ? 'WAITING' : 'PENDING';
    }
    run.finishedAt = null;
    alert.state = 'OPEN';
    alert.closedAt = alert.closeReason = alert.closeNotes = null;
  } else {
    throw badInput(`The run is ${run.state}: only a failing (RETRYING or FAILED) or CANCELLED run can be retried`, 'id');
  }
}
