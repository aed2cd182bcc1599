// A whole gateway on a real loopback port (HTTP + graphql-ws), pointed at an emulator.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../../src/emulators/saas-security/emulator.js';
import type { WireIncident } from '../../src/connectors/saas-security/wire.js';
import { createLogger } from '../../src/logger.js';
import { startGateway, type RunningGateway } from '../../src/server.js';
import { recordedFixture } from './fixtures.js';
import { FAST_RETRY_ENV, LogCapture } from './gateway.js';

export interface ServedGateway {
  gateway: RunningGateway;
  emulator: SaasSecurityEmulator;
  logs: LogCapture;
  wsUrl: string;
  close(): Promise<void>;
}

export async function startServedGateway(env: Record<string, string> = {}): Promise<ServedGateway> {
  const emulator = new SaasSecurityEmulator();
  emulator.load(recordedFixture<{ resources: WireIncident[] }>('saas-security/get-incidents.json').resources);
  const url = await emulator.start();
  const config = loadConfig({
    PORT: '0',
    SAAS_SECURITY_URL: url,
    SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
    SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    // Each gateway its own durable state, so parallel test files never share store files.
    SECGRAPH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'secgraph-data-')),
    CLOUDTRAIL_DIR: mkdtempSync(path.join(tmpdir(), 'secgraph-cloudtrail-')),
    ...FAST_RETRY_ENV,
    ...env,
  });
  const logs = new LogCapture();
  const gateway = await startGateway(config, createLogger('debug', logs));
  return {
    gateway,
    emulator,
    logs,
    wsUrl: `${gateway.url.replace(/^http/, 'ws')}/graphql`,
    async close() {
      await gateway.stop();
      await emulator.stop();
    },
  };
}

export async function postGraphQL(baseUrl: string, query: string, variables?: Record<string, unknown>, key?: string) {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: Array<{ message: string; extensions?: any }> } };
}
