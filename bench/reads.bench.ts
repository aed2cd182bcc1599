// Reads near the framework's limit: the cached `incidents(first: 50)` query on the gateway against a bare
// graphql-yoga server returning the same 50 objects from memory (bench/servers/), each in its own process,
// loaded by autocannon from this one. Rounds alternate between the two so machine noise hits both; the
// medians and their ratios are printed. All run with the same NODE_ENV (production unless set). The gateway
// also runs with graphql-jit (SECGRAPH_GRAPHQL_JIT=true, off by default), to show what the JIT is worth.
// BENCH_READ_SECONDS (default 5) per round, BENCH_READ_ROUNDS (default 5) rounds each, 20 connections;
// BENCH_READ_VERBOSE=1 prints every round's RPS. One server's RPS moved by up to 2× between rounds of one
// run on this shared machine (12-03), so the target ratios are paired: each round of the gateway is divided
// by the bare server's round just before it, and the median of those ratios is the RATIO line (the ratio of
// the medians is printed too). Each server's CPU time per request (from /proc) moves less, and is printed.
import autocannon from 'autocannon';
import { median, serverCpuMs, startChild, type Child } from './child.js';
import { READ_QUERY } from './servers/incidents-50.js';

const SECONDS = Number(process.env['BENCH_READ_SECONDS'] ?? 5);
const ROUNDS = Number(process.env['BENCH_READ_ROUNDS'] ?? 5);
const CONNECTIONS = 20;
const body = JSON.stringify({ query: READ_QUERY });

async function check(url: string): Promise<void> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const json = (await res.json()) as { data?: { incidents: { edges: unknown[] } }; errors?: unknown };
  if (json.errors || json.data?.incidents.edges.length !== 50) throw new Error(`${url} did not answer the query: ${JSON.stringify(json).slice(0, 300)}`);
}

interface Round {
  rps: number;
  p99: number;
  errors: number;
  /** Server CPU µs per request (null without /proc). */
  cpu: number | null;
}

async function round(server: Child): Promise<Round> {
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
  const env = { NODE_ENV: process.env['NODE_ENV'] ?? 'production' };
  const servers: Array<[string, Child]> = [
    ['bare graphql-yoga', await startChild('bench/servers/bare-yoga.ts', env)],
    ['gateway', await startChild('bench/servers/read-gateway.ts', env)],
    ['gateway with jit', await startChild('bench/servers/read-gateway.ts', { ...env, SECGRAPH_GRAPHQL_JIT: 'true' })],
  ];
  try {
    for (const [, s] of servers) await check(s.url);
    const results = new Map<string, Round[]>(servers.map(([n]) => [n, []]));
    await round(servers[1]![1]); // warm-up: JIT and the page cache
    for (let i = 0; i < ROUNDS; i += 1) for (const [name, s] of servers) results.get(name)!.push(await round(s));
    if (process.env['BENCH_READ_VERBOSE']) for (const [name, rs] of results) console.log(name, rs.map((r) => r.rps.toFixed(0)).join(' '));
    console.log(`cached incidents(first: 50), ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s rounds, alternating, NODE_ENV=${env.NODE_ENV}`);
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
    console.log(`RATIO reads RPS gateway/bare yoga (median of paired rounds): ${paired((r) => r.rps).toFixed(2)} (target ≥ 0.80)`);
    console.log(`RATIO reads p99 gateway/bare yoga (median of paired rounds): ${paired((r) => r.p99).toFixed(2)} (target ≤ 1.50)`);
    if (gw.cpu !== null && bare.cpu !== null) console.log(`RATIO reads server CPU per request bare yoga/gateway: ${(bare.cpu / gw.cpu).toFixed(2)} (the RPS ratio's steadier twin)`);
    console.log(`RATIO reads RPS graphql-jit on/off: ${(figures.get('gateway with jit')!.rps / gw.rps).toFixed(2)}`);
  } finally {
    for (const [, s] of servers) await s.stop();
  }
}
