// Does the cache's cap hold in real memory? The gateway (its own process, over an emulator in another) is
// asked for 400 distinct `incidents(first: 500)` pages (distinct `from` filters, so 400 cache keys, each a
// separately fetched page), at SECGRAPH_CACHE_MAX_MB=64 and =16, each cap in a fresh gateway. Its resident
// memory is sampled throughout; the figures are the growth over its RSS after a warm-up and a full GC: the
// peak while the pages arrive, at the end, and after a full GC at the end, beside the cache's own accounting
// (secgraph_cache_memory_bytes). Target: peak growth < the cap + 64 MB at both caps.
// BENCH_CACHE_PAGES (default 400), BENCH_CACHE_CAPS (default 64,16).
import { serverRssBytes, startChild, type Child } from './child.js';

const PAGES = Number(process.env['BENCH_CACHE_PAGES'] ?? 400);
const CAPS = (process.env['BENCH_CACHE_CAPS'] ?? '64,16').split(',').map(Number);
const MB = 1024 * 1024;
const DAY = 86_400_000;

const query = (from: Date) =>
  JSON.stringify({ query: `{ incidents(first: 500, filter: { from: "${from.toISOString()}" }) { edges { node { incidentId assetName severity state updatedAt } } } }` });

async function ask(url: string, body: string): Promise<void> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const json = (await res.json()) as { data?: { incidents: { edges: unknown[] } }; errors?: unknown };
  if (json.errors || json.data?.incidents.edges.length !== 500) throw new Error(`short answer: ${JSON.stringify(json).slice(0, 300)}`);
}

type Memory = Pick<NodeJS.MemoryUsage, 'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers'>;

/** The server's memory peaks since the last call, and its memory after a full GC, asked over IPC. */
function collected(server: Child): Promise<{ now: Memory; peaks: Memory }> {
  return new Promise((resolve) => {
    server.process.once('message', (m) => resolve(m as { now: Memory; peaks: Memory }));
    server.process.send('memory');
  });
}

async function cacheBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^secgraph_cache_memory_bytes (\S+)/m.exec(text)?.[1] ?? NaN);
}

export async function run(): Promise<void> {
  const emulator = await startChild('bench/servers/saas-emulator.ts', { BENCH_EMULATOR_INCIDENTS: '5000' });
  const start = Date.now() - 40 * DAY;
  try {
    console.log(`${PAGES} distinct incidents(first: 500) pages, one gateway process per cap`);
    console.log('cap MB   RSS before   peak growth   end growth   after GC growth   heap after GC   cache accounting');
    for (const cap of CAPS) {
      const gateway = await startChild('bench/servers/cache-gateway.ts', { BENCH_UPSTREAM: emulator.url, SECGRAPH_CACHE_MAX_MB: String(cap), NODE_ENV: 'production' }, ['--expose-gc', ...(process.env['BENCH_CACHE_NODE_ARGS']?.split(' ').filter(Boolean) ?? [])]);
      try {
        for (let i = 0; i < 5; i += 1) await ask(gateway.url, query(new Date(start - (i + 1) * 60_000))); // warm-up
        const before = (await collected(gateway)).now;
        let peak = before.rss;
        const sampler = setInterval(() => (peak = Math.max(peak, serverRssBytes(gateway) ?? 0)), 25);
        for (let i = 0; i < PAGES; i += 1) await ask(gateway.url, query(new Date(start + i * 60_000)));
        clearInterval(sampler);
        const end = serverRssBytes(gateway) ?? NaN;
        peak = Math.max(peak, end);
        const bytes = await cacheBytes(gateway.url);
        const { now: after, peaks } = await collected(gateway);
        peak = Math.max(peak, peaks.rss);
        const mb = (b: number) => `${(b / MB).toFixed(0)} MB`;
        console.log(
          `${String(cap).padStart(6)}   ${mb(before.rss).padStart(10)}   ${mb(peak - before.rss).padStart(11)}   ${mb(end - before.rss).padStart(10)}   ${mb(after.rss - before.rss).padStart(15)}   ${mb(after.heapUsed).padStart(13)}   ${mb(bytes).padStart(16)}`,
        );
        if (process.env['BENCH_CACHE_VERBOSE']) {
          console.log(`  before: ${JSON.stringify(Object.fromEntries(Object.entries(before).map(([k, v]) => [k, mb(v)])))}`);
          console.log(`  peaks:  ${JSON.stringify(Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, mb(v)])))}`);
        }
        console.log(`RATIO cache RSS growth at SECGRAPH_CACHE_MAX_MB=${cap}, ${PAGES} pages of 500: peak ${mb(peak - before.rss)} (target < ${cap + 64} MB: cap + 64)`);
      } finally {
        await gateway.stop();
      }
    }
  } finally {
    await emulator.stop();
  }
}
