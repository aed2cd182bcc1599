// Subscription fan-out: the gateway in a child process of its own, fresh for every scenario
// (bench/servers/fanout-gateway.ts: its RSS is the server's, and no earlier scenario's freed memory hides this
// one's), the subscribers in another (bench/servers/subscribers.ts), over graphql-ws and SSE. Events are
// published through the gateway's pub/sub; each carries its publish time, so the subscribers' process
// measures publish → receipt. Identical subscribers share one execution per event
// (src/subscriptions/shared-execution.ts); the "distinct" rows give each subscriber its own document (an
// alias), so each executes separately: the anchor the sharing is measured against. Prints p50/p99 and server
// RSS per idle subscriber. The subscribers speak graphql-ws and graphql-sse's distinct-connections mode (SSE
// on /graphql) by hand and check each message cheaply, so the one subscriber process keeps up and the server
// is what is measured. BENCH_SUBSCRIBERS sets the shared size (default 5000); the distinct anchor uses 1000
// for both sides. The "bare" rows are the machine's floor at the same size: a node:http + `ws` server with no
// GraphQL writing the same message to every subscriber (bench/servers/bare-fanout.ts), each run right after the
// gateway's row of its transport, so the gateway/bare ratio shows how much of the p99 is the gateway's and how
// much this machine's loopback (on this 2-core VM most of a write's cost is the kernel's). BENCH_FANOUT_ONLY=1
// skips the 1,000-subscriber rows.
import { startChild, type Child } from './child.js';

const N = Number(process.env['BENCH_SUBSCRIBERS'] ?? 5000);
const EVENTS = 20;
// SSE on /graphql is yoga's (graphql-sse's distinct-connections mode); /graphql/stream's distinct-connections
// requests are handed to the same handling (src/http/graphql-sse-distinct.ts; graphql-sse's own handler before).
const SCENARIOS: Array<{ transport: 'ws' | 'sse'; n: number; distinct: boolean; path?: string; bare?: boolean }> = [
  { transport: 'ws', n: 1000, distinct: true },
  { transport: 'ws', n: 1000, distinct: false },
  { transport: 'ws', n: N, distinct: false },
  { transport: 'ws', n: N, distinct: false, bare: true },
  { transport: 'sse', n: N, distinct: false },
  { transport: 'sse', n: N, distinct: false, bare: true },
  { transport: 'sse', n: N, distinct: false, path: '/graphql/stream' },
];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends a command to a child and waits for its answer. */
const ask = <T>(child: Child, message: object) =>
  new Promise<T>((resolve) => {
    child.process.once('message', (m) => resolve(m as T));
    child.process.send(message);
  });

export async function run(): Promise<void> {
  const subscribers = await startChild('bench/servers/subscribers.ts');
  let server: Child | null = null;
  const rows: Array<{ label: string; p50: number; p99: number; kb: number }> = [];
  try {
    console.log('transport  subscribers  documents   p50 ms   p99 ms   server RSS/idle subscriber');
    for (const s of SCENARIOS.filter((x) => !process.env['BENCH_FANOUT_ONLY'] || x.n === N)) {
      server = await startChild(s.bare ? 'bench/servers/bare-fanout.ts' : 'bench/servers/fanout-gateway.ts', {}, ['--expose-gc']);
      const gateway = server;
      const publish = (id: number, measured = true) => ask(gateway, { cmd: 'publish', id, measured });
      const rss = async () => {
        const m = await ask<{ rss: number }>(gateway, { cmd: 'rss' });
        if (process.env['BENCH_FANOUT_MEMORY']) console.log(JSON.stringify(m));
        return m.rss;
      };
      const open = (from: number, n: number) => ask(subscribers, { cmd: 'open', url: gateway.url, from, n, transport: s.transport, distinct: s.distinct, path: s.path });
      // Live once a warm-up event has reached every subscriber open so far.
      const allLive = async (n: number) => {
        for (let tries = 0; ; tries += 1) {
          await publish(0, false);
          await sleep(500);
          const r = await ask<{ live: number; failures: number }>(subscribers, { cmd: 'report' });
          if (r.live >= n) return;
          if (tries > 240 || r.failures) throw new Error(`only ${r.live} of ${n} ${s.transport} subscribers live, ${r.failures} failures`);
        }
      };
      // RSS per idle subscriber is the growth from a tenth of them to all of them: what the process spends
      // once (code compiled, heap spaces grown by the first connections) is not any subscriber's.
      const first = Math.floor(s.n / 10);
      await open(0, first);
      await allLive(first);
      const rssBefore = await rss();
      await open(first, s.n - first);
      await allLive(s.n);
      await sleep(500);
      const kb = ((await rss()) - rssBefore) / (s.n - first) / 1024;
      // The first fan-out after that forced full GC runs about twice as long (measured: 85 vs 45 ms of
      // server loop at 5,000); a server never forces one, so one more warm-up event takes it, unmeasured.
      await publish(0, false);
      await sleep(500);
      for (let e = 1; e <= EVENTS; e += 1) {
        await publish(e);
        for (;;) {
          await sleep(20);
          const r = await ask<{ received: number; failures: number }>(subscribers, { cmd: 'report' });
          if (r.failures) throw new Error(`${r.failures} ${s.transport} subscribers received something other than their event`);
          if (r.received >= e * s.n) break;
        }
      }
      const report = await ask<{ latencies: number[] }>(subscribers, { cmd: 'report', latencies: true });
      const sorted = report.latencies.sort((a, b) => a - b);
      const name = s.path === '/graphql/stream' ? 'sse /graphql/stream' : s.bare ? `${s.transport} bare` : s.transport;
      const row = { label: `${name}-${s.n}-${s.distinct ? 'distinct' : 'identical'}`, p50: percentile(sorted, 50), p99: percentile(sorted, 99), kb };
      rows.push(row);
      console.log(
        `${name.padEnd(9)}  ${String(s.n).padStart(11)}  ${(s.distinct ? 'distinct' : 'identical').padEnd(9)}  ${row.p50.toFixed(1).padStart(7)}  ${row.p99.toFixed(1).padStart(7)}   ${kb.toFixed(1)} KB`,
      );
      await ask(subscribers, { cmd: 'close' });
      await server.stop();
      server = null;
    }
    const get = (label: string) => rows.find((r) => r.label === label)!;
    // The 1,000-subscriber rows are skipped with BENCH_FANOUT_ONLY.
    if (rows.some((r) => r.label === 'ws-1000-distinct')) {
      console.log(`RATIO fan-out p99, 1000 graphql-ws subscribers, shared/distinct: ${(get('ws-1000-identical').p99 / get('ws-1000-distinct').p99).toFixed(2)}`);
    }
    console.log(`RATIO fan-out p99 / 100 ms target, ${N} graphql-ws: ${(get(`ws-${N}-identical`).p99 / 100).toFixed(2)} (target < 1)`);
    console.log(`RATIO fan-out p99 / 100 ms target, ${N} SSE: ${(get(`sse-${N}-identical`).p99 / 100).toFixed(2)} (target < 1)`);
    for (const t of ['ws', 'sse']) {
      const [gw, bare] = [get(`${t}-${N}-identical`), get(`${t} bare-${N}-identical`)];
      console.log(`RATIO fan-out p99, ${N} ${t === 'ws' ? 'graphql-ws' : 'SSE'}, gateway / bare node server: ${(gw.p99 / bare.p99).toFixed(2)} (${gw.p99.toFixed(1)} vs ${bare.p99.toFixed(1)} ms)`);
    }
    console.log(`RATIO fan-out RSS / 20 KB target, ${N} graphql-ws: ${(get(`ws-${N}-identical`).kb / 20).toFixed(2)}; SSE: ${(get(`sse-${N}-identical`).kb / 20).toFixed(2)} (target < 1)`);
    const stream = get(`sse /graphql/stream-${N}-identical`);
    console.log(`RATIO fan-out p99 / 100 ms target, ${N} SSE on /graphql/stream (distinct-connections mode): ${(stream.p99 / 100).toFixed(2)}; RSS / 20 KB: ${(stream.kb / 20).toFixed(2)}`);
  } finally {
    await subscribers.stop();
    await server?.stop();
  }
}
