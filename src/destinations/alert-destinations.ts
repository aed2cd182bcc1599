// The destinations room: which destination an alert event goes to (filters), the outbox writes that put it on
// their queues in the caller's transaction (enqueueAlertEvent), the worker queues that send, and what the
// schema shows and does (deliveries, destination summaries, redeliver, test).
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { BreakerConfig, DestinationConfig, DestinationFilters, DestinationsConfig } from '../config.js';
import type { Clock } from '../clock.js';
import { ALERT_SEVERITIES } from '../domain/alert.js';
import type { AlertDelivery, AlertNotice } from '../domain/alert-delivery.js';
import { notFound } from '../errors.js';
import { registerSecret, type Logger } from '../logger.js';
import type { GatewayPubSub, Topics } from '../pubsub.js';
import type { DestinationCounts, NewDelivery, OutboxRows } from '../store/outbox.js';
import type { Tables } from '../store/tables.js';
import { senderFor } from './senders.js';
import type { Sender } from './sender.js';
import { DestinationQueue, type DeliveryObserver } from './worker.js';

/** What Query.destinations shows: never the URL, routing key or password. */
export interface DestinationSummary extends DestinationCounts {
  name: string;
  type: string;
  filters: DestinationFilters;
  lastError: string | null;
  breaker: 'closed' | 'open' | 'half-open';
}

/** Topics published after the commits that write deliveries: each wakes the queues (on every instance). */
const WAKE_TOPICS: Array<keyof Topics> = ['incident:event', 'saml:detection', 'sta-alert:event', 'alert:update'];

export function matchesFilters(f: DestinationFilters, n: AlertNotice): boolean {
  if (n.event === 'TEST') return true;
  if (f.sources && !f.sources.includes(n.source)) return false;
  if (f.events && !f.events.includes(n.event)) return false;
  if (f.minSeverity && ALERT_SEVERITIES.indexOf(n.severity) < ALERT_SEVERITIES.indexOf(f.minSeverity)) return false;
  return true;
}

/** Every secret a destination holds, for the log scrubber (URLs carry their tokens in the path). */
function registerSecrets(d: DestinationConfig): void {
  if (d.type === 'email') {
    registerSecret(d.smtp.password);
    return;
  }
  registerSecret(d.url);
  registerSecret(d.url.replace(/\/$/, ''));
  if (d.type === 'webhook') registerSecret(d.secret);
  if (d.type === 'pagerduty') registerSecret(d.routingKey);
}

export interface AlertDestinationsOptions {
  config: DestinationsConfig;
  outbox: OutboxRows;
  clock: Clock;
  logger: Logger;
  breaker: BreakerConfig;
  /** A claim outlives an attempt: at least the lease period, and twice the destination's timeout. */
  leaseMs: number;
  observer?: DeliveryObserver;
  /** Senders by destination name instead of the configured types' (tests). */
  senders?: Map<string, Sender>;
}

export class AlertDestinations {
  private readonly queues = new Map<string, DestinationQueue>();
  private readonly senders = new Map<string, Sender>();
  private pollTimer: NodeJS.Timeout | null = null;
  private wakeQueued = false;
  private readonly subscriptions: Array<AsyncIterator<unknown>> = [];
  private started = false;

  constructor(private readonly opts: AlertDestinationsOptions) {
    for (const d of opts.config.list) {
      registerSecrets(d);
      const sender = opts.senders?.get(d.name) ?? senderFor(d, opts.config.publicUrl);
      this.senders.set(d.name, sender);
      const claimMs = Math.max(opts.leaseMs, d.timeoutMs * 2);
      this.queues.set(d.name, new DestinationQueue(d, sender, { outbox: opts.outbox, clock: opts.clock, logger: opts.logger.child({ job: 'destinations' }), breaker: opts.breaker, claimMs, observer: opts.observer }));
    }
  }

  get list(): readonly DestinationConfig[] {
    return this.opts.config.list;
  }

  private destination(name: string): DestinationConfig {
    const d = this.opts.config.list.find((x) => x.name === name);
    if (!d) throw notFound(`no destination is named "${name}" (SECGRAPH_CONFIG destinations)`);
    return d;
  }

  /**
   * Writes, inside `trx` (the transaction of the change that caused them), one delivery per destination whose
   * filters take each notice. The triage queue calls it with STATUS_CHANGED notices; the sources' event logs
   * call it through their append hooks. Returns how many deliveries it wrote. The queues wake when the
   * caller publishes its events after the commit (or at the next poll).
   */
  async enqueueAlertEvent(trx: Transaction<Tables> | Kysely<Tables>, notices: AlertNotice | readonly AlertNotice[]): Promise<number> {
    const list = Array.isArray(notices) ? (notices as readonly AlertNotice[]) : [notices as AlertNotice];
    if (this.opts.config.list.length === 0 || list.length === 0) return 0;
    const now = this.opts.clock.now();
    const rows: NewDelivery[] = [];
    for (const notice of list) {
      for (const d of this.opts.config.list) if (matchesFilters(d.filters, notice)) rows.push({ id: randomUUID(), destination: d.name, notice, createdMs: now });
    }
    await this.opts.outbox.enqueue(trx, rows);
    return rows.length;
  }

  /** Starts the queues: woken by alert events on the pub/sub, by retries falling due and by the poll. */
  start(pubsub: GatewayPubSub): void {
    if (this.queues.size === 0 || this.started) return;
    this.started = true;
    for (const topic of WAKE_TOPICS) {
      const it = pubsub.subscribe(topic)[Symbol.asyncIterator]();
      this.subscriptions.push(it);
      void (async () => {
        try {
          for (;;) {
            const r = await it.next();
            if (r.done) return;
            this.wake();
          }
        } catch {
          // The subscription ended (shutdown): the poll still runs until stop().
        }
      })();
    }
    const poll = () => {
      this.wake();
      this.pollTimer = setTimeout(poll, this.opts.config.pollMs).unref();
    };
    poll();
  }

  /** Has every queue look for due deliveries (coalesced: many events in a burst make one look). */
  wake(): void {
    if (this.wakeQueued || !this.started) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      for (const q of this.queues.values()) void q.fill();
    });
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    for (const it of this.subscriptions) await it.return?.().catch(() => {});
    await Promise.all([...this.queues.values()].map((q) => q.stop()));
    for (const s of this.senders.values()) await s.close?.().catch(() => {});
  }

  /** Every delivery of each alert, oldest first. */
  deliveriesOf(alertIds: readonly string[]): Promise<Map<string, AlertDelivery[]>> {
    return this.opts.outbox.forAlerts(alertIds);
  }

  async summaries(): Promise<DestinationSummary[]> {
    const counts = await this.opts.outbox.counts();
    return Promise.all(
      this.opts.config.list.map(async (d) => ({
        name: d.name,
        type: d.type,
        filters: d.filters,
        ...(counts.get(d.name) ?? { delivered: 0, failed: 0, pending: 0 }),
        lastError: await this.opts.outbox.lastError(d.name),
        breaker: breakerState(this.queues.get(d.name)!),
      })),
    );
  }

  /** Backlog (pending and retrying deliveries) per destination, for the metrics gauge. */
  async backlog(): Promise<Map<string, number>> {
    const counts = await this.opts.outbox.counts();
    return new Map(this.opts.config.list.map((d) => [d.name, counts.get(d.name)?.pending ?? 0]));
  }

  /**
   * Sends an alert to a destination again, as a new delivery (a new idempotency key: it is a deliberate
   * re-send), whatever the destination's filters say. The alert as its latest delivery carried it.
   */
  async redeliver(alertId: string, destination: string): Promise<AlertDelivery> {
    this.destination(destination);
    const notice = (await this.opts.outbox.latestNotice(alertId, destination)) ?? (await this.opts.outbox.anyNotice(alertId));
    if (!notice) throw notFound(`alert ${alertId} has never been delivered anywhere: there is nothing to send again`);
    return this.enqueueOne(destination, notice);
  }

  /** Sends a test message to a destination and waits (up to its timeout) for the first attempt. */
  async test(name: string): Promise<AlertDelivery> {
    const d = this.destination(name);
    const now = new Date(this.opts.clock.now()).toISOString();
    const notice: AlertNotice = {
      alertId: 'test:secgraph',
      source: 'SAML_DETECTION',
      event: 'TEST',
      severity: 'INFO',
      title: `secgraph test message for destination ${name}`,
      description: 'A test of this destination sent by testDestination. No alert was raised.',
      detectionId: 'secgraph.test',
      type: 'TEST',
      createdAt: now,
      at: now,
      status: null,
      assignee: null,
      actor: null,
      runbook: null,
      tags: ['test'],
      context: {},
      ownerEmail: null,
      consolePath: '#/status',
    };
    const queued = await this.enqueueOne(name, notice);
    // The first attempt decides what the caller sees; a later retry shows on Query.destinations.
    const until = Date.now() + d.timeoutMs + 2_000;
    for (;;) {
      const current = await this.opts.outbox.get(queued.id);
      if (!current || current.attempt > 0 || current.status === 'FAILED' || Date.now() > until) return current ?? queued;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private async enqueueOne(destination: string, notice: AlertNotice): Promise<AlertDelivery> {
    const id = randomUUID();
    await this.opts.outbox.enqueue(null, [{ id, destination, notice, createdMs: this.opts.clock.now() }]);
    this.queues.get(destination)?.wakeAt(0);
    return (await this.opts.outbox.get(id))!;
  }
}

function breakerState(q: DestinationQueue): DestinationSummary['breaker'] {
  const s = q.policy.state;
  return s === 0 ? 'closed' : s === 2 ? 'half-open' : 'open';
}
