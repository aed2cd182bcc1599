// Per-key operation budget (token-bucket.ts) and per-address throttling of failed authentication
// (rate-limiter-flexible). Each key has a bucket of SECGRAPH_RATE_LIMIT_BURST operations (default: a minute's
// worth), refilled continuously at SECGRAPH_RATE_LIMIT_PER_MINUTE a minute; with the bucket empty an operation
// fails with RATE_LIMITED and extensions.retryAfter, the whole seconds until the next token. An address that
// fails authentication SECGRAPH_AUTH_FAILURES_PER_MINUTE times is refused for the rest of that minute, whatever
// key it sends next, so keys cannot be guessed fast.
// With REDIS_URL the counters live in Redis and every instance shares them; if Redis is unreachable each
// instance falls back to its own in-memory counters rather than letting everything through or nothing.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type { SecurityConfig } from '../config.js';
import { memoryTokenBucket, redisTokenBucket, type TokenBucket } from './token-bucket.js';

export interface RateLimits {
  /** Spends one operation of the key's budget; null when allowed, else the seconds until it refills. */
  takeOperation(principalId: string): Promise<number | null>;
  /** Seconds an address must still wait after too many failed authentications, or null. */
  authBlocked(address: string): Promise<number | null>;
  authFailed(address: string): Promise<void>;
  close(): Promise<void>;
}

const WINDOW_S = 60;
const secondsOf = (res: unknown) => Math.max(1, Math.ceil((res instanceof RateLimiterRes ? res.msBeforeNext : WINDOW_S * 1000) / 1000));

function limiter(points: number, keyPrefix: string, redis: unknown): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ points, duration: WINDOW_S, keyPrefix });
  if (!redis) return memory;
  return new RateLimiterRedis({ storeClient: redis, points, duration: WINDOW_S, keyPrefix: `secgraph:${keyPrefix}`, insuranceLimiter: memory });
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
  return {
    async takeOperation(principalId) {
      if (!operations) return null;
      const waitMs = await operations.take(principalId);
      return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : null;
    },
    async authBlocked(address) {
      const res = await failures.get(address);
      return res && res.consumedPoints >= security.authFailuresPerMinute ? secondsOf(res) : null;
    },
    async authFailed(address) {
      await failures.penalty(address, 1);
    },
    async close() {
      await redis?.quit().catch(() => {});
    },
  };
}
