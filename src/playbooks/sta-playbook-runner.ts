// Runs the STA playbooks durably. Every alert's run lives in the StaAlertStore with a `dueAt`: tick() does
// whatever is due, one step at a time, writing each step's start and outcome before going on. So a crash or
// restart resumes where the run was (the STA calls are idempotent), the N-hour stay ends on time or as soon
// as the gateway is back, and a step failing transiently waits for its backoff and is tried again, never
// dropped; a permanent failure (no such user or group) ends the run FAILED until an analyst retries it.
// Everything that changes a run (tick, retry, cancel) goes through one queue, so no two touch a run at once.
import { audited, NO_AUDIT, type AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { StaAlert, StaPlaybookRun, StaPlaybookStep, StaStepError, StaStepName } from '../domain/sta-alert.js';
import { badInput, errorCodeOf, GatewayError, notConfigured, notFound } from '../errors.js';
import { systemActor } from '../identity/actor.js';
import type { Logger } from '../logger.js';
import type { StaAlertMail } from '../mail/sta-alert-mail.js';
import { StaleAlertError, staAlertId, type StaAlertChange, type StaAlertStore, type StaTriageIntent } from './sta-alert-store.js';
import {
  closeText,
  isActive,
  isOpen,
  isPermanent,
  newRun,
  StepFailure,
  stepAction,
  TERMINAL_RUN_STATES,
  waitMs,
  type PushRejectionSettings,
  type StepOutcome,
} from './sta-playbooks.js';
import type { StaResponder } from './sta-responder.js';
import { closeAlert, currentStep, endRun, parksUser, resumeForRetry, startWaiting, succeed, toStepError } from './sta-run-state.js';

/** The longest the timer sleeps, so a changed system clock or a missed wake-up costs at most this. */
const MAX_SLEEP_MS = 60_000;

export interface StaPlaybookRunnerOptions {
  store: StaAlertStore;
  /**
   * What the steps act on: one responder for every alert, or a function choosing by the alert's "Instance
   * name:" (several STA tenants; it throws a StepFailure for an unknown instance, which ends the run FAILED).
   * Null until an STA connector is configured: steps that call STA then fail with NOT_CONFIGURED and retry.
   */
  responder: StaResponder | ((instanceName: string | null) => StaResponder) | null;
  clock: Clock;
  logger: Logger;
  settings: PushRejectionSettings;
  /** First retry wait after a failed step; doubles per attempt. */
  retryBaseMs?: number;
  /** Cap on one retry wait. */
  retryMaxMs?: number;
  /** Whether this instance runs the timers now (its lease); absent: always. */
  isLeader?: () => boolean;
  /** Where the steps that act on STA are recorded (`playbook.<STEP>`, SYSTEM sta-playbook-timers); default: nowhere. */
  audit?: AuditLog;
}

/** The steps that change something in STA: each attempt is audited (begun before the call, completed after). */
const ACTING_STEPS: ReadonlySet<StaStepName> = new Set<StaStepName>(['ADD_TO_GROUP', 'REMOVE_FROM_GROUP', 'TERMINATE_SESSIONS']);
/** The job the steps run in: the audit trail's SYSTEM actor for them. */
const PLAYBOOK_JOB = 'sta-playbook-timers';

/** An alert read from the mailbox, with where and when it arrived. */
export interface IncomingStaAlert extends StaAlertMail {
  /** `folder/uidValidity/uid`. */
  source: string;
  receivedAt: string | null;
}

export class StaPlaybookRunner {
  readonly store: StaAlertStore;
  private readonly responder: StaPlaybookRunnerOptions['responder'];
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly settings: PushRejectionSettings;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly isLeader: () => boolean;
  private readonly audit: AuditLog;

  constructor(opts: StaPlaybookRunnerOptions) {
    this.isLeader = opts.isLeader ?? (() => true);
    this.audit = opts.audit ?? NO_AUDIT;
    this.store = opts.store;
    this.responder = opts.responder;
    this.clock = opts.clock;
    this.logger = opts.logger.child({ component: 'sta-playbooks' });
    this.settings = opts.settings;
    this.retryBaseMs = opts.retryBaseMs ?? 30_000;
    this.retryMaxMs = opts.retryMaxMs ?? 30 * 60_000;
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /**
   * Records an alert and its run in one durable write. The same email twice (same Message-ID) is one alert:
   * `created` is false and nothing else happens.
   */
  async recordAlert(mail: IncomingStaAlert): Promise<{ alert: StaAlert; created: boolean }> {
    const id = staAlertId(mail.messageId, mail.source);
    const existing = await this.store.get(id);
    if (existing) return { alert: existing, created: false };
    const now = this.iso();
    const alert: StaAlert = {
      id,
      kind: mail.kind,
      userName: mail.userName,
      instanceName: mail.instanceName,
      tenantName: mail.tenantName,
      subject: mail.subject,
      messageId: mail.messageId,
      sentAt: mail.sentAt,
      receivedAt: mail.receivedAt,
      recordedAt: now,
      unlockAt: mail.unlockAt,
      state: 'OPEN',
      closedAt: null,
      closeReason: null,
      closeNotes: null,
      problem: mail.userName ? null : 'The email names no user, so no playbook can run: handle it by hand.',
      source: mail.source,
      run: mail.userName ? newRun(id, mail.kind, this.settings, now) : null,
    };
    // Inserted only if absent: the same email read by two instances at once is still one alert.
    if (!(await this.store.save([{ alert, events: [{ type: 'RECORDED' }] }], now, { insert: true }))) {
      return { alert: (await this.store.get(id)) ?? alert, created: false };
    }
    this.logger.info({ alertId: id, kind: alert.kind, userName: alert.userName, playbook: alert.run?.playbook ?? null }, 'STA alert recorded');
    this.wake();
    return { alert, created: true };
  }

  /** Does every step that is due now. Resolves when done; safe to call at any time. */
  tick(): Promise<void> {
    return this.enqueue(() => this.runDue());
  }

  /**
   * Makes a failing step due now (a RETRYING run, or a FAILED one once STA is fixed), or resumes a cancelled
   * run where it stopped. Needs `respond`.
   */
  retry(alertId: string, by: string | null): Promise<StaAlert> {
    return this.enqueue(async () => {
      const alert = await this.alertWithRun(alertId);
      const run = alert.run;
      const now = this.iso();
      resumeForRetry(alert, run, now);
      run.state = 'RUNNING';
      run.dueAt = now;
      run.updatedAt = now;
      await this.store.save([{ alert, events: [{ type: 'RETRY_REQUESTED' }] }], now);
      this.logger.info({ alertId, by }, 'STA playbook run retry requested');
      this.wake();
      return alert;
    });
  }

  /**
   * Stops a run: its remaining steps are cancelled and the alert is closed. Needs `respond`. With
   * `removeUserFromGroup` (the reference's STA-PostProcessing on a manual close), a user this run parked in
   * the unusual-activity group is removed now, once, and the removal is recorded as the run's
   * REMOVE_FROM_GROUP step. If STA refuses the removal the cancel fails with its code and the run is left as
   * it was (still waiting to remove them at the end of the stay).
   */
  cancel(alertId: string, by: string | null, opts: { removeUserFromGroup?: boolean; triage?: StaTriageIntent } = {}): Promise<StaAlert> {
    return this.enqueue(async () => {
      const alert = await this.alertWithRun(alertId);
      const run = alert.run;
      if (TERMINAL_RUN_STATES.has(run.state)) throw badInput(`The run is already ${run.state}`, 'id');
      if (opts.removeUserFromGroup && run.playbook !== 'ADD_TO_UNUSUAL_ACTIVITY_GROUP') {
        throw badInput('removeUserFromGroup applies only to a push-rejection run (ADD_TO_UNUSUAL_ACTIVITY_GROUP)', 'removeUserFromGroup');
      }
      const parked = parksUser(run);
      const removeStep = run.steps.find((s) => s.name === 'REMOVE_FROM_GROUP');
      const events: StaAlertChange['events'] = [];
      let removed = false;
      if (opts.removeUserFromGroup && parked && removeStep) {
        const started = this.iso();
        try {
          await this.responderFor(alert).removeUserFromGroup(alert.userName ?? '', run.groupName ?? '');
        } catch (e) {
          this.logger.warn({ alertId, by, code: errorCodeOf(e) }, 'removing the user on cancel failed; the run is unchanged');
          throw e instanceof StepFailure ? new GatewayError(e.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'UPSTREAM_REJECTED', e.message) : e;
        }
        removeStep.attempts += 1;
        removeStep.startedAt = started;
        succeed(removeStep, this.iso());
        events.push({ type: 'STEP_SUCCEEDED', step: 'REMOVE_FROM_GROUP' });
        removed = true;
      }
      const now = this.iso();
      endRun(run, 'CANCELLED', now);
      closeAlert(alert, now, 'Cancelled', [
        `Playbook run cancelled by ${by ?? 'an analyst'}.`,
        removed
          ? `The user was removed from "${run.groupName}".`
          : // The reference's manual close without "remove the user": the user stays in the group.
            parked
            ? `The user was added to "${run.groupName}" and stays there until removed by hand.`
            : '',
      ].filter(Boolean).join(' '));
      await this.store.save([{ alert, events: [...events, { type: 'CANCELLED' }, { type: 'CLOSED' }] }], now, { triage: opts.triage });
      this.logger.info({ alertId, by, removedFromGroup: removed }, 'STA playbook run cancelled');
      return alert;
    });
  }

  /** Runs tick() whenever the next run is due (and at least every minute) until stop(). */
  start(): void {
    this.running = true;
    this.schedule(0);
  }

  /** Stops the timer and waits for the step in flight, if any. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.queue.catch(() => {});
  }

  /** Something became due now (a new alert, a retry, the timers' lease taken over): tick soon. */
  wake(): void {
    if (this.running) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      // Another instance holds the timers: look again at the next wake-up (at most a minute).
      if (!this.isLeader()) return this.schedule(MAX_SLEEP_MS);
      void this.tick()
        .catch((e: unknown) => this.logger.error({ err: e }, 'STA playbook tick failed'))
        .then(() => this.untilNextDue())
        .catch(() => MAX_SLEEP_MS)
        .then((ms) => this.schedule(ms));
    }, delayMs);
    this.timer.unref();
  }

  private async untilNextDue(): Promise<number> {
    const now = this.clock.now();
    const due = await this.store.rows.nextDueAt();
    const next = Math.min(now + MAX_SLEEP_MS, due ? Date.parse(due) : Infinity);
    return Math.max(0, next - now);
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => {});
    return p;
  }

  /** The STA the alert's steps act on: the one responder, or the instance its email names. */
  private responderFor(alert: StaAlert): StaResponder {
    if (!this.responder) throw notConfigured('The STA connector');
    return typeof this.responder === 'function' ? this.responder(alert.instanceName) : this.responder;
  }

  private async alertWithRun(alertId: string): Promise<StaAlert & { run: StaPlaybookRun }> {
    const alert = await this.store.get(alertId);
    if (!alert) throw notFound(`There is no STA alert ${alertId}`);
    if (!alert.run) throw badInput(`STA alert ${alertId} has no playbook run (${alert.problem ?? 'none was started'})`, 'id');
    return alert as StaAlert & { run: StaPlaybookRun };
  }

  private async runDue(): Promise<void> {
    const due = await this.store.rows.dueIds(this.iso());
    for (const id of due) {
      try {
        await this.advance(id);
      } catch (e) {
        // Another instance (or an analyst's retry/cancel elsewhere) changed the run first: it has the step.
        if (!(e instanceof StaleAlertError)) throw e;
        this.logger.info({ alertId: id }, 'STA playbook run changed elsewhere meanwhile: left to whoever changed it');
      }
    }
  }

  /** Walks one run forward until it waits, fails or ends. */
  private async advance(alertId: string): Promise<void> {
    for (;;) {
      const alert = await this.store.get(alertId);
      const run = alert?.run ?? null;
      if (!alert || !alert.userName || !isActive(run) || run.dueAt === null || Date.parse(run.dueAt) > this.clock.now()) return;
      const step = currentStep(run);
      const now = this.iso();
      if (!step || step.name === 'CLOSE_ALERT') {
        await this.complete(alert, run, step, now);
        return;
      }
      if (step.name === 'WAIT') {
        const until = step.nextAttemptAt ?? startWaiting(step, now, new Date(this.clock.now() + waitMs(run)).toISOString());
        if (Date.parse(until) > this.clock.now()) {
          // Subscribers learn of the run's new state from an event; a run already WAITING (a restart
          // re-reading it) publishes nothing new.
          const events: StaAlertChange['events'] = run.state === 'WAITING' ? [] : [{ type: 'WAITING', step: 'WAIT' }];
          run.state = 'WAITING';
          run.dueAt = until;
          run.updatedAt = now;
          await this.store.save([{ alert, events }], now);
          return;
        }
        succeed(step, now);
        run.updatedAt = now;
        await this.store.save([{ alert, events: [{ type: 'STEP_SUCCEEDED', step: 'WAIT' }] }], now);
        continue;
      }
      if (step.status === 'FAILED' && step.nextAttemptAt && Date.parse(step.nextAttemptAt) > this.clock.now()) {
        run.state = 'RETRYING';
        run.dueAt = step.nextAttemptAt;
        await this.store.save([{ alert, events: [] }], now);
        return;
      }
      await this.runStep(alert, run, step, now);
      if (run.state !== 'RUNNING') return;
    }
  }

  private async runStep(alert: StaAlert, run: StaPlaybookRun, step: StaPlaybookStep, now: string): Promise<void> {
    const changes: StaAlertChange[] = [];
    // The reference looks for the older active incident when it finds the user already in the group; taking
    // over at the membership check (whatever it finds) keeps one stay and one removal per user.
    if (step.name === 'CHECK_MEMBERSHIP' && step.attempts === 0) changes.push(...(await this.supersedeOlderRuns(alert, now)));
    step.status = 'RUNNING';
    step.attempts += 1;
    step.startedAt = now;
    step.nextAttemptAt = null;
    run.state = 'RUNNING';
    run.updatedAt = now;
    // Written before the call, and only if nobody changed the run since it was read: this write is the claim
    // on the step (of two instances racing, one gets StaleAlertError and leaves the step alone). After a
    // crash the step shows as started and is simply done again (the STA calls are idempotent).
    changes.push({ alert, events: [{ type: 'STEP_STARTED', step: step.name }] });
    await this.store.save(changes, now);

    const userName = alert.userName ?? '';
    const log = { alertId: alert.id, step: step.name, attempt: step.attempts, userName };
    const supersedesAnother = await this.store.rows.supersedesAnother(alert.id);
    const action = stepAction(step.name, run, { userName, supersedesAnother });
    let error: StaStepError | null = null;
    let outcome: StepOutcome = {};
    try {
      if (action && ACTING_STEPS.has(step.name)) {
        const start = {
          actor: systemActor(PLAYBOOK_JOB),
          action: `playbook.${step.name}`,
          target: `staUser:${userName}`,
          requestId: null,
          details: { alertId: alert.id, playbook: run.playbook, attempt: step.attempts, ...(run.groupName ? { group: run.groupName } : {}), ...(alert.instanceName ? { instance: alert.instanceName } : {}) },
        };
        outcome = await audited(this.audit, start, () => action(this.responderFor(alert)));
      } else {
        outcome = (await action?.(this.responderFor(alert))) ?? {};
      }
    } catch (e) {
      error = toStepError(e);
      if (!(e instanceof GatewayError || e instanceof StepFailure)) this.logger.error({ ...log, err: e }, 'unexpected error in an STA playbook step');
    }
    const done = this.iso();
    run.updatedAt = done;
    if (error) {
      step.status = 'FAILED';
      step.error = error;
      step.finishedAt = done;
      if (isPermanent(error)) {
        run.state = 'FAILED';
        run.dueAt = null;
        await this.store.save([{ alert, events: [{ type: 'STEP_FAILED', step: step.name }, { type: 'RUN_FAILED', step: step.name }] }], done);
        this.logger.warn({ ...log, code: error.code, detail: error.detail }, `STA playbook run failed, waiting for an analyst: ${error.message}`);
        return;
      }
      const wait = Math.min(this.retryBaseMs * 2 ** (step.attempts - 1), this.retryMaxMs);
      step.nextAttemptAt = new Date(this.clock.now() + wait).toISOString();
      run.state = 'RETRYING';
      run.dueAt = step.nextAttemptAt;
      await this.store.save([{ alert, events: [{ type: 'STEP_FAILED', step: step.name }] }], done);
      this.logger.warn({ ...log, code: error.code, retryAt: step.nextAttemptAt }, `STA playbook step failed, will retry: ${error.message}`);
      return;
    }
    succeed(step, done);
    const events: StaAlertChange['events'] = [{ type: 'STEP_SUCCEEDED', step: step.name }];
    for (const later of run.steps) {
      if (!outcome.skip?.includes(later.name) || later.status !== 'PENDING') continue;
      later.status = 'SKIPPED';
      later.finishedAt = done;
      events.push({ type: 'STEP_SKIPPED', step: later.name });
    }
    const next = currentStep(run);
    if (next?.name === 'WAIT' && !next.nextAttemptAt) {
      // Counted from the moment the user is in the group, as the reference sleeps right after adding (or,
      // taking over from an earlier run, right after finding them there); the lockout's pause after terminating.
      startWaiting(next, done, new Date(this.clock.now() + waitMs(run)).toISOString());
      // The run waits from this write on, so the WAITING event carries a WAITING run (not RUNNING until the
      // next pass of advance).
      run.state = 'WAITING';
      run.dueAt = next.nextAttemptAt;
      events.push({ type: 'WAITING', step: 'WAIT' });
    } else {
      run.dueAt = done;
    }
    await this.store.save([{ alert, events }], done);
    this.logger.info({ ...log, skipped: outcome.skip ?? [] }, 'STA playbook step succeeded');
  }

  /**
   * A push rejection for a user whose earlier push-rejection run is still active takes over from it, as the
   * reference closes the older incident as a duplicate and restarts the timer: one stay, one removal.
   */
  private async supersedeOlderRuns(alert: StaAlert, now: string): Promise<StaAlertChange[]> {
    const changes: StaAlertChange[] = [];
    if (!alert.userName) return changes;
    for (const other of await this.store.openRunsOf(alert.userName, 'PUSH_REJECTION')) {
      if (other.id === alert.id || !isOpen(other.run)) continue;
      if (other.recordedAt.localeCompare(alert.recordedAt) > 0) continue;
      endRun(other.run, 'SUPERSEDED', now);
      other.run.supersededBy = alert.id;
      closeAlert(other, now, 'Duplicate', `Duplicate alert. New alert ID - ${alert.id}`);
      changes.push({ alert: other, events: [{ type: 'SUPERSEDED' }, { type: 'CLOSED' }] });
      this.logger.info({ alertId: other.id, supersededBy: alert.id }, 'STA push-rejection run superseded by a newer alert for the same user');
    }
    return changes;
  }

  private async complete(alert: StaAlert, run: StaPlaybookRun, closeStep: StaPlaybookStep | undefined, now: string): Promise<void> {
    if (closeStep) {
      closeStep.attempts += 1;
      closeStep.startedAt = now;
      succeed(closeStep, now);
    }
    run.state = 'COMPLETED';
    run.finishedAt = run.updatedAt = now;
    run.dueAt = null;
    const text = closeText(run);
    closeAlert(alert, now, text.reason, text.notes);
    await this.store.save([{ alert, events: [...(closeStep ? [{ type: 'STEP_SUCCEEDED' as const, step: closeStep.name }] : []), { type: 'CLOSED' }] }], now);
    this.logger.info({ alertId: alert.id, playbook: run.playbook }, 'STA playbook run completed');
  }

}
