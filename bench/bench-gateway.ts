// The gateway the benches run: over a SaaS Security emulator on loopback, on a free port, no background
// fetching, no sample alerts, state in temp dirs (never ./data). `stop` removes the temp dirs too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { createLogger } from '../src/logger.js';
import { startGateway, type RunningGateway } from '../src/server.js';

export async function startBenchGateway(emulator: SaasSecurityEmulator, env: Record<string, string> = {}): Promise<RunningGateway> {
  const gateway = await startBenchGatewayAt(await emulator.start(), env);
  return {
    ...gateway,
    stop: async () => {
      await gateway.stop();
      await emulator.stop();
    },
  };
}

/** The same over an upstream already running (an emulator in another process, so its memory is not the gateway's). */
export async function startBenchGatewayAt(upstream: string, env: Record<string, string> = {}): Promise<RunningGateway> {
  const dirs = [mkdtempSync(path.join(tmpdir(), 'secgraph-bench-data-')), mkdtempSync(path.join(tmpdir(), 'secgraph-bench-ct-'))];
  const config = loadConfig({
    PORT: '0',
    SAAS_SECURITY_URL: upstream,
    SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
    SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    SECGRAPH_DATA_DIR: dirs[0]!,
    CLOUDTRAIL_DIR: dirs[1]!,
    SAAS_SECURITY_FETCH: 'false',
    STA_SANDBOX_ALERTS: 'false',
    // Thousands of subscribers connect from this one loopback address at once: no per-address caps.
    SECGRAPH_MAX_CONNECTIONS_PER_ADDRESS: '0',
    SECGRAPH_MAX_PENDING_CONNECTIONS_PER_ADDRESS: '0',
    ...env,
  });
  const gateway = await startGateway(config, createLogger('silent'));
  return {
    ...gateway,
    stop: async () => {
      await gateway.stop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}
