// What one attempt came to, and how an HTTP answer is read: 2xx delivered; 408, 429 and 5xx (and network
// errors, timeouts) transient, to be retried, 429's Retry-After honoured; any other status permanent
// (the receiver refused this message: sending it again would be refused again).
import { scrub } from '../logger.js';

export interface SendOutcome {
  result: 'delivered' | 'transient' | 'permanent';
  /** The HTTP status (or SMTP reply code), when there was an answer. */
  status: number | null;
  /** A short excerpt of the answer, scrubbed of secrets. */
  excerpt: string | null;
  /** The receiver's Retry-After, ms. */
  retryAfterMs: number | null;
  /** Why it failed, in words (no URL, no secret). */
  error: string | null;
}

const EXCERPT_CHARS = 300;

export const excerptOf = (text: string | null | undefined): string | null => {
  if (!text) return null;
  const t = scrub(text.replace(/\s+/g, ' ').trim());
  return t.length > EXCERPT_CHARS ? `${t.slice(0, EXCERPT_CHARS)}…` : t || null;
};

/** Retry-After as seconds or an HTTP date, in ms from `nowMs`; null when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, nowMs: number): number | null {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return null;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

export function httpOutcome(status: number, body: string, retryAfter: number | null): SendOutcome {
  const excerpt = excerptOf(body);
  if (status >= 200 && status < 300) return { result: 'delivered', status, excerpt, retryAfterMs: null, error: null };
  const transient = status === 408 || status === 429 || status >= 500;
  return { result: transient ? 'transient' : 'permanent', status, excerpt, retryAfterMs: status === 429 || status === 503 ? retryAfter : null, error: `HTTP ${status}` };
}

/** A failure before any answer: retried (the receiver may never have seen it, or may have: same idempotency key). */
export function networkOutcome(e: unknown): SendOutcome {
  const code = (e as { code?: unknown }).code;
  const name = (e as { name?: unknown }).name;
  const what = name === 'TimeoutError' || code === 'ETIMEDOUT' ? 'timed out' : typeof code === 'string' ? code : 'network error';
  return { result: 'transient', status: null, excerpt: null, retryAfterMs: null, error: what };
}
