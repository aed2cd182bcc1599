// Prometheus metrics: one prom-client registry per gateway (several gateways can share a process in tests).
// Counted as they happen: upstream calls by upstream/operation/status with their latency, retries, breaker
// state, open subscriptions. Read at scrape time from the services: incident fetch lag and last success, STA
// playbook runs by state, SAML records and detections, in-memory cache bytes. yoga's Prometheus plugin adds
// the GraphQL phases (parse, validate, execute, HTTP duration) to the same registry and serves /metrics.
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Plugin } from 'graphql-yoga';
import { operationMetrics } from './operation-metrics.js';
import type { Clock } from '../clock.js';
import type { IncidentSync } from '../fetch/incident-sync.js';
import type { StaPlaybookRunner } from '../playbooks/sta-playbook-runner.js';
import type { SamlDetectionService } from '../detection/saml-detection-service.js';
import type { BreakerState, UpstreamObserver } from '../connectors/upstream-guard.js';
import { STA_RUN_STATES } from '../domain/sta-alert.js';
import type { AlertRows } from '../store/alerts.js';
import { alertStats } from '../triage/alert-stats.js';
import { DEFAULT_SAAS_INSTANCE } from '../domain/alert.js';
import type { DeliveryObserver, DeliveryResult } from '../destinations/worker.js';

export const METRICS_PATH = '/metrics';

/** What the scrape-time gauges read: the parts of the services they need, not the whole context (which
 * itself names GatewayMetrics). */
export interface MetricsSources {
  clock: Clock;
  incidentSync: Pick<IncidentSync, 'status'> | null;
  /** Every SaaS Security tenant's fetcher (the fetch gauges have one series per tenant). */
  saasInstances?: { list: ReadonlyArray<{ name: string; sync: Pick<IncidentSync, 'status'> }> } | null;
  staAlerts: { store: { rows: Pick<StaPlaybookRunner['store']['rows'], 'countByRunState'> } };
  samlDetection: Pick<SamlDetectionService, 'totals' | 'detectionCount'> | null;
  /** The triage queue (absent in harnesses that have none). */
  triage?: { rows: Pick<AlertRows, 'countByStatus' | 'statsRows'> };
  destinations?: { backlog(): Promise<Map<string, number>> } | null;
}

/** The triage-time quantiles are over the alerts created in this last stretch (a scrape reads them all). */
export const TRIAGE_METRICS_WINDOW_MS = 7 * 24 * 3_600_000;

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export class GatewayMetrics implements UpstreamObserver, DeliveryObserver {
  readonly registry = new Registry();
  private services: MetricsSources | null = null;
  /** Set by the cache factory owner: bytes held by the in-memory cache (null: Redis). */
  cacheBytes: () => number | null = () => null;

  private readonly upstreamRequests = new Counter({
    name: 'secgraph_upstream_requests_total',
    help: 'Upstream calls (retries included in one call) by upstream, operation and final status (ok, an HTTP status or an error code)',
    labelNames: ['upstream', 'operation', 'status'] as const,
    registers: [this.registry],
  });
  private readonly upstreamDuration = new Histogram({
    name: 'secgraph_upstream_request_duration_seconds',
    help: 'Upstream call latency, retries included',
    labelNames: ['upstream', 'operation'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'secgraph_upstream_retries_total',
    help: 'Upstream requests sent again after a 429, 5xx or network error',
    labelNames: ['upstream'] as const,
    registers: [this.registry],
  });
  private readonly breakerState = new Gauge({
    name: 'secgraph_upstream_breaker_state',
    help: 'Circuit breaker per upstream: 0 closed, 1 half-open, 2 open',
    labelNames: ['upstream'] as const,
    registers: [this.registry],
  });
  private readonly subscriptions = new Gauge({
    name: 'secgraph_subscriptions_open',
    help: 'GraphQL subscriptions being served now (WebSocket and SSE)',
    registers: [this.registry],
  });
  // Labelled by the destination's configured name only: never its URL or key.
  private readonly deliveries = new Counter({
    name: 'secgraph_destination_deliveries_total',
    help: 'Alert delivery attempts by destination and result (delivered, retrying, failed)',
    labelNames: ['destination', 'result'] as const,
    registers: [this.registry],
  });
  private readonly connectionsRefused = new Counter({
    name: 'secgraph_connections_refused_total',
    help: 'TCP connections destroyed on arrival: too many from one address (per_address) or too many from one address that have sent no request yet (pending_per_address)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  /** Request count, execute time and HTTP time for the Prometheus plugin, with cheaper labels (operation-metrics.ts). */
  private readonly operations = operationMetrics(this.registry);

  constructor() {
    const metrics = this;
    new Gauge({
      name: 'secgraph_incident_fetch_lag_seconds',
      help: 'Seconds since the last incident fetch run ended (NaN before the first), per SaaS Security tenant',
      labelNames: ['tenant'] as const,
      registers: [this.registry],
      async collect() {
        for (const { tenant, status } of await metrics.fetchStatuses()) {
          this.set({ tenant }, status.lastRunAt ? (metrics.now() - Date.parse(status.lastRunAt)) / 1000 : Number.NaN);
        }
      },
    });
    new Gauge({
      name: 'secgraph_incident_fetch_last_success_timestamp_seconds',
      help: 'When an incident fetch run last ended without error (Unix time; 0 if none yet), per SaaS Security tenant',
      labelNames: ['tenant'] as const,
      registers: [this.registry],
      async collect() {
        for (const { tenant, status } of await metrics.fetchStatuses()) {
          if (status.lastRunAt && !status.lastError) metrics.lastFetchSuccess.set(tenant, Date.parse(status.lastRunAt) / 1000);
          this.set({ tenant }, metrics.lastFetchSuccess.get(tenant) ?? 0);
        }
      },
    });
    new Gauge({
      name: 'secgraph_sta_playbook_runs',
      help: 'STA alert playbook runs by state',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const counts = Object.fromEntries(STA_RUN_STATES.map((s) => [s, 0])) as Record<string, number>;
        // Counted in SQL (GROUP BY over the run_state column), not by reading every alert.
        for (const [state, n] of Object.entries((await metrics.services?.staAlerts.store.rows.countByRunState()) ?? {})) counts[state] = n;
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'secgraph_saml_records_total',
      help: 'CloudTrail records ingested by SAML detection since start, by outcome',
      labelNames: ['outcome'] as const,
      registers: [this.registry],
      collect() {
        const totals = metrics.services?.samlDetection?.totals;
        if (!totals) return;
        this.set({ outcome: 'accepted' }, totals.accepted);
        this.set({ outcome: 'rejected' }, totals.rejected);
        this.set({ outcome: 'matched' }, totals.matched);
      },
    });
    new Gauge({
      name: 'secgraph_saml_detections',
      help: 'SAML detections (grouped alerts) held',
      registers: [this.registry],
      async collect() {
        this.set((await metrics.services?.samlDetection?.detectionCount()) ?? 0);
      },
    });
    new Gauge({
      name: 'secgraph_alerts',
      help: 'Alerts in the triage queue by source and status',
      labelNames: ['source', 'status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        // Counted in SQL (GROUP BY source, status).
        for (const c of (await metrics.services?.triage?.rows.countByStatus()) ?? []) this.set({ source: c.source, status: c.status }, c.n);
      },
    });
    const triageTimes = (name: string, help: string, pick: 'timeToTriage' | 'timeToResolve') =>
      new Gauge({
        name,
        help: `${help}, over the alerts created in the last 7 days (NaN when none)`,
        labelNames: ['quantile'] as const,
        registers: [this.registry],
        async collect() {
          const rows = metrics.services?.triage?.rows;
          if (!rows) return;
          const from = new Date(metrics.now() - TRIAGE_METRICS_WINDOW_MS).toISOString();
          const d = (await alertStats(rows, { from }))[pick];
          this.set({ quantile: '0.5' }, d.medianSeconds ?? Number.NaN);
          this.set({ quantile: '0.9' }, d.p90Seconds ?? Number.NaN);
        },
      });
    triageTimes('secgraph_alert_time_to_triage_seconds', 'Seconds from an alert\'s creation to its first move out of OPEN', 'timeToTriage');
    triageTimes('secgraph_alert_time_to_resolve_seconds', 'Seconds from an alert\'s creation to RESOLVED or CLOSED', 'timeToResolve');
    new Gauge({
      name: 'secgraph_destination_backlog',
      help: 'Alert deliveries waiting to be sent (pending or retrying) per destination',
      labelNames: ['destination'] as const,
      registers: [this.registry],
      async collect() {
        for (const [destination, n] of (await metrics.services?.destinations?.backlog()) ?? []) this.set({ destination }, n);
      },
    });
    new Gauge({
      name: 'secgraph_cache_memory_bytes',
      help: 'Bytes held by the in-memory cache (its own accounting; absent with Redis)',
      registers: [this.registry],
      collect() {
        const bytes = metrics.cacheBytes();
        if (bytes !== null) this.set(bytes);
      },
    });
  }

  /** By tenant: a failed run after a good one keeps the good one's time. */
  private readonly lastFetchSuccess = new Map<string, number>();

  /** Each tenant's fetch status (the "tenant" label is its instance name). */
  private async fetchStatuses(): Promise<Array<{ tenant: string; status: Awaited<ReturnType<IncidentSync['status']>> }>> {
    const services = this.services;
    if (!services) return [];
    const tenants = services.saasInstances?.list ?? (services.incidentSync ? [{ name: DEFAULT_SAAS_INSTANCE, sync: services.incidentSync }] : []);
    return Promise.all(tenants.map(async (t) => ({ tenant: t.name, status: await t.sync.status() })));
  }
  private now = () => Date.now();

  /** Gives the scrape-time gauges the services to read. */
  watch(services: MetricsSources): void {
    this.services = services;
    this.now = () => services.clock.now();
  }

  call(upstream: string, operation: string, status: string, seconds: number): void {
    this.upstreamRequests.inc({ upstream, operation, status });
    this.upstreamDuration.observe({ upstream, operation }, seconds);
  }

  delivery(destination: string, result: DeliveryResult): void {
    this.deliveries.inc({ destination, result });
  }

  connectionRefused(reason: 'per_address' | 'pending_per_address'): void {
    this.connectionsRefused.inc({ reason });
  }

  retry(upstream: string): void {
    this.retries.inc({ upstream });
  }

  breaker(upstream: string, state: BreakerState): void {
    this.breakerState.set({ upstream }, BREAKER_VALUE[state]);
  }

  /**
   * A subscription that joined a live shared execution without the envelop (shared-execution.ts joinLive):
   * counted as the plugins below count one that went through it (open now; a request once it ends, as the
   * Prometheus plugin counts subscriptions). Returns what to call when it ends.
   */
  subscriptionJoined(operationName: string | null | undefined): () => void {
    this.subscriptions.inc();
    return () => {
      this.subscriptions.dec();
      this.operations.graphql_envelop_request.counter.inc({ operationType: 'subscription', operationName: operationName || 'Anonymous' });
    };
  }

  /** yoga plugins: the Prometheus plugin on /metrics, and the open-subscriptions gauge. */
  plugins(): Array<Plugin<any>> {
    const subscriptions = this.subscriptions;
    return [
      usePrometheus({
        registry: this.registry,
        endpoint: METRICS_PATH,
        metrics: {
          // Off (they are on by default): the deprecated-field counter walks every request's document with
          // a TypeInfo even when its parse is cached, the summary keeps quantile sketches per observation,
          // and the context phase is not ours to tune; together about 3% of a cached read's CPU.
          graphql_envelop_deprecated_field: false,
          graphql_envelop_request_time_summary: false,
          graphql_envelop_phase_context: false,
          // Also off, each a histogram observation (labels hashed) on every operation, together about 6% of a
          // cached read: parse and validate, which the parser cache answers for every repeated document (their
          // failures are still counted by graphql_envelop_error_result), and the operation duration, which is
          // the execute or subscribe phase again.
          graphql_envelop_request_duration: false,
          graphql_envelop_phase_parse: false,
          graphql_envelop_phase_validate: false,
          graphql_envelop_phase_subscribe: true,
          graphql_envelop_error_result: true,
          ...this.operations,
        },
      }),
      {
        onSubscribe() {
          return {
            onSubscribeResult() {
              subscriptions.inc();
              let ended = false;
              return {
                onEnd() {
                  if (!ended) subscriptions.dec();
                  ended = true;
                },
              };
            },
          };
        },
      },
    ];
  }
}
