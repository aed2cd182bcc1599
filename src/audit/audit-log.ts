// The audit log's contract: what every room that acts records, and how. An action that reaches an upstream
// is begun (ATTEMPTED) before the call and completed after it, so a crash in between leaves an attempted
// entry, never a missing one; a failure is completed as FAILED with its error code, never dropped.
// The store-backed implementation lives beside this file; NO_AUDIT is for harnesses that do not look.
import type { Actor } from '../identity/actor.js';

export type AuditOutcome = 'ATTEMPTED' | 'SUCCEEDED' | 'FAILED';

export interface AuditStart {
  actor: Actor;
  /** The mutation's field name (`closeIncident`), `ingest.cloudtrail`, `playbook.<step>`, `lease.<job>`, `mcp.<tool>`, ... */
  action: string;
  /** `<kind>:<id>`: `incident:1042`, `staUser:alice`, `staGroup:Unusual Activity`, `alert:<alertId>`; null when none. */
  target: string | null;
  requestId: string | null;
  /** The arguments that matter. Never a secret. */
  details?: Record<string, unknown> | null;
}

export interface AuditEntryHandle {
  succeeded(details?: Record<string, unknown>): Promise<void>;
  failed(errorCode: string, details?: Record<string, unknown>): Promise<void>;
}

export interface AuditLog {
  /** Writes an ATTEMPTED entry now; the handle completes it. */
  begin(start: AuditStart): Promise<AuditEntryHandle>;
  /** Writes an already-finished action as one entry. */
  record(start: AuditStart & { outcome: Exclude<AuditOutcome, 'ATTEMPTED'>; errorCode?: string | null }): Promise<void>;
}

/**
 * Runs `act` between begin and completion: SUCCEEDED with its result, FAILED with the error's code (rethrown).
 * `failureOf` names the failure an answer reports without throwing (testDestination answers with a FAILED
 * delivery): the entry is then FAILED with that code and the answer is still returned.
 */
export async function audited<T>(
  log: AuditLog,
  start: AuditStart,
  act: () => Promise<T>,
  codeOf: (e: unknown) => string = defaultCode,
  failureOf: (result: T) => string | null = () => null,
): Promise<T> {
  const entry = await log.begin(start);
  let result: T;
  try {
    result = await act();
  } catch (e) {
    await entry.failed(codeOf(e));
    throw e;
  }
  const failure = failureOf(result);
  await (failure === null ? entry.succeeded() : entry.failed(failure));
  return result;
}

function defaultCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code ?? (e as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL';
}

const DONE: AuditEntryHandle = { succeeded: async () => {}, failed: async () => {} };
/** Records nothing (until the store-backed log is wired in, and for harnesses that do not look). */
export const NO_AUDIT: AuditLog = { begin: async () => DONE, record: async () => {} };
