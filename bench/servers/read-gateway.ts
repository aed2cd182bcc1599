// Child process of the read bench: the gateway on a free loopback port over an emulator holding the 50
// incidents (bench-gateway.ts). Prints "READY <url>" when listening.
import { SaasSecurityEmulator } from '../../src/emulators/saas-security/emulator.js';
import { startBenchGateway } from '../bench-gateway.js';
import { wireIncidents50 } from './incidents-50.js';

const emulator = new SaasSecurityEmulator();
emulator.load(wireIncidents50());
// reads.bench.ts's settings (the cursor key it gives the anchor too, SECGRAPH_GRAPHQL_JIT): loadConfig reads
// only what it is handed, not this process's environment.
const settings = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('SECGRAPH_') && !!e[1]));
const gateway = await startBenchGateway(emulator, settings);
process.stdout.write(`READY ${gateway.url}\n`);
process.once('SIGTERM', () => void gateway.stop().then(() => process.exit(0)));
