// The in-memory cache asks V8 to collect its old generation sooner (src/heap-growth.ts) only while entries
// are written fast, an eighth of its cap within seconds: a cache filling with large pages. A few small
// writes, as cached reads make, leave V8's own heap growth alone. (Its own file: the bound is per process.)
import { describe, expect, it } from 'vitest';
import { memoryCacheFactory } from '../src/connectors/cache.js';
import { heapGrowthBounded } from '../src/heap-growth.js';

const page = (n: number) => ({ resources: Array.from({ length: 20 }, (_, i) => ({ id: `${n}-${i}`, name: 'x'.repeat(200) })) });

describe('heap growth bound', () => {
  it('is off for a few small writes and on once an eighth of the cap is written', async () => {
    const factory = memoryCacheFactory(1024 * 1024);
    const cache = factory('fast', 60_000);
    for (let n = 0; n < 3; n += 1) await cache.set(`small-${n}`, { n });
    expect(heapGrowthBounded()).toBe(false);
    for (let n = 0; n < 40; n += 1) await cache.set(`page-${n}`, page(n));
    expect(heapGrowthBounded()).toBe(true);
    await factory.close();
  });
});
