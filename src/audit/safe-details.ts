// An audit entry's details are "the arguments that matter, never a secret". Callers choose what they pass;
// this is the net under them: any key that names a credential is replaced, at any depth, and every string is
// scrubbed of the secrets the configuration holds (registerSecret in src/logger.ts), as log lines are.
import { scrub } from '../logger.js';

const SECRET_KEY = /secret|password|passwd|token|apikey|api_key|authorization|credential|private.?key|webhook|routing.?key/i;
export const REDACTED = '[REDACTED]';

function clean(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? String(value) : value;
  if (depth > 6) return '[…]';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k] = SECRET_KEY.test(k) ? REDACTED : clean(v, depth + 1);
  }
  return out;
}

/** `details` with credentials redacted and secrets scrubbed; null when there is nothing to keep. */
export function safeDetails(details: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (!details) return null;
  const out = clean(details, 0) as Record<string, unknown>;
  return Object.keys(out).length ? out : null;
}
