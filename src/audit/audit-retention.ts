// SECGRAPH_AUDIT_RETENTION: drops audit entries begun longer ago than the period. One instance prunes (the
// holder of the `audit-retention` lease, src/store/leases.ts): when it takes the lease, then periodically.
// Pruning is the only way an entry leaves the trail.
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AuditEntries } from '../store/audit-entries.js';

/** How often the lease holder prunes: a 24th of the period, between a minute and an hour. */
export const pruneIntervalMs = (retentionMs: number) => Math.min(3_600_000, Math.max(60_000, Math.floor(retentionMs / 24)));

export class AuditRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly entries: AuditEntries,
    private readonly retentionMs: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Prunes now, then every interval (called when this instance takes the lease). */
  start(): void {
    this.stopTimer();
    void this.prune();
    this.timer = setInterval(() => void this.prune(), pruneIntervalMs(this.retentionMs));
    this.timer.unref();
  }

  /** Stops pruning (the lease went elsewhere, or the gateway is closing). */
  async stop(): Promise<void> {
    this.stopTimer();
    await this.running;
  }

  /** One pruning pass; returns how many entries it dropped. */
  prune(): Promise<void> {
    this.running = this.running.then(async () => {
      try {
        const pruned = await this.entries.pruneBefore(new Date(this.clock.now() - this.retentionMs).toISOString());
        if (pruned) this.logger.info({ pruned }, 'pruned audit entries older than SECGRAPH_AUDIT_RETENTION');
      } catch (e) {
        this.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'pruning old audit entries failed; retrying at the next interval');
      }
    });
    return this.running;
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
