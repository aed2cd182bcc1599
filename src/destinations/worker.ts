// Sends what the outbox holds. One queue per destination, each with its own concurrency and its own circuit
// breaker (cockatiel, as the connectors' UpstreamGuard): a destination that is down fails fast after a few
// attempts, claims nothing during the cool-down, then lets one delivery through to probe. The others are
// never held up by it: each queue claims only its own destination's rows.
//
// A queue claims only as many rows as it has free slots, just before sending them, so a process killed
// mid-backlog leaves at most its in-flight rows claimed; their claims expire and another instance (or this
// one restarted) sends them again, with the same delivery id. That is the only duplicate there can be.
//
// It wakes when an alert event is published (after the commit that wrote its deliveries, on any instance),
// when a retry falls due (a timer), and every SECGRAPH_DESTINATION_POLL besides.
import { BrokenCircuitError, circuitBreaker, CircuitState, ConsecutiveBreaker, handleType, type CircuitBreakerPolicy } from 'cockatiel';
import type { BreakerConfig, DestinationConfig } from '../config.js';
import { MAX_RETRY_GAP_MS } from '../config.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AttemptRecord, ClaimedDelivery, OutboxRows } from '../store/outbox.js';
import type { SendOutcome } from './outcome.js';
import type { Sender } from './sender.js';

export type DeliveryResult = 'delivered' | 'retrying' | 'failed';

/** What the metrics hear (src/observability/metrics.ts). */
export interface DeliveryObserver {
  delivery(destination: string, result: DeliveryResult): void;
}

class TransientFailure extends Error {
  constructor(readonly outcome: SendOutcome) {
    super(outcome.error ?? 'transient failure');
  }
}

/** The wait before attempt n+1 after n failed attempts: base doubling, at most MAX_RETRY_GAP_MS. */
export function backoffMs(base: number, attempts: number): number {
  return Math.min(MAX_RETRY_GAP_MS, base * 2 ** Math.max(0, attempts - 1));
}

export interface QueueDeps {
  outbox: OutboxRows;
  clock: Clock;
  logger: Logger;
  breaker: BreakerConfig;
  /** How long a claim lasts: longer than one attempt can take. */
  claimMs: number;
  observer?: DeliveryObserver;
}

export class DestinationQueue {
  private inFlight = new Set<Promise<void>>();
  private filling = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private openUntil = 0;
  readonly policy: CircuitBreakerPolicy;

  constructor(
    readonly config: DestinationConfig,
    private readonly sender: Sender,
    private readonly deps: QueueDeps,
  ) {
    this.policy = circuitBreaker(handleType(TransientFailure), { halfOpenAfter: deps.breaker.cooldownMs, breaker: new ConsecutiveBreaker(deps.breaker.consecutiveFailures) });
    this.policy.onBreak(() => {
      this.openUntil = this.deps.clock.now() + deps.breaker.cooldownMs;
      deps.logger.warn({ destination: config.name }, `destination ${config.name}: circuit breaker open, deliveries paused for a cool-down`);
      this.wakeAt(this.openUntil);
    });
    this.policy.onReset(() => deps.logger.info({ destination: config.name }, `destination ${config.name}: circuit breaker closed`));
  }

  get name(): string {
    return this.config.name;
  }

  /** Claims and starts as many due deliveries as there are free slots. */
  async fill(): Promise<void> {
    if (this.filling) {
      this.again = true;
      return;
    }
    this.filling = true;
    try {
      do {
        this.again = false;
        if (this.stopped) return;
        const state = this.policy.state;
        // Open: nothing is claimed until the cool-down is over; then one delivery probes (half-open).
        if (state === CircuitState.Open && this.deps.clock.now() < this.openUntil) return;
        const slots = (state === CircuitState.Closed ? this.config.concurrency : 1) - this.inFlight.size;
        if (slots <= 0) return;
        const claimed = await this.deps.outbox.claimDue(this.name, slots, this.deps.claimMs);
        for (const d of claimed) this.track(this.deliver(d));
        if (claimed.length < slots) void this.scheduleNextDue();
      } while (this.again);
    } catch (e) {
      this.deps.logger.warn({ destination: this.name, err: e instanceof Error ? e.message : String(e) }, 'destination queue: claiming deliveries failed; trying again at the next poll');
    } finally {
      this.filling = false;
    }
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => {
      this.inFlight.delete(p);
      if (!this.stopped) void this.fill();
    });
  }

  /** One attempt of one claimed delivery, and its outcome written back. */
  private async deliver(d: ClaimedDelivery): Promise<void> {
    const c = this.config;
    const now = this.deps.clock.now();
    try {
      if (now - d.createdMs > c.maxAgeMs || d.attempt >= c.maxAttempts) {
        const why = d.attempt >= c.maxAttempts ? `gave up after ${d.attempt} attempts` : 'gave up: older than maxAge';
        await this.finish(d, { status: 'FAILED', attempted: false, nextAtMs: now, responseStatus: null, response: null, error: why }, 'failed');
        return;
      }
      let outcome: SendOutcome;
      try {
        outcome = await this.policy.execute(async () => {
          const o = await this.sender.send(d.notice, { id: d.id, attempt: d.attempt + 1 });
          if (o.result === 'transient') throw new TransientFailure(o);
          return o;
        });
      } catch (e) {
        if (e instanceof BrokenCircuitError) {
          await this.deps.outbox.release([d.id]);
          return;
        }
        outcome = e instanceof TransientFailure ? e.outcome : { result: 'transient', status: null, excerpt: null, retryAfterMs: null, error: 'internal error while sending' };
        if (!(e instanceof TransientFailure)) this.deps.logger.error({ destination: this.name, err: e instanceof Error ? e.message : String(e) }, 'destination sender failed unexpectedly');
      }
      await this.record(d, outcome);
    } catch (e) {
      // The database write failed: the claim expires and the delivery is sent again (same id).
      this.deps.logger.warn({ destination: this.name, deliveryId: d.id, err: e instanceof Error ? e.message : String(e) }, 'could not record a delivery attempt');
    }
  }

  private async record(d: ClaimedDelivery, o: SendOutcome): Promise<void> {
    const c = this.config;
    const now = this.deps.clock.now();
    const attempts = d.attempt + 1;
    const base = { attempted: true, responseStatus: o.status, response: o.excerpt, error: o.error };
    if (o.result === 'delivered') return this.finish(d, { ...base, status: 'DELIVERED', nextAtMs: now }, 'delivered');
    if (o.result === 'permanent') return this.finish(d, { ...base, status: 'FAILED', nextAtMs: now }, 'failed');
    const next = now + (o.retryAfterMs ?? backoffMs(c.retryBaseDelayMs, attempts));
    if (attempts >= c.maxAttempts) return this.finish(d, { ...base, status: 'FAILED', nextAtMs: now, error: `${o.error ?? 'failed'}; gave up after ${attempts} attempts` }, 'failed');
    if (next - d.createdMs > c.maxAgeMs) return this.finish(d, { ...base, status: 'FAILED', nextAtMs: now, error: `${o.error ?? 'failed'}; gave up: the next attempt would pass maxAge` }, 'failed');
    await this.finish(d, { ...base, status: 'RETRYING', nextAtMs: next }, 'retrying');
    this.wakeAt(next);
  }

  private async finish(d: ClaimedDelivery, r: AttemptRecord, result: DeliveryResult): Promise<void> {
    const mine = await this.deps.outbox.record(d.id, r, this.deps.clock.now());
    const log = { destination: this.name, deliveryId: d.id, alertId: d.alertId, event: d.event, attempt: d.attempt + (r.attempted ? 1 : 0), status: r.responseStatus, error: r.error };
    if (!mine) {
      this.deps.logger.warn(log, 'a delivery outlived its claim (another instance may have sent it too, with the same idempotency key)');
      return;
    }
    this.deps.observer?.delivery(this.name, result);
    if (result === 'delivered') this.deps.logger.debug(log, 'alert delivered');
    else this.deps.logger.warn(log, result === 'retrying' ? 'alert delivery failed; will retry' : 'alert delivery failed for good');
  }

  /** Wakes the queue at `atMs` (the earliest of the times asked for). */
  wakeAt(atMs: number): void {
    if (this.stopped || atMs >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = atMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Number.POSITIVE_INFINITY;
      void this.fill();
    }, Math.max(0, atMs - this.deps.clock.now())).unref();
  }

  private async scheduleNextDue(): Promise<void> {
    const due = await this.deps.outbox.nextDue(this.name).catch(() => null);
    if (due !== null && due > this.deps.clock.now()) this.wakeAt(due);
  }

  /** Stops claiming and waits for the deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }
}
