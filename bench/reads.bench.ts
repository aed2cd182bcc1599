// Reads near the framework's limit: what users query, cached, on the gateway against a bare graphql-yoga
// server answering the same shapes from memory (bench/servers/bare-yoga.ts), each in its own process, loaded
// by autocannon from this one. Three queries over `incidents(first: 50)` (bench/servers/incidents-50.ts):
// scalar fields only, with `app { appName }`, and with `assetOwner { userName email groups { name } }` (the
// README's example shapes); the bare server does the same joins from in-memory Maps. Before measuring, each
// query's answer from both servers is compared: they must be the same data.
// Rounds alternate between the two servers so machine noise hits both; the target ratios are paired: each
// gateway round divided by the bare round just before it, the median of those is the RATIO line (the ratio of
// the medians is printed too). One server's RPS moved by up to 2× between rounds of one run on this shared
// machine (12-03). Each server's CPU time per request (from /proc) moves less, and is printed.
// BENCH_READ_SECONDS (default 5) per round, BENCH_READ_ROUNDS (default 5) rounds each, BENCH_READ_CONNECTIONS
// (default 20); BENCH_READ_QUERIES=app,assetOwner runs only those; BENCH_READ_JIT=1 adds the gateway with
// graphql-jit (SECGRAPH_GRAPHQL_JIT=true, off by default) to every query; BENCH_READ_VERBOSE=1 prints every
// round. All servers run with the same NODE_ENV (production unless set).
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { median, serverCpuMs, startChild, type Child } from './child.js';
import { READ_QUERIES } from './servers/incidents-50.js';

const SECONDS = Number(process.env['BENCH_READ_SECONDS'] ?? 5);
const ROUNDS = Number(process.env['BENCH_READ_ROUNDS'] ?? 5);
const CONNECTIONS = Number(process.env['BENCH_READ_CONNECTIONS'] ?? 20);
const ONLY = process.env['BENCH_READ_QUERIES']?.split(',').filter(Boolean);
/** RPS targets per query (p99 ≤ 1.50 for all): the scalar read must stay closer to the framework than a join. */
const RPS_TARGET: Record<string, number> = { scalar: 0.9, app: 0.8, assetOwner: 0.8 };

async function answer(url: string, body: string): Promise<unknown> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const json = (await res.json()) as { data?: { incidents: { edges: unknown[] } }; errors?: unknown };
  if (json.errors || json.data?.incidents.edges.length !== 50) throw new Error(`${url} did not answer the query: ${JSON.stringify(json).slice(0, 300)}`);
  return json.data;
}

interface Round {
  rps: number;
  p99: number;
  errors: number;
  /** Server CPU µs per request (null without /proc). */
  cpu: number | null;
}

async function round(server: Child, body: string): Promise<Round> {
  const before = serverCpuMs(server);
  const r = await autocannon({
    url: `${server.url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    duration: SECONDS,
  });
  const after = serverCpuMs(server);
  const cpu = before !== null && after !== null && r.requests.total > 0 ? ((after - before) * 1000) / r.requests.total : null;
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx, cpu };
}

export async function run(): Promise<void> {
  // One cursor key for both: the gateway's answers must equal the anchor's, cursors included.
  const env = { NODE_ENV: process.env['NODE_ENV'] ?? 'production', SECGRAPH_CURSOR_KEY: 'reads-bench-cursor-key-0123456789abcdef' };
  const servers: Array<[string, Child]> = [
    ['bare graphql-yoga', await startChild('bench/servers/bare-yoga.ts', env)],
    ['gateway', await startChild('bench/servers/read-gateway.ts', env)],
  ];
  if (process.env['BENCH_READ_JIT']) servers.push(['gateway with jit', await startChild('bench/servers/read-gateway.ts', { ...env, SECGRAPH_GRAPHQL_JIT: 'true' })]);
  try {
    for (const { name: queryName, query } of READ_QUERIES.filter((q) => !ONLY || ONLY.includes(q.name))) {
      const body = JSON.stringify({ query });
      const expected = await answer(servers[0]![1].url, body);
      for (const [name, s] of servers.slice(1)) {
        if (!isDeepStrictEqual(await answer(s.url, body), expected)) throw new Error(`${name} and bare yoga answer the ${queryName} query differently`);
      }
      const results = new Map<string, Round[]>(servers.map(([n]) => [n, []]));
      await round(servers[1]![1], body); // warm-up: JIT and the caches
      for (let i = 0; i < ROUNDS; i += 1) for (const [name, s] of servers) results.get(name)!.push(await round(s, body));
      if (process.env['BENCH_READ_VERBOSE']) for (const [name, rs] of results) console.log(name, rs.map((r) => `${r.rps.toFixed(0)}/${r.p99}ms`).join(' '));
      console.log(`\n${queryName}: ${query}`);
      console.log(`cached, ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s rounds, alternating, NODE_ENV=${env.NODE_ENV}`);
      console.log('server               RPS (median)   p99 ms (median)   CPU µs/request (median)   errors');
      const figures = new Map<string, { rps: number; p99: number; cpu: number | null }>();
      for (const [name, rs] of results) {
        const cpus = rs.map((r) => r.cpu).filter((c): c is number => c !== null);
        const f = { rps: median(rs.map((r) => r.rps)), p99: median(rs.map((r) => r.p99)), cpu: cpus.length ? median(cpus) : null };
        figures.set(name, f);
        console.log(`${name.padEnd(20)} ${f.rps.toFixed(0).padStart(12)}   ${f.p99.toFixed(0).padStart(15)}   ${(f.cpu?.toFixed(0) ?? 'n/a').padStart(23)}   ${rs.reduce((n, r) => n + r.errors, 0)}`);
      }
      const bare = figures.get('bare graphql-yoga')!;
      const gw = figures.get('gateway')!;
      const bareRounds = results.get('bare graphql-yoga')!;
      const gwRounds = results.get('gateway')!;
      const paired = (f: (r: Round) => number) => median(gwRounds.map((g, i) => f(g) / f(bareRounds[i]!)));
      console.log(`ratio of the medians: RPS ${(gw.rps / bare.rps).toFixed(2)}, p99 ${(gw.p99 / bare.p99).toFixed(2)}`);
      const target = RPS_TARGET[queryName] ?? 0.8;
      console.log(`RATIO reads ${queryName} RPS gateway/bare yoga (median of paired rounds): ${paired((r) => r.rps).toFixed(2)} (target ≥ ${target.toFixed(2)})`);
      console.log(`RATIO reads ${queryName} p99 gateway/bare yoga (median of paired rounds): ${paired((r) => r.p99).toFixed(2)} (target ≤ 1.50)`);
      if (gw.cpu !== null && bare.cpu !== null) {
        console.log(`RATIO reads ${queryName} server CPU per request bare yoga/gateway: ${(bare.cpu / gw.cpu).toFixed(2)} (${bare.cpu.toFixed(0)} vs ${gw.cpu.toFixed(0)} µs; the RPS ratio's steadier twin)`);
      }
      const jit = figures.get('gateway with jit');
      if (jit) console.log(`RATIO reads ${queryName} RPS graphql-jit on/off: ${(jit.rps / gw.rps).toFixed(2)}`);
    }
  } finally {
    for (const [, s] of servers) await s.stop();
  }
}
