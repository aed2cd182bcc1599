// The in-memory cache store: one lru-cache shared by every namespace, bounded by SECGRAPH_CACHE_MAX_MB, each
// entry living its namespace's TTL and purged when it expires (not only when read again), so distinct queries
// or forged cursors can neither grow memory past the cap nor keep it after the TTL.
// Keyv takes it as a Map-like store; a namespace's clear() removes only that namespace's keys.
import { LRUCache } from 'lru-cache';
import { boundHeapGrowth } from '../heap-growth.js';
import { heapSize } from './heap-size.js';

/** The window over which the cache's writes are counted (SharedLru.wrote). */
const WINDOW_MS = 10_000;

/** lru-cache's own bookkeeping per entry (its key, value, TTL and list slots), and the key string's header. */
const ENTRY_OVERHEAD = 96;

/** What an entry costs on the heap (heap-size.ts), its key included, times the namespace's factor. */
function sizeOf(key: string, value: unknown, factor: number): number {
  return Math.max(1, Math.ceil((heapSize(value) + key.length + ENTRY_OVERHEAD) * factor));
}

export class SharedLru {
  readonly lru: LRUCache<string, object>;
  /** Bytes written within WINDOW_MS after which V8 is asked to bound its heap's growth (src/heap-growth.ts). */
  private readonly fastWrites: number;
  private windowStart = 0;
  private windowBytes = 0;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, object>({
      maxSize: maxBytes,
      // One entry may take a quarter of the cap at most: a single huge page cannot flush everything else.
      maxEntrySize: Math.max(1, Math.floor(maxBytes / 4)),
      // Every set passes its size (NamespaceStore.set); this stands in for any that does not.
      sizeCalculation: (value, key) => sizeOf(key, value, 1),
      ttlAutopurge: true,
    });
    this.fastWrites = Math.max(1, Math.floor(maxBytes / 8));
  }

  /**
   * Counts what is written. Entries written fast (an eighth of the cap within WINDOW_MS) are large objects
   * V8 moves to its old generation and, replaced, leaves there as garbage for a while: V8 is then asked to
   * collect sooner, so the cap holds in resident memory too, not only in this accounting.
   */
  wrote(bytes: number): void {
    const now = Date.now();
    if (now - this.windowStart > WINDOW_MS) {
      this.windowStart = now;
      this.windowBytes = 0;
    }
    this.windowBytes += bytes;
    if (this.windowBytes >= this.fastWrites) boundHeapGrowth();
  }

  /** Bytes held now, by the cache's own accounting. */
  get bytes(): number {
    return this.lru.calculatedSize;
  }

  /** `heldFactor`: what an entry costs in all, over its own heap size (see CacheOptions.heldFactor). */
  store(namespace: string, heldFactor = 1): NamespaceStore {
    return new NamespaceStore(this, namespace, heldFactor);
  }
}

/** The Map-like face Keyv uses for one namespace (Keyv prefixes keys with `namespace:`). */
export class NamespaceStore {
  constructor(
    private readonly shared: SharedLru,
    private readonly namespace: string,
    private readonly heldFactor: number,
  ) {}

  get(key: string): object | undefined {
    return this.shared.lru.get(key);
  }

  set(key: string, value: object, ttl?: number): boolean {
    const size = sizeOf(key, value, this.heldFactor);
    this.shared.lru.set(key, value, ttl ? { ttl, size } : { size });
    this.shared.wrote(size);
    return true;
  }

  delete(key: string): boolean {
    return this.shared.lru.delete(key);
  }

  has(key: string): boolean {
    return this.shared.lru.has(key);
  }

  clear(): void {
    const prefix = `${this.namespace}:`;
    const { lru } = this.shared;
    for (const key of [...lru.keys()]) if (key.startsWith(prefix)) lru.delete(key);
  }
}
