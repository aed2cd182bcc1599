// The audit log every action is recorded in: entries in the database (src/store/audit-entries.ts), each write
// published on `audit:event` for Subscription.auditEvents (and caught up from the table when the pub/sub
// between instances loses one, src/pubsub-catch-up.ts).
//
// begin() writes the ATTEMPTED entry and returns only once it is committed, so an action never reaches its
// upstream unrecorded; if the database cannot take the entry, begin throws and the action does not happen
// (fail closed). A completion that cannot be written is logged and leaves the entry ATTEMPTED — what the
// trail then says is true: the action was attempted and its outcome is not known to it.
import type { Clock } from '../clock.js';
import type { AuditEntry } from '../domain/audit-entry.js';
import type { Logger } from '../logger.js';
import type { GatewayPubSub } from '../pubsub.js';
import { auditEventOf, type AuditEntries } from '../store/audit-entries.js';
import type { AuditEntryHandle, AuditLog, AuditOutcome, AuditStart } from './audit-log.js';
import { safeDetails } from './safe-details.js';

export interface StoreAuditLogDeps {
  entries: AuditEntries;
  pubsub: GatewayPubSub;
  clock: Clock;
  logger: Logger;
  /** This gateway instance (Leases.instanceId), written on every entry. */
  instance: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class StoreAuditLog implements AuditLog {
  constructor(private readonly deps: StoreAuditLogDeps) {}

  get entries(): AuditEntries {
    return this.deps.entries;
  }

  async begin(start: AuditStart): Promise<AuditEntryHandle> {
    const entry = await this.append(start, 'ATTEMPTED', null);
    let done = false;
    const complete = async (outcome: Exclude<AuditOutcome, 'ATTEMPTED'>, errorCode: string | null, details?: Record<string, unknown>) => {
      // Completing is the one change an entry gets, once.
      if (done) return;
      done = true;
      try {
        const completed = await this.deps.entries.complete(entry.id, outcome, errorCode, iso(this.deps.clock.now()), safeDetails(details));
        if (completed) this.publish(completed);
      } catch (e) {
        this.deps.logger.error({ auditId: entry.id, action: start.action, outcome, err: e instanceof Error ? e.message : String(e) }, 'audit entry could not be completed; it stays ATTEMPTED');
      }
    };
    return {
      succeeded: (details) => complete('SUCCEEDED', null, details),
      failed: (errorCode, details) => complete('FAILED', errorCode, details),
    };
  }

  async record(start: AuditStart & { outcome: Exclude<AuditOutcome, 'ATTEMPTED'>; errorCode?: string | null }): Promise<void> {
    await this.append(start, start.outcome, start.errorCode ?? null);
  }

  private async append(start: AuditStart, outcome: AuditOutcome, errorCode: string | null): Promise<AuditEntry> {
    const entry = await this.deps.entries.append({
      at: iso(this.deps.clock.now()),
      actor: start.actor,
      action: start.action,
      target: start.target,
      requestId: start.requestId,
      instance: this.deps.instance,
      details: safeDetails(start.details),
      outcome,
      errorCode,
    });
    this.publish(entry);
    return entry;
  }

  private publish(entry: AuditEntry): void {
    // After the commit; a publish the pub/sub loses is caught up from the table by the other instances.
    this.deps.pubsub.publish('audit:event', auditEventOf(entry));
  }
}
