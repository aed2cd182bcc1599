// The in-memory cache store: one lru-cache shared by every namespace, bounded by SECGRAPH_CACHE_MAX_MB, each
// entry living its namespace's TTL and purged when it expires (not only when read again), so distinct queries
// or forged cursors can neither grow memory past the cap nor keep it after the TTL.
// Keyv takes it as a Map-like store; a namespace's clear() removes only that namespace's keys.
import { LRUCache } from 'lru-cache';

/** What one value costs, measured as its JSON length (a fair, cheap proxy for the heap it holds). */
function sizeOf(value: unknown): number {
  try {
    return Math.max(1, JSON.stringify(value)?.length ?? 1);
  } catch {
    return 1024;
  }
}

export class SharedLru {
  readonly lru: LRUCache<string, object>;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, object>({
      maxSize: maxBytes,
      // One entry may take a quarter of the cap at most: a single huge page cannot flush everything else.
      maxEntrySize: Math.max(1, Math.floor(maxBytes / 4)),
      sizeCalculation: (value) => sizeOf(value),
      ttlAutopurge: true,
    });
  }

  /** Bytes held now, by the cache's own accounting. */
  get bytes(): number {
    return this.lru.calculatedSize;
  }

  store(namespace: string): NamespaceStore {
    return new NamespaceStore(this.lru, namespace);
  }
}

/** The Map-like face Keyv uses for one namespace (Keyv prefixes keys with `namespace:`). */
export class NamespaceStore {
  constructor(
    private readonly lru: LRUCache<string, object>,
    private readonly namespace: string,
  ) {}

  get(key: string): object | undefined {
    return this.lru.get(key);
  }

  set(key: string, value: object, ttl?: number): boolean {
    this.lru.set(key, value, ttl ? { ttl } : {});
    return true;
  }

  delete(key: string): boolean {
    return this.lru.delete(key);
  }

  has(key: string): boolean {
    return this.lru.has(key);
  }

  clear(): void {
    const prefix = `${this.namespace}:`;
    for (const key of [...this.lru.keys()]) if (key.startsWith(prefix)) this.lru.delete(key);
  }
}
