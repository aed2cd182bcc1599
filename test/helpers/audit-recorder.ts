// An AuditLog that keeps its entries in memory, for tests asserting what was audited.
import type { AuditEntryHandle, AuditLog, AuditStart } from '../../src/audit/audit-log.js';

export interface RecordedAudit extends AuditStart {
  outcome: 'ATTEMPTED' | 'SUCCEEDED' | 'FAILED';
  errorCode: string | null;
}

export class AuditRecorder implements AuditLog {
  readonly entries: RecordedAudit[] = [];

  async begin(start: AuditStart): Promise<AuditEntryHandle> {
    const entry: RecordedAudit = { ...start, outcome: 'ATTEMPTED', errorCode: null };
    this.entries.push(entry);
    return {
      succeeded: async () => void (entry.outcome = 'SUCCEEDED'),
      failed: async (code) => void Object.assign(entry, { outcome: 'FAILED', errorCode: code }),
    };
  }

  async record(start: AuditStart & { outcome: 'SUCCEEDED' | 'FAILED'; errorCode?: string | null }): Promise<void> {
    this.entries.push({ ...start, errorCode: start.errorCode ?? null });
  }

  of(action: string): RecordedAudit[] {
    return this.entries.filter((e) => e.action === action);
  }
}
