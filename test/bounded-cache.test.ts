// The in-memory cache is an LRU bounded by SECGRAPH_CACHE_MAX_MB: distinct keys cannot grow it past the cap,
// expired entries are purged (memory goes back to nothing after the TTL), and one namespace's clear() leaves
// the others alone. Sizes are the cache's own accounting.
import { describe, expect, it, vi } from 'vitest';
import { cached, memoryCacheFactory } from '../src/connectors/cache.js';
import { loadConfig } from '../src/config.js';
import { heapSize } from '../src/connectors/heap-size.js';
import { generateIncidents } from '../src/emulators/saas-security/seed.js';

const page = (n: number) => ({ resources: Array.from({ length: 20 }, (_, i) => ({ id: `${n}-${i}`, name: 'x'.repeat(200) })) });

describe('bounded in-memory cache', () => {
  it('stays under its byte cap however many distinct queries are cached', async () => {
    const cap = 256 * 1024;
    const factory = memoryCacheFactory(cap);
    const incidents = factory('incidents', 60_000);
    for (let n = 0; n < 500; n += 1) await cached(incidents, `from=${n}`, async () => page(n));
    expect(factory.memoryBytes).toBeGreaterThan(cap / 2);
    expect(factory.memoryBytes).toBeLessThanOrEqual(cap);
    // The most recent pages are the ones kept.
    expect(await incidents.get('from=499')).toEqual(page(499));
    expect(await incidents.get('from=0')).toBeUndefined();
    await factory.close();
  });

  it('drops expired entries by itself, so memory returns to nothing after the TTL', async () => {
    const factory = memoryCacheFactory(1024 * 1024);
    const short = factory('cursors', 40);
    for (let n = 0; n < 50; n += 1) await short.set(`cursor-${n}`, page(n));
    expect(factory.memoryBytes).toBeGreaterThan(0);
    await vi.waitFor(() => expect(factory.memoryBytes).toBe(0), { timeout: 5_000, interval: 20 });
    await factory.close();
  });

  it("clears one namespace without touching another's entries", async () => {
    const factory = memoryCacheFactory(1024 * 1024);
    const a = factory('a', 60_000);
    const b = factory('b', 60_000);
    await a.set('k', { v: 1 });
    await b.set('k', { v: 2 });
    await a.clear();
    expect(await a.get('k')).toBeUndefined();
    expect(await b.get('k')).toEqual({ v: 2 });
    await factory.close();
  });

  it('takes its cap from SECGRAPH_CACHE_MAX_MB (default 64)', () => {
    expect(loadConfig({}).cacheMaxBytes).toBe(64 * 1024 * 1024);
    expect(loadConfig({ SECGRAPH_CACHE_MAX_MB: '8' }).cacheMaxBytes).toBe(8 * 1024 * 1024);
  });

  it('sizes entries by their heap cost, not their JSON length', async () => {
    // A parsed 500-incident page measured 1.12× its JSON length on the heap (node --expose-gc, 12-07).
    const wire = { resources: generateIncidents(500, Date.parse('2026-03-10T12:00:00Z')), nextPath: '/next', limit: 500 };
    const json = JSON.stringify(wire).length;
    expect(heapSize(wire)).toBeGreaterThan(1.1 * json);
    expect(heapSize(wire)).toBeLessThan(1.5 * json);
    // Characters past U+00FF take two bytes each; boxed numbers 16 bytes, small integers nothing.
    expect(heapSize('€'.repeat(1000))).toBeGreaterThan(1.9 * heapSize('e'.repeat(1000)));
    expect(heapSize(7)).toBe(0);
    expect(heapSize(0.5)).toBe(16);

    const factory = memoryCacheFactory(64 * 1024 * 1024);
    await factory('plain', 60_000).set('page', wire);
    const plain = factory.memoryBytes!;
    expect(plain).toBeGreaterThan(heapSize(wire));
    // A namespace whose entries keep a mapped copy beside them counts it too.
    await factory('mapped', 60_000, { heldFactor: 1.5 }).set('page', wire);
    expect(factory.memoryBytes! - plain).toBeGreaterThan(1.45 * plain);
    await factory.close();
  });
});
