// Builds a gateway for tests: a real emulator on loopback, the real connector and yoga app, no port for
// GraphQL (yoga.fetch). Everything a test might want to poke is returned.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type GatewayYoga } from '../../src/app.js';
import { ApiKeyAuthenticator } from '../../src/auth.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { WireIncident } from '../../src/connectors/saas-security/wire.js';
import type { Services } from '../../src/context.js';
import {
  EMULATOR_CLIENT_ID,
  EMULATOR_CLIENT_SECRET,
  SaasSecurityEmulator,
  type SaasSecurityEmulatorOptions,
} from '../../src/emulators/saas-security/emulator.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startServices } from '../../src/services.js';
import { sharedFixture } from './fixtures.js';

/** Collects every log line, so tests can assert what was (and was not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface TestGatewayOptions {
  env?: Record<string, string>;
  emulator?: SaasSecurityEmulatorOptions;
  /** Load the recorded incidents (ids 3..10) and remediation status into the emulator. */
  fixtures?: boolean;
  clock?: Clock;
}

export interface TestGateway {
  yoga: GatewayYoga;
  emulator: SaasSecurityEmulator;
  services: Services;
  config: Config;
  logs: LogCapture;
  logger: Logger;
  /** POST a GraphQL operation; `key` goes in Authorization: Bearer. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, key?: string): Promise<{ status: number; body: { data?: T; errors?: Array<{ message: string; extensions?: Record<string, any> }> } }>;
  close(): Promise<void>;
}

/** Fast retries so fault tests take milliseconds, not seconds. */
export const FAST_RETRY_ENV = {
  SAAS_SECURITY_TIMEOUT_MS: '2000',
  SAAS_SECURITY_RETRIES: '2',
  SAAS_SECURITY_RETRY_BASE_DELAY_MS: '5',
  SAAS_SECURITY_MAX_RETRY_DELAY_MS: '3000',
};

export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const clock = opts.clock ?? systemClock;
  const emulator = new SaasSecurityEmulator({ clock, ...opts.emulator });
  if (opts.fixtures) {
    emulator.load(sharedFixture<{ resources: WireIncident[] }>('saas-security/get-incidents.json').resources);
    emulator.putRemediation(sharedFixture('saas-security/get-asset-remediation-status.json'));
  }
  const url = await emulator.start();
  // Each gateway gets its own data dir (the fetch store lives there), removed on close.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-test-'));
  const config = loadConfig({
    SAAS_SECURITY_URL: url,
    SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
    SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    SECGRAPH_DATA_DIR: dataDir,
    // The background fetcher would add requests to the emulator's log; tests that want it turn it on.
    SAAS_SECURITY_FETCH: 'false',
    ...FAST_RETRY_ENV,
    ...opts.env,
  });
  const logs = new LogCapture();
  const logger = createLogger('debug', logs);
  const running = await startServices(config, logger, clock);
  const services = running.services;
  const yoga = createApp({ services, authenticator: new ApiKeyAuthenticator(config.apiKeys) });
  return {
    yoga,
    emulator,
    services,
    config,
    logs,
    logger,
    async gql(query, variables, key) {
      const res = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as any };
    },
    async close() {
      await running.close();
      await emulator.stop();
      if (config.dataDir === dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
