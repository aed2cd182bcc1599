// The background job: every interval, one fetch run then one incoming-mirror run, sharing their delta requests
// where they ask for the same page (shared-poll.ts). Runs never overlap (a call while one is running joins
// it); a failed run is recorded and retried. When the upstream is rate limiting or failing (429, 5xx), the
// wait doubles after each such run up to MAX_BACKOFF_FACTOR intervals (at least any Retry-After), and is back
// to the interval after the first good run. Tests drive it with runOnce() and a ManualClock instead of
// waiting for the timer.
import { errorCodeOf, isGatewayError } from '../errors.js';
import { iso } from './delta-cursor.js';
import { currentState, fetchIncidents, type SyncDeps } from './incident-fetcher.js';
import { mirrorIncoming } from './incoming-mirror.js';
import { sharedPollSource } from './shared-poll.js';

/** The longest wait after repeated 429/5xx runs, in intervals. */
export const MAX_BACKOFF_FACTOR = 16;
const BACKOFF_CODES = new Set(['UPSTREAM_RATE_LIMITED', 'UPSTREAM_UNAVAILABLE']);

export interface FetchStatus {
  enabled: boolean;
  running: boolean;
  intervalMs: number;
  lastRunAt: string | null;
  /** From the store: survives restarts. */
  cursor: string;
  mirrorCursor: string;
  fetchedTotal: number;
  storedIncidents: number;
  lastRunFetched: number;
  lastRunMirrored: number;
  lastError: string | null;
  nextRunAt: string | null;
}

export interface RunSummary {
  fetched: number;
  mirrored: number;
  error: string | null;
}

export class IncidentSync {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<RunSummary> | null = null;
  private stopped = false;
  private nextRunAt: number | null = null;
  private last: RunSummary = { fetched: 0, mirrored: 0, error: null };
  /** The wait before the next run: the interval, or longer while the upstream pushes back. */
  private delayMs: number;
  private retryAfterMs = 0;

  constructor(readonly deps: SyncDeps) {
    this.delayMs = deps.config.intervalMs;
  }

  /** The wait the scheduler uses after the last run (the interval unless backing off). */
  get currentDelayMs(): number {
    return this.delayMs;
  }

  get store() {
    return this.deps.store;
  }

  /** Runs at once, then every interval (each run only while this instance holds the job's lease). */
  start(): void {
    if (!this.deps.config.enabled || this.stopped) return;
    this.schedule(0);
  }

  /** This instance just took the job over: run now rather than at the next interval. */
  kick(): void {
    if (!this.deps.config.enabled || this.stopped || this.current) return;
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  /** One fetch + mirror run, or the one already under way. */
  runOnce(): Promise<RunSummary> {
    this.current ??= this.run().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.nextRunAt = null;
    await this.current?.catch(() => undefined);
    this.deps.store.close();
  }

  async status(): Promise<FetchStatus> {
    const state = await currentState(this.deps);
    return {
      enabled: this.deps.config.enabled,
      running: this.current !== null,
      intervalMs: this.deps.config.intervalMs,
      lastRunAt: state.lastRunAt,
      cursor: state.cursor,
      mirrorCursor: state.mirrorCursor,
      fetchedTotal: state.fetchedTotal,
      storedIncidents: await this.deps.store.size(),
      lastRunFetched: this.last.fetched,
      lastRunMirrored: this.last.mirrored,
      lastError: state.lastError,
      nextRunAt: this.nextRunAt === null ? null : iso(this.nextRunAt),
    };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.nextRunAt = this.deps.clock.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.deps.isLeader && !this.deps.isLeader()) return this.schedule(this.deps.config.intervalMs);
      // A run that ends in an error its own catch cannot take (the lease lost before the status commit, the
      // database gone at shutdown) is logged; the schedule goes on either way, and the next run retries.
      void this.runOnce()
        .catch((e: unknown) => this.deps.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'incident fetch run ended early; the next run retries'))
        .finally(() => this.schedule(this.delayMs));
    }, delayMs);
    this.timer.unref();
  }

  private backOff(pushedBack: boolean): void {
    const interval = this.deps.config.intervalMs;
    this.delayMs = pushedBack ? Math.max(Math.min(this.delayMs * 2, interval * MAX_BACKOFF_FACTOR), this.retryAfterMs, interval) : interval;
  }

  private async run(): Promise<RunSummary> {
    const { logger, store, clock } = this.deps;
    const summary: RunSummary = { fetched: 0, mirrored: 0, error: null };
    const deps = { ...this.deps, source: sharedPollSource(this.deps.source) };
    let code: string | null = null;
    this.retryAfterMs = 0;
    try {
      summary.fetched = (await fetchIncidents(deps)).fetched;
      summary.mirrored = (await mirrorIncoming(deps)).mirrored;
    } catch (error) {
      code = errorCodeOf(error) ?? null;
      summary.error = `${code ? `${code}: ` : ''}${error instanceof Error ? error.message : String(error)}`;
      const retryAfter = isGatewayError(error) ? Number(error.extensions['retryAfter']) : NaN;
      this.retryAfterMs = Number.isFinite(retryAfter) ? retryAfter * 1000 : 0;
    }
    this.backOff(code !== null && BACKOFF_CODES.has(code));
    if (summary.error) logger.warn({ code, nextRunInMs: this.delayMs, err: code ? undefined : summary.error }, 'incident fetch run failed; retrying later');
    if (!this.stopped) {
      // Fenced like every fetch-state write: an instance that lost the job's lease mid-run (LeaseLostError)
      // records nothing, its successor records its own runs. Never a rejection: the timer's run has no caller,
      // and an unhandled rejection would end the process.
      try {
        await store.commit([], { ...(await currentState(this.deps)), lastRunAt: iso(clock.now()), lastError: summary.error });
      } catch (e) {
        logger.warn({ err: e instanceof Error ? e.message : String(e) }, "the fetch run's outcome was not recorded");
      }
    }
    const retention = this.deps.config.retentionMs;
    if (retention !== null && !this.stopped) {
      // Through the indexes on fetched_at and the events' at: cheap enough to do after every run.
      const pruned = await store.pruneBefore(iso(clock.now() - retention)).catch((e: unknown) => {
        logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'pruning old incidents failed; retrying after the next run');
        return { incidents: 0, events: 0 };
      });
      if (pruned.incidents || pruned.events) logger.info(pruned, 'pruned incident records and events older than SECGRAPH_INCIDENT_RETENTION');
    }
    if (summary.fetched || summary.mirrored) logger.info({ fetched: summary.fetched, mirrored: summary.mirrored }, 'incident fetch run');
    this.last = summary;
    return summary;
  }
}
