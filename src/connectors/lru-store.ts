// The in-memory cache store: one lru-cache shared by every namespace, bounded by SECGRAPH_CACHE_MAX_MB, each
// entry living its namespace's TTL and purged when it expires (not only when read again), so distinct queries
// or forged cursors can neither grow memory past the cap nor keep it after the TTL.
// Keyv takes it as a Map-like store; a namespace's clear() removes only that namespace's keys.
import { LRUCache } from 'lru-cache';
import { heapSize } from './heap-size.js';

/** lru-cache's own bookkeeping per entry (its key, value, TTL and list slots), and the key string's header. */
const ENTRY_OVERHEAD = 96;

/** What an entry costs on the heap (heap-size.ts), its key included, times the namespace's factor. */
function sizeOf(key: string, value: unknown, factor: number): number {
  return Math.max(1, Math.ceil((heapSize(value) + key.length + ENTRY_OVERHEAD) * factor));
}

export class SharedLru {
  readonly lru: LRUCache<string, object>;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, object>({
      maxSize: maxBytes,
      // One entry may take a quarter of the cap at most: a single huge page cannot flush everything else.
      maxEntrySize: Math.max(1, Math.floor(maxBytes / 4)),
      // Every set passes its size (NamespaceStore.set); this stands in for any that does not.
      sizeCalculation: (value, key) => sizeOf(key, value, 1),
      ttlAutopurge: true,
    });
  }

  /** Bytes held now, by the cache's own accounting. */
  get bytes(): number {
    return this.lru.calculatedSize;
  }

  /** `heldFactor`: what an entry costs in all, over its own heap size (see CacheOptions.heldFactor). */
  store(namespace: string, heldFactor = 1): NamespaceStore {
    return new NamespaceStore(this.lru, namespace, heldFactor);
  }
}

/** The Map-like face Keyv uses for one namespace (Keyv prefixes keys with `namespace:`). */
export class NamespaceStore {
  constructor(
    private readonly lru: LRUCache<string, object>,
    private readonly namespace: string,
    private readonly heldFactor: number,
  ) {}

  get(key: string): object | undefined {
    return this.lru.get(key);
  }

  set(key: string, value: object, ttl?: number): boolean {
    const size = sizeOf(key, value, this.heldFactor);
    this.lru.set(key, value, ttl ? { ttl, size } : { size });
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
