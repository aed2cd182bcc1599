// Child process of the cache memory bench: the gateway over the SaaS Security emulator at BENCH_UPSTREAM (another
// process), its cache capped by SECGRAPH_CACHE_MAX_MB as set in the environment. Prints "READY <url>". Keeps the
// peaks of its memory figures (sampled every 20 ms); on a "memory" IPC message, collects garbage (run with
// --expose-gc), replies with its memory now and those peaks, and starts the peaks again.
import { startBenchGatewayAt } from '../bench-gateway.js';

const gateway = await startBenchGatewayAt(process.env['BENCH_UPSTREAM']!, { SECGRAPH_CACHE_MAX_MB: process.env['SECGRAPH_CACHE_MAX_MB'] ?? '64' });
const peaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sample = () => {
  const m = process.memoryUsage();
  for (const k of Object.keys(peaks) as Array<keyof typeof peaks>) peaks[k] = Math.max(peaks[k], m[k]);
};
setInterval(sample, 20).unref();
process.on('message', (m) => {
  if (m !== 'memory') return;
  sample();
  const seen = { ...peaks };
  (globalThis as { gc?: () => void }).gc?.();
  const now = process.memoryUsage();
  for (const k of Object.keys(peaks) as Array<keyof typeof peaks>) peaks[k] = now[k];
  process.send?.({ now, peaks: seen });
});
process.stdout.write(`READY ${gateway.url}\n`);
process.once('SIGTERM', () => void gateway.stop().then(() => process.exit(0)));
