// Child process of the read bench: the gateway on a free loopback port over an emulator holding the 50
// incidents; no background fetching; a temp data dir. Prints "READY <url>" when listening.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../../src/emulators/saas-security/emulator.js';
import { createLogger } from '../../src/logger.js';
import { startGateway } from '../../src/server.js';
import { wireIncidents50 } from './incidents-50.js';

const emulator = new SaasSecurityEmulator();
emulator.load(wireIncidents50());
const upstream = await emulator.start();
const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-bench-read-'));
const config = loadConfig({
  PORT: '0',
  SAAS_SECURITY_URL: upstream,
  SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
  SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
  SECGRAPH_DATA_DIR: dataDir,
  CLOUDTRAIL_DIR: mkdtempSync(path.join(tmpdir(), 'secgraph-bench-read-ct-')),
  SAAS_SECURITY_FETCH: 'false',
  STA_SANDBOX_ALERTS: 'false',
});
const gateway = await startGateway(config, createLogger('silent'));
process.stdout.write(`READY ${gateway.url}\n`);
process.once('SIGTERM', () => {
  void gateway.stop().then(async () => {
    await emulator.stop();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
