// Per-key operation budget (token-bucket.ts) and throttling of failed authentication (rate-limiter-flexible).
// Each key has a bucket of SECGRAPH_RATE_LIMIT_BURST operations (default: a minute's worth), refilled
// continuously at SECGRAPH_RATE_LIMIT_PER_MINUTE a minute; with the bucket empty an operation fails with
// RATE_LIMITED and extensions.retryAfter, the whole seconds until the next token.
// Failed authentication is counted by credential fingerprint (a keyed hash, src/identity/authenticator.ts):
// - per address and credential: one wrong credential repeated (a misconfigured script) is refused alone after
//   SECGRAPH_AUTH_FAILURES_PER_CREDENTIAL tries in a minute, and counts once toward its address;
// - per address, distinct failing credentials (what a guesser produces): past SECGRAPH_AUTH_FAILURES_PER_MINUTE
//   the address is throttled for the rest of the minute (src/security/auth-gate.ts says what it may still do);
// - per address and credential, the ones that authenticated from there in the last 24 hours ("known good").
// With REDIS_URL the counters live in Redis and every instance shares them; if Redis is unreachable each
// instance falls back to its own in-memory counters rather than letting everything through or nothing.
import { LRUCache } from 'lru-cache';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type { SecurityConfig } from '../config.js';
import { memoryTokenBucket, redisTokenBucket, type TokenBucket } from './token-bucket.js';

export interface RateLimits {
  /** Spends one operation of the key's budget; null when allowed, else the seconds until it refills. */
  takeOperation(principalId: string): Promise<number | null>;
  /**
   * Seconds an address must still wait after too many distinct failing credentials, or null. `pending`: the
   * credentials from it being verified now, which may all fail (counted as if they had: the limit is a bound on
   * guesses compared, concurrent ones included; refused for a second when they alone reach it).
   */
  authBlocked(address: string, pending?: number): Promise<number | null>;
  /**
   * Counts a failed authentication of this credential (its fingerprint) from this address, and toward the
   * address when it is the credential's first failure there this minute. Returns the seconds this credential
   * is refused for (it failed more than SECGRAPH_AUTH_FAILURES_PER_CREDENTIAL times), or null.
   */
  authFailed(address: string, credential: string): Promise<number | null>;
  /** Remembers that this credential authenticated from this address (known good for KNOWN_GOOD_S). */
  authSucceeded(address: string, credential: string): Promise<void>;
  /** Whether this credential authenticated from this address within KNOWN_GOOD_S. */
  knownGood(address: string, credential: string): Promise<boolean>;
  /** Whether this instance saw this credential authenticate from this address within the last hour (no I/O). */
  rememberedGood(address: string, credential: string): boolean;
  close(): Promise<void>;
}

const WINDOW_S = 60;
const secondsOf = (res: unknown) => Math.max(1, Math.ceil((res instanceof RateLimiterRes ? res.msBeforeNext : WINDOW_S * 1000) / 1000));

/** How long a credential that authenticated from an address stays known good there (OWASP's device cookies, server-side). */
export const KNOWN_GOOD_S = 24 * 3600;
/** Each instance rewrites a known-good pair at most this often, so a valid caller's request costs no write. */
const KNOWN_GOOD_REFRESH_MS = 3600_000;
/** Pairs an instance remembers having written (beyond them it writes again: one Redis SET, nothing lost). */
const KNOWN_GOOD_REMEMBERED = 10_000;

function limiter(points: number, keyPrefix: string, redis: unknown, duration = WINDOW_S): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ points, duration, keyPrefix });
  if (!redis) return memory;
  return new RateLimiterRedis({ storeClient: redis, points, duration, keyPrefix: `secgraph:${keyPrefix}`, insuranceLimiter: memory });
}

/** Limits shared through Redis when redisUrl is set (ioredis is loaded only then), in memory otherwise. */
export async function connectRateLimits(security: SecurityConfig, redisUrl: string | null): Promise<RateLimits> {
  if (!redisUrl) return createRateLimits(security, null);
  const redis = new (await import('ioredis')).Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // the insurance limiter takes over; pub/sub already logs Redis trouble
  return createRateLimits(security, redis);
}

function operationBudget(security: SecurityConfig, redis: Redis | null): TokenBucket | null {
  if (security.rateLimitPerMinute <= 0) return null;
  const size = { perMinute: security.rateLimitPerMinute, burst: security.rateLimitBurst };
  const memory = memoryTokenBucket(size);
  return redis ? redisTokenBucket(redis, size, memory) : memory;
}

export function createRateLimits(security: SecurityConfig, redis: Redis | null): RateLimits {
  const operations = operationBudget(security, redis);
  const failures = limiter(security.authFailuresPerMinute, 'authfail', redis);
  const credentialFailures = limiter(security.authFailuresPerCredential, 'authfail-cred', redis);
  const knownGood = limiter(1, 'authgood', redis, KNOWN_GOOD_S);
  const written = new LRUCache<string, true>({ max: KNOWN_GOOD_REMEMBERED, ttl: KNOWN_GOOD_REFRESH_MS });
  const pair = (address: string, credential: string) => `${address}|${credential}`;
  return {
    async takeOperation(principalId) {
      if (!operations) return null;
      const waitMs = await operations.take(principalId);
      return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : null;
    },
    async authBlocked(address, pending = 0) {
      const res = await failures.get(address);
      const consumed = res?.consumedPoints ?? 0;
      if (consumed >= security.authFailuresPerMinute) return secondsOf(res);
      return consumed + pending >= security.authFailuresPerMinute ? 1 : null;
    },
    async authFailed(address, credential) {
      const res = await credentialFailures.penalty(pair(address, credential), 1);
      // Repeats of one wrong credential are not guesses: only its first failure this minute counts for the address.
      if (res.consumedPoints === 1) await failures.penalty(address, 1);
      return res.consumedPoints > security.authFailuresPerCredential ? secondsOf(res) : null;
    },
    async authSucceeded(address, credential) {
      const key = pair(address, credential);
      if (written.has(key)) return;
      written.set(key, true);
      await knownGood.set(key, 1, KNOWN_GOOD_S);
    },
    rememberedGood(address, credential) {
      return written.has(pair(address, credential));
    },
    async knownGood(address, credential) {
      const key = pair(address, credential);
      if (written.has(key)) return true;
      const res = await knownGood.get(key);
      return res !== null && res.consumedPoints > 0;
    },
    async close() {
      await redis?.quit().catch(() => {});
    },
  };
}
