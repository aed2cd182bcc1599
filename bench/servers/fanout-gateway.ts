// Child process of the fan-out bench: a fresh gateway per scenario (bench-gateway.ts), so one scenario's
// freed memory, which the heap keeps rather than returning to the OS, never hides the next one's growth in
// RSS. Prints "READY <url>"; on IPC, "publish" publishes an incident event stamped with this process's clock
// (the subscribers' process measures publish → receipt against the same machine clock) and "rss" answers the
// resident set size after a full GC, with the heap's figures (BENCH_FANOUT_MEMORY=1 prints them).
import { toIncident } from '../../src/connectors/saas-security/map.js';
import { SaasSecurityEmulator } from '../../src/emulators/saas-security/emulator.js';
import { generateIncidents } from '../../src/emulators/saas-security/seed.js';
import { startBenchGateway } from '../bench-gateway.js';

const gateway = await startBenchGateway(new SaasSecurityEmulator(), { SECGRAPH_SUBSCRIPTION_BUFFER: '100000' });
const [wire] = generateIncidents(1, Date.now());
const incident = toIncident(wire!);

type Command = { cmd: 'publish'; id: number; measured: boolean } | { cmd: 'rss' };

process.on('message', (m: Command) => {
  if (m.cmd === 'publish') {
    const at = m.measured ? performance.timeOrigin + performance.now() : 0;
    void gateway.services.pubsub.publish('incident:event', { id: m.id, kind: 'FETCHED', incident, changedFields: [], at: new Date(at).toISOString() });
    process.send?.({ published: m.id });
  } else if (m.cmd === 'rss') {
    globalThis.gc?.();
    const m = process.memoryUsage();
    process.send?.({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers });
  }
});
process.stdout.write(`READY ${gateway.url}\n`);
process.once('SIGTERM', () => void gateway.stop().then(() => process.exit(0)));
