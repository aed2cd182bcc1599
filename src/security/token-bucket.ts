// The per-key operation budget as a token bucket: `burst` tokens, refilled continuously at `perMinute`/60 a
// second, one token per operation. A key can spend its bucket at once, and after that runs at the refill rate;
// a refused operation learns exactly when the next token is there. With Redis, one bucket per key is shared by
// every instance (an atomic script on Redis's own clock, so instances with skewed clocks agree); if Redis
// fails, each instance falls back to its own in-memory buckets rather than letting everything through.
//
// Hand-written: rate-limiter-flexible (used for the failure throttle, rate-limits.ts) has fixed windows only,
// in its installed version and its newest (11.4.0): BurstyRateLimiter adds a second fixed window, which still
// refills all at once at the window's end, not continuously. The bucket is kept as GCRA does (the generic cell
// rate algorithm: one "theoretical arrival time" per key, not a count and a timestamp), which makes the
// Redis side one GET and one SET, and the wait for the next token one subtraction.
import type { Redis } from 'ioredis';

export interface TokenBucket {
  /** Takes one token of `key`'s bucket: 0 when taken, else the milliseconds until the next token (> 0). */
  take(key: string): Promise<number>;
}

export interface BucketSize {
  perMinute: number;
  burst: number;
}

/** Milliseconds between two tokens, and how far ahead of now the bucket may be spent (a full bucket). */
function shape({ perMinute, burst }: BucketSize): { interval: number; depth: number } {
  const interval = 60_000 / perMinute;
  return { interval, depth: interval * burst };
}

/**
 * `tat`: when the key's bucket is full again (≤ now: full). Taking a token moves it one interval on; refused
 * when that would put it more than a full bucket ahead of now.
 */
function decide(tat: number, now: number, interval: number, depth: number): { next: number; waitMs: number } {
  const next = Math.max(tat, now) + interval;
  const excess = next - now - depth;
  return excess > 0 ? { next: tat, waitMs: excess } : { next, waitMs: 0 };
}

/** Buckets of this instance. Keys whose bucket is full again are dropped now and then, so the map stays small. */
export function memoryTokenBucket(size: BucketSize, now: () => number = Date.now): TokenBucket {
  const { interval, depth } = shape(size);
  const tats = new Map<string, number>();
  let takes = 0;
  return {
    async take(key) {
      const t = now();
      if ((takes += 1) % 1024 === 0) for (const [k, tat] of tats) if (tat <= t) tats.delete(k);
      const { next, waitMs } = decide(tats.get(key) ?? t, t, interval, depth);
      tats.set(key, next);
      return waitMs;
    },
  };
}

// decide() in Lua, on Redis's clock (TIME). The key expires when its bucket would be full again. Returns the
// wait in whole milliseconds, rounded up (0: taken).
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local depth = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local nxt = tat + interval
local excess = nxt - now - depth
if excess > 0 then return math.ceil(excess) end
redis.call('SET', KEYS[1], string.format('%.3f', nxt), 'PX', math.ceil(nxt - now))
return 0
`;

interface WithTakeToken {
  secgraphTakeToken(key: string, interval: string, depth: string): Promise<number>;
}

/** One bucket per key in Redis, shared by every instance; `fallback` answers while Redis does not. */
export function redisTokenBucket(redis: Redis, size: BucketSize, fallback: TokenBucket, keyPrefix = 'secgraph:ops-bucket:'): TokenBucket {
  const { interval, depth } = shape(size);
  redis.defineCommand('secgraphTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  const client = redis as unknown as WithTakeToken;
  return {
    async take(key) {
      try {
        return Number(await client.secgraphTakeToken(keyPrefix + key, String(interval), String(depth)));
      } catch {
        return fallback.take(key);
      }
    },
  };
}
