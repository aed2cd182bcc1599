// Keyv caches, one namespace per resource. In-memory by default; with REDIS_URL the same namespaces live in
// Redis so several gateway instances share them.
import Keyv from 'keyv';
import { isGatewayError } from '../errors.js';
import { currentScope } from '../request-scope.js';
import { NamespaceStore, SharedLru } from './lru-store.js';
import { CLAIM_POLL_MS, MissClaims, type ClaimRedis } from './miss-claim.js';

export interface CacheOptions {
  /**
   * What an entry costs on the heap in all, over its own size, when the connector keeps a mapped copy beside
   * each cached wire value for as long as it is cached (default 1). The in-memory cap counts it; Redis ignores it.
   */
  heldFactor?: number;
}

/** Makes a cache for one namespace, entries living `ttlMs` by default; `close()` disconnects them all. */
export type CacheFactory = ((namespace: string, ttlMs: number, options?: CacheOptions) => Keyv) & {
  close(): Promise<void>;
  /** Bytes the in-memory store holds (null for Redis): for metrics and tests. */
  readonly memoryBytes: number | null;
};

/** Default cap of the in-memory cache, all namespaces together (SECGRAPH_CACHE_MAX_MB). */
export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;

export function memoryCacheFactory(maxBytes: number = DEFAULT_CACHE_MAX_BYTES): CacheFactory {
  // No serialisation in memory: JSON round trips of every cached page were the gateway's largest CPU cost.
  // Cached values are therefore shared by reference; connectors treat them as read-only wire data.
  const shared = new SharedLru(maxBytes);
  const create = (namespace: string, ttlMs: number, options: CacheOptions = {}) =>
    new Keyv({ store: shared.store(namespace, options.heldFactor), namespace, ttl: ttlMs, serialize: undefined, deserialize: undefined });
  // defineProperty, not Object.assign: assign would copy the getter's value once instead of the getter.
  return Object.defineProperties(create, {
    close: { value: async () => shared.lru.clear() },
    memoryBytes: { get: () => shared.bytes },
  }) as CacheFactory;
}

const REDIS_CONNECT_TIMEOUT_MS = 1000;

export async function redisCacheFactory(redisUrl: string): Promise<CacheFactory> {
  // Loaded only with REDIS_URL, so a single instance starts without the Redis client.
  const { default: KeyvRedis } = await import('@keyv/redis');
  // One store per namespace: a Keyv adapter carries its namespace, so namespaces cannot share one.
  const created: Keyv[] = [];
  const create = (namespace: string, ttlMs: number) => {
    // Redis down: a command fails at once instead of queueing (node-redis's offline queue waited for the
    // reconnect without bound, and every cached read hung with it), and a connection attempt gives up after a
    // second; Keyv then answers a miss and the read goes to the upstream.
    const store = new KeyvRedis(
      { url: redisUrl, disableOfflineQueue: true, socket: { connectTimeout: REDIS_CONNECT_TIMEOUT_MS } },
      { connectionTimeout: REDIS_CONNECT_TIMEOUT_MS, throwOnConnectError: false },
    );
    const keyv = new Keyv({ store, namespace, ttl: ttlMs });
    // Misses of one key are claimed in the same Redis, so the instances make one upstream call between them.
    sharedMisses.set(keyv, { namespace, claims: new MissClaims(() => store.getClient() as unknown as Promise<ClaimRedis>) });
    created.push(keyv);
    return keyv;
  };
  return Object.assign(create, {
    close: async () => {
      await Promise.allSettled(created.map((k) => k.disconnect()));
    },
    memoryBytes: null,
  });
}

/**
 * The value cached under `key` when the cache is in memory and holds it now, read synchronously; undefined
 * otherwise (a miss, an expired entry, or a Redis cache, which only answers asynchronously). For joins: a
 * field whose answer is already in memory is answered without a promise, a DataLoader tick or Keyv's
 * asynchronous get; a caller that gets undefined takes its usual (batched, asynchronous) path.
 */
export function peekCached<T>(cache: Keyv, key: string): T | undefined {
  const store: unknown = cache.store;
  if (!(store instanceof NamespaceStore)) return undefined;
  // Keyv keeps `{ value, expires }` under `namespace:key` (no serialisation in memory: memoryCacheFactory).
  const raw = store.get(`${cache.namespace}:${key}`) as { value?: T; expires?: number } | undefined;
  if (raw === undefined || (typeof raw.expires === 'number' && Date.now() > raw.expires)) return undefined;
  return raw.value;
}

/** Misses being computed, per cache and key: concurrent misses of one key make one upstream call. */
const inFlight = new WeakMap<Keyv, Map<string, Promise<unknown>>>();
/** Caches shared between instances (Redis), whose misses are also claimed across instances. */
const sharedMisses = new WeakMap<Keyv, { namespace: string; claims: MissClaims }>();

/**
 * Returns the cached value, or computes, stores and returns it. Undefined results are not cached. Callers
 * missing the same key at the same time share one computation (no stampede on the upstream when a hot
 * entry expires); a shared computation that timed out is retried by each joiner under its own deadline,
 * since the timeout may have been the first caller's. Written here rather than taken from a library: it is
 * a map of promises over Keyv, and the timeout rule is ours.
 */
export async function cached<T>(cache: Keyv, key: string, compute: () => Promise<T>): Promise<T> {
  const hit = (await cache.get(key)) as T | undefined;
  if (hit !== undefined) return hit;
  let pending = inFlight.get(cache);
  if (!pending) inFlight.set(cache, (pending = new Map()));
  const running = pending.get(key) as Promise<T> | undefined;
  if (running) {
    try {
      return await running;
    } catch (e) {
      if (!isGatewayError(e) || e.code !== 'UPSTREAM_TIMEOUT') throw e;
      return computeAndStore(cache, key, compute);
    }
  }
  const mine = computeAndStore(cache, key, compute);
  pending.set(key, mine);
  try {
    return await mine;
  } finally {
    if (pending.get(key) === mine) pending.delete(key);
  }
}

async function computeAndStore<T>(cache: Keyv, key: string, compute: () => Promise<T>): Promise<T> {
  const shared = sharedMisses.get(cache);
  if (!shared) return storeComputed(cache, key, compute);
  const { claims, namespace } = shared;
  // Another instance may be computing the same miss: wait for its value rather than call the upstream too.
  for (;;) {
    let release: (() => Promise<void>) | null;
    try {
      release = await claims.claim(namespace, key);
    } catch {
      // Redis unreachable: compute here, as the cache's own reads then miss.
      return storeComputed(cache, key, compute);
    }
    if (release) {
      try {
        return await storeComputed(cache, key, compute);
      } finally {
        await release().catch(() => {});
      }
    }
    while (await claims.held(namespace, key).catch(() => false)) {
      // Past this request's deadline, stop waiting: the call below then ends at once with UPSTREAM_TIMEOUT.
      if (currentScope()?.deadline?.aborted) return storeComputed(cache, key, compute);
      await new Promise((r) => setTimeout(r, CLAIM_POLL_MS));
      const hit = (await cache.get(key)) as T | undefined;
      if (hit !== undefined) return hit;
    }
    // Released without a value (its computation failed or gave nothing), or expired: look once more, then
    // claim it ourselves.
    const hit = (await cache.get(key)) as T | undefined;
    if (hit !== undefined) return hit;
  }
}

async function storeComputed<T>(cache: Keyv, key: string, compute: () => Promise<T>): Promise<T> {
  const value = await compute();
  if (value !== undefined) await cache.set(key, value);
  return value;
}
