// Every call a connector makes to its upstream goes through one UpstreamGuard: a circuit breaker (cockatiel)
// that, after consecutive UPSTREAM_UNAVAILABLE failures, fails calls fast for a cool-down and then lets one
// probe through (half-open); the request's deadline (request-scope), past which the call ends with
// UPSTREAM_TIMEOUT and got's signal aborts the socket and any retry; one log line per failure; and metrics.
import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { BrokenCircuitError, circuitBreaker, CircuitState, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import type { BreakerConfig } from '../config.js';
import { GatewayError, isGatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { currentScope } from '../request-scope.js';
import { toGatewayError } from './upstream-error.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What the metrics want to hear about upstream calls (see src/observability/metrics.ts). */
export interface UpstreamObserver {
  call(upstream: string, operation: string, status: string, seconds: number): void;
  retry(upstream: string): void;
  breaker(upstream: string, state: BreakerState): void;
}

const DEFAULT_BREAKER: BreakerConfig = { consecutiveFailures: 5, cooldownMs: 30_000 };

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/** Failures that say the upstream is down (not the client's mistake, not a refusal): they trip the breaker. */
const tripsBreaker = (e: unknown) => isGatewayError(e) && (e.code === 'UPSTREAM_UNAVAILABLE' || e.code === 'UPSTREAM_TIMEOUT');

export class UpstreamGuard {
  private readonly policy: CircuitBreakerPolicy;

  constructor(
    readonly upstream: string,
    private readonly logger: Logger,
    breaker: BreakerConfig = DEFAULT_BREAKER,
    private readonly observer?: UpstreamObserver,
  ) {
    this.policy = circuitBreaker(handleWhen(tripsBreaker), {
      halfOpenAfter: breaker.cooldownMs,
      breaker: new ConsecutiveBreaker(breaker.consecutiveFailures),
    });
    this.policy.onStateChange((s) => {
      const state = STATE_NAMES[s];
      (state === 'open' ? logger.warn : logger.info).call(logger, { upstream, breaker: state }, `${upstream}: circuit breaker ${state}`);
      observer?.breaker(upstream, state);
    });
    observer?.breaker(upstream, 'closed');
  }

  get state(): BreakerState {
    return STATE_NAMES[this.policy.state];
  }

  /**
   * Runs one upstream call; on failure logs one line (no bodies, no headers) and throws the typed error.
   * Traced as one client span (a no-op unless OTEL_EXPORTER_OTLP_ENDPOINT registered a provider).
   */
  call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const requestId = currentScope()?.requestId;
    return trace.getTracer('secgraph').startActiveSpan(
      `${this.upstream} ${operation}`,
      { kind: SpanKind.CLIENT, attributes: { 'secgraph.upstream': this.upstream, 'secgraph.operation': operation, ...(requestId ? { 'secgraph.request_id': requestId } : {}) } },
      (span) => this.traced(span, operation, fn),
    );
  }

  private async traced<T>(span: Span, operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      const result = await this.run(operation, fn);
      span.setStatus({ code: SpanStatusCode.OK });
      return result;
    } catch (error) {
      span.setAttribute('secgraph.error_code', isGatewayError(error) ? error.code : 'INTERNAL');
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  private async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const deadline = currentScope()?.deadline;
    try {
      const result = await this.withDeadline(deadline, () =>
        this.policy.execute(async () => {
          try {
            return await fn();
          } catch (error) {
            throw deadline?.aborted ? this.timeout() : toGatewayError(this.upstream, error);
          }
        }),
      );
      this.observer?.call(this.upstream, operation, 'ok', (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      const typed =
        error instanceof BrokenCircuitError
          ? new GatewayError('UPSTREAM_UNAVAILABLE', `${this.upstream} is failing: calls are paused for a cool-down (circuit breaker open)`, { upstream: this.upstream })
          : toGatewayError(this.upstream, error);
      const status = String(typed.extensions['upstreamStatus'] ?? typed.code);
      this.observer?.call(this.upstream, operation, status, (performance.now() - started) / 1000);
      const level = typed.code === 'NOT_FOUND' ? 'debug' : 'warn';
      this.logger[level]({ upstream: this.upstream, operation, code: typed.code, status: typed.extensions['upstreamStatus'] }, typed.message);
      throw typed;
    }
  }

  private timeout(): GatewayError {
    return new GatewayError('UPSTREAM_TIMEOUT', `${this.upstream} did not answer within the request deadline (SECGRAPH_REQUEST_DEADLINE_MS)`, { upstream: this.upstream });
  }

  /** Ends at the deadline even if the call (a backoff wait, a stuck socket) would go on. */
  private async withDeadline<T>(deadline: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    if (!deadline) return fn();
    if (deadline.aborted) throw this.timeout();
    let onAbort: () => void = () => {};
    const expired = new Promise<never>((_, reject) => {
      onAbort = () => reject(this.timeout());
      deadline.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([fn(), expired]);
    } finally {
      deadline.removeEventListener('abort', onAbort);
    }
  }
}
