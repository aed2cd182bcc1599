// Alert destinations: a new SAML detection until its webhook arrives at a loopback receiver, while a second
// destination is failing (every attempt answered 503, its breaker opening and probing every second) with
// 1,000 alerts in its backlog. Each detection is ingested on its own (one record, one transaction with its
// deliveries) and timed from the ingest call to the receiver reading the request. Target: p99 < 1 s.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServices } from '../src/services.js';
import { samlRecord as record } from '../test/helpers/destinations.js';

const BACKLOG = Number(process.env['BENCH_DESTINATIONS_BACKLOG'] ?? 1000);
const SAMPLES = Number(process.env['BENCH_DESTINATIONS_SAMPLES'] ?? 200);

async function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export async function run(): Promise<void> {
  const arrived = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  const healthy = await listen((_req, body, res) => {
    const actor = (JSON.parse(body) as { actor: string }).actor;
    arrived.set(actor, performance.now());
    waiting.get(actor)?.();
    res.end('ok');
  });
  let failingAttempts = 0;
  const failing = await listen((_req, _body, res) => {
    failingAttempts++;
    res.statusCode = 503;
    res.end('down for maintenance');
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'secgraph-bench-destinations-'));
  const file = path.join(dir, 'secgraph.yaml');
  writeFileSync(
    file,
    stringify({
      destinations: [
        { name: 'failing', type: 'webhook', url: failing.url, retryBaseDelay: '1s' },
        { name: 'soar', type: 'webhook', url: healthy.url },
      ],
    }),
  );
  const config = loadConfig({
    SECGRAPH_DATA_DIR: path.join(dir, 'data'),
    CLOUDTRAIL_DIR: mkdtempSync(path.join(dir, 'cloudtrail-')),
    SECGRAPH_CONFIG: file,
    SAAS_SECURITY_FETCH: 'false',
    STA_SANDBOX_ALERTS: 'false',
    SECGRAPH_BREAKER_COOLDOWN_MS: '1000',
  });
  const running = await startServices(config, createLogger('silent'));
  const saml = running.services.samlDetection!;
  const ingest = async (...actors: string[]) => {
    const session = saml.startIngest('bench');
    for (const a of actors) session.push({ ok: true, value: record(a) });
    await session.finish();
  };
  try {
    // The failing destination's backlog: 1,000 alerts (the healthy one delivers them meanwhile).
    const t0 = performance.now();
    for (let i = 0; i < BACKLOG; i += 100) await ingest(...Array.from({ length: Math.min(100, BACKLOG - i) }, (_, j) => `backlog-${i + j}`));
    while (arrived.size < BACKLOG) await new Promise((r) => setTimeout(r, 20));
    const counts = await running.services.destinations.summaries();
    const f = counts.find((c) => c.name === 'failing')!;
    console.log(`backlog                     ${BACKLOG} alerts enqueued and delivered to the healthy destination in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    console.log(`failing destination         pending ${f.pending}, delivered ${f.delivered}, failed ${f.failed}, breaker ${f.breaker}, ${failingAttempts} attempts so far`);

    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const actor = `sample-${i}`;
      const got = new Promise<void>((r) => waiting.set(actor, r));
      const start = performance.now();
      await ingest(actor);
      await got;
      latencies.push(arrived.get(actor)! - start);
      waiting.delete(actor);
    }
    const after = (await running.services.destinations.summaries()).find((c) => c.name === 'failing')!;
    console.log(`failing destination after   pending ${after.pending}, ${failingAttempts} attempts in all`);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(`detection → webhook         p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (${SAMPLES} detections)`);
    console.log(`RATIO new SAML detection → webhook receipt p99 with ${BACKLOG} alerts in a failing destination's backlog / 1 s target: ${(p99 / 1000).toFixed(3)} (${p99.toFixed(1)} ms; target < 1)`);
  } finally {
    await running.close();
    await healthy.close();
    await failing.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
