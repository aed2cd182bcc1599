// The STA alerts and their playbook runs, one record per alert in a DurableStore under SECGRAPH_DATA_DIR.
// A write is durable before its events are published, so a subscriber never sees a state a crash could undo.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { StaAlert, StaAlertEvent, StaAlertEventType, StaStepName } from '../domain/sta-alert.js';
import type { GatewayPubSub } from '../pubsub.js';
import { DurableStore } from '../store/durable-store.js';

export const STA_ALERTS_FILE = 'sta-alerts.jsonl';

/**
 * A stable id from the Message-ID (the same email seen twice, even after the mailbox was rebuilt with a new
 * UIDVALIDITY, is one alert), or from the mailbox position when the email has no Message-ID.
 */
export function staAlertId(messageId: string | null, source: string): string {
  const basis = messageId ? `message-id:${messageId}` : `source:${source}`;
  return `sta-${createHash('sha256').update(basis).digest('hex').slice(0, 20)}`;
}

export interface StaAlertChange {
  alert: StaAlert;
  events: Array<{ type: StaAlertEventType; step?: StaStepName | null }>;
}

export class StaAlertStore {
  private constructor(
    private readonly store: DurableStore<StaAlert>,
    private readonly pubsub: GatewayPubSub,
  ) {}

  static open(dataDir: string, pubsub: GatewayPubSub): StaAlertStore {
    return new StaAlertStore(DurableStore.open<StaAlert>(path.join(dataDir, STA_ALERTS_FILE)), pubsub);
  }

  has(id: string): boolean {
    return this.store.has(id);
  }

  /** A copy: callers change it and hand it back to save(). */
  get(id: string): StaAlert | undefined {
    const a = this.store.get(id);
    return a ? structuredClone(a) : undefined;
  }

  /** Every alert, newest first (copies). */
  list(): StaAlert[] {
    return this.newestFirst().map((a) => structuredClone(a));
  }

  /** Every alert, newest first, WITHOUT copying: for scans that only read. */
  newestFirst(): ReadonlyArray<Readonly<StaAlert>> {
    return [...this.store.values()].sort((a, b) => b.recordedAt.localeCompare(a.recordedAt) || b.id.localeCompare(a.id));
  }

  /** All changes in one durable write, then their events. */
  save(changes: StaAlertChange[], at: string): void {
    if (changes.length === 0) return;
    this.store.setMany(changes.map((c) => [c.alert.id, c.alert] as const));
    for (const c of changes) {
      // A snapshot: the caller goes on changing its alert object, and in-process subscribers resolve later.
      const snapshot = c.events.length ? structuredClone(c.alert) : c.alert;
      for (const e of c.events) {
        const event: StaAlertEvent = { type: e.type, alert: snapshot, step: e.step ?? null, at };
        this.pubsub.publish('sta-alert:event', event);
      }
    }
  }

  close(): void {
    this.store.close();
  }
}
