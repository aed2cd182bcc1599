// One entry of the audit trail as clients, the SIEM export and the pub/sub see it (src/audit/, src/store/audit-entries.ts).
import type { AuditOutcome } from '../audit/audit-log.js';
import type { Actor } from '../identity/actor.js';

export interface AuditEntry {
  /** The entry's place in the trail: increases with every action begun, the same on every instance. */
  id: number;
  /** The position of the entry's latest write (begin, then completion) in the audit stream: auditEvents' resume point. */
  sequence: number;
  /** When the action was begun (ISO-8601). */
  at: string;
  /** When it was completed; null while ATTEMPTED. */
  completedAt: string | null;
  actor: Actor;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  errorCode: string | null;
  requestId: string | null;
  /** The gateway instance that wrote it (Leases.instanceId). */
  instance: string;
  details: Record<string, unknown> | null;
}

/** What the audit stream publishes: an entry as one of its writes left it, `id` being that write's sequence. */
export interface AuditEvent {
  id: number;
  at: string;
  entry: AuditEntry;
}
