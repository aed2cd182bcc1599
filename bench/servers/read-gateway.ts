// Child process of the read bench: the gateway on a free loopback port over an emulator holding the 50
// incidents (bench-gateway.ts). Prints "READY <url>" when listening.
import { SaasSecurityEmulator } from '../../src/emulators/saas-security/emulator.js';
import { startBenchGateway } from '../bench-gateway.js';
import { wireIncidents50 } from './incidents-50.js';

const emulator = new SaasSecurityEmulator();
emulator.load(wireIncidents50());
const gateway = await startBenchGateway(emulator);
process.stdout.write(`READY ${gateway.url}\n`);
process.once('SIGTERM', () => void gateway.stop().then(() => process.exit(0)));
