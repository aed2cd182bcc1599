// Keyv caches, one namespace per resource. In-memory by default; with REDIS_URL the same namespaces live in
// Redis so several gateway instances share them.
import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';

export type CacheFactory = (namespace: string, ttlMs: number) => Keyv;

export function memoryCacheFactory(): CacheFactory {
  return (namespace, ttlMs) => new Keyv({ store: new Map(), namespace, ttl: ttlMs });
}

export function redisCacheFactory(redisUrl: string): CacheFactory {
  return (namespace, ttlMs) => new Keyv({ store: new KeyvRedis(redisUrl), namespace, ttl: ttlMs });
}

/** Returns the cached value, or computes, stores and returns it. Undefined results are not cached. */
export async function cached<T>(cache: Keyv, key: string, compute: () => Promise<T>): Promise<T> {
  const hit = (await cache.get(key)) as T | undefined;
  if (hit !== undefined) return hit;
  const value = await compute();
  if (value !== undefined) await cache.set(key, value);
  return value;
}
