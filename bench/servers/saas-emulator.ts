// Child process of the fetch bench: the SaaS Security emulator holding BENCH_EMULATOR_INCIDENTS generated
// incidents, so the emulator's own copy (gigabytes at 1,000,000) is not in the fetcher's RSS. Prints
// "READY <url>"; answers a "pages" message on IPC with the number of delta page requests it served.
import { SaasSecurityEmulator } from '../../src/emulators/saas-security/emulator.js';

const emulator = new SaasSecurityEmulator({ generatedIncidents: Number(process.env['BENCH_EMULATOR_INCIDENTS'] ?? 0) });
const url = await emulator.start();
process.on('message', (m) => {
  if (m === 'pages') process.send?.({ pages: emulator.requestsTo('/incident/api/incidents/delta').length });
});
process.stdout.write(`READY ${url}\n`);
process.once('SIGTERM', () => void emulator.stop().then(() => process.exit(0)));
