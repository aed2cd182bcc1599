// Subscription.remediationUpdates: the reference's "Remediate an Asset" playbook polls the status until it is
// terminal (GenericPolling, 1 min interval, 10 min timeout). Here one poller per asset and remediation type
// polls the upstream every `pollMs` however many clients watch it, and fans each status change out to them.
// Each subscriber gets the current status first, then every change; its subscription completes after a
// terminal status, or ends with a TIMEOUT error `timeoutMs` after it subscribed. The poller stops when its
// last subscriber leaves. A transient upstream failure (unavailable, rate limited) is logged and retried at
// the next poll; any other failure ends the subscriptions with its code.
import type { Remediation, RemediationType } from '../domain/saas-security.js';
import { errorCodeOf, GatewayError, notFound } from '../errors.js';
import type { Logger } from '../logger.js';
import { SubscriptionFailure } from './bounded-subscription.js';

export interface RemediationSource {
  getRemediationStatus(assetId: string, type: RemediationType): Promise<Remediation | null>;
}

export interface RemediationUpdatesOptions {
  pollMs: number;
  timeoutMs: number;
  logger: Logger;
}

/** Statuses that mean "not finished yet"; anything else (success, failed, …) is terminal. */
const IN_PROGRESS = new Set(['pending', 'in progress', 'in_progress', 'queued', 'running']);
export const isTerminalRemediation = (r: Remediation): boolean => !IN_PROGRESS.has(r.status.trim().toLowerCase());

const TRANSIENT = new Set(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_RATE_LIMITED']);

const sameStatus = (a: Remediation, b: Remediation) =>
  a.status === b.status && a.actionTaker === b.actionTaker && (a.actionDate?.getTime() ?? null) === (b.actionDate?.getTime() ?? null);

type Item = Remediation | SubscriptionFailure;

/** One client's stream: values pushed by the poller, pulled by the transport. */
class Subscriber implements AsyncIterableIterator<Item> {
  private readonly queue: Item[] = [];
  private done = false;
  private wake: (() => void) | null = null;
  deadline: NodeJS.Timeout | null = null;

  constructor(private readonly onLeave: (s: Subscriber) => void) {}

  push(item: Item, last = false): void {
    if (this.done) return;
    this.queue.push(item);
    if (last) this.finish();
    this.notify();
  }

  finish(): void {
    this.done = true;
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    this.notify();
  }

  async next(): Promise<IteratorResult<Item>> {
    for (;;) {
      if (this.queue.length) return { done: false, value: this.queue.shift()! };
      if (this.done) return { done: true, value: undefined };
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async return(): Promise<IteratorResult<Item>> {
    this.queue.length = 0;
    this.finish();
    this.onLeave(this);
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private notify(): void {
    this.wake?.();
    this.wake = null;
  }
}

class Poller {
  readonly subscribers = new Set<Subscriber>();
  private last: Remediation | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly source: RemediationSource,
    private readonly assetId: string,
    private readonly type: RemediationType,
    private readonly opts: RemediationUpdatesOptions,
    private readonly onIdle: () => void,
  ) {}

  add(s: Subscriber): void {
    this.subscribers.add(s);
    if (this.last) s.push(this.last);
    if (this.subscribers.size === 1 && !this.timer) void this.poll();
  }

  remove(s: Subscriber): void {
    this.subscribers.delete(s);
    if (this.subscribers.size === 0) this.stop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.onIdle();
  }

  private endAll(item: Item | null): void {
    for (const s of this.subscribers) {
      if (item) s.push(item, true);
      else s.finish();
    }
    this.subscribers.clear();
    this.stop();
  }

  private async poll(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    let status: Remediation | null;
    try {
      status = await this.source.getRemediationStatus(this.assetId, this.type);
    } catch (error) {
      if (this.stopped) return;
      const code = errorCodeOf(error);
      if (code && TRANSIENT.has(code)) {
        this.opts.logger.warn({ assetId: this.assetId, type: this.type, code }, 'remediation status poll failed; retrying at the next poll');
        return this.schedule();
      }
      return this.endAll(new SubscriptionFailure(error instanceof Error ? error : new Error(String(error))));
    }
    if (this.stopped) return;
    if (!status) return this.endAll(new SubscriptionFailure(notFound(`SaaS Security has no ${this.type} remediation for asset ${this.assetId}`)));
    if (!this.last || !sameStatus(this.last, status)) {
      this.last = status;
      for (const s of this.subscribers) s.push(status);
    }
    if (isTerminalRemediation(status)) return this.endAll(null);
    this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.poll(), this.opts.pollMs);
    this.timer.unref();
  }
}

export class RemediationUpdates {
  private readonly pollers = new Map<string, Poller>();

  constructor(
    private readonly source: RemediationSource,
    private readonly opts: RemediationUpdatesOptions,
  ) {}

  /** How many assets are being polled now (for tests and status). */
  get activePolls(): number {
    return this.pollers.size;
  }

  watch(assetId: string, type: RemediationType): AsyncIterableIterator<Item> {
    const key = `${type}:${assetId}`;
    let poller = this.pollers.get(key);
    if (!poller) {
      const created: Poller = new Poller(this.source, assetId, type, this.opts, () => {
        if (this.pollers.get(key) === created) this.pollers.delete(key);
      });
      this.pollers.set(key, created);
      poller = created;
    }
    const owner = poller;
    const sub = new Subscriber((s) => owner.remove(s));
    sub.deadline = setTimeout(() => {
      const minutes = Math.round(this.opts.timeoutMs / 6_000) / 10;
      sub.push(
        new SubscriptionFailure(
          new GatewayError('TIMEOUT', `the ${type} remediation of asset ${assetId} did not finish within ${minutes} min; it may still finish: query remediationStatus`),
        ),
        true,
      );
      owner.remove(sub);
    }, this.opts.timeoutMs);
    sub.deadline.unref();
    owner.add(sub);
    return sub;
  }

  stop(): void {
    for (const p of [...this.pollers.values()]) p.stop();
  }
}
