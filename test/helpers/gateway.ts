// Builds a gateway for tests: a real emulator on loopback, the real connector and yoga app, no port for
// GraphQL (yoga.fetch). Everything a test might want to poke is returned.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createApp, loadCompiledQueries, type GatewayYoga } from '../../src/app.js';
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
import { StaEmulator, type StaEmulatorOptions } from '../../src/emulators/sta/emulator.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { StaResponder } from '../../src/playbooks/sta-responder.js';
import { startServices } from '../../src/services.js';
import { recordedFixture } from './fixtures.js';

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
  /** Use this running emulator (e.g. shared by two gateways) instead of starting one; close() leaves it running. */
  sharedEmulator?: SaasSecurityEmulator;
  /** Start an STA emulator on loopback and configure STA_URL/STA_TENANT_CODE/STA_API_KEY for it. */
  sta?: StaEmulatorOptions | true;
  /** Run SAML detection on the generated sample CloudTrail tree (the no-configuration sandbox); off by default. */
  samlSandbox?: boolean;
  /** What the STA playbooks act through (a fake in tests; null for none); default: the STA connector. */
  staResponder?: StaResponder | null;
}

export interface GqlResponse<T> {
  status: number;
  body: { data?: T; errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }> };
}

export interface TestGateway {
  yoga: GatewayYoga;
  emulator: SaasSecurityEmulator;
  /** The STA emulator the `sta` option started; null without it (STA then runs as the built-in sandbox). */
  sta: StaEmulator | null;
  services: Services;
  config: Config;
  logs: LogCapture;
  logger: Logger;
  /** POST a GraphQL operation; `key` goes in Authorization: Bearer. */
  gql<T = any, V = Record<string, unknown>>(query: string | TypedDocumentNode<T, V>, variables?: V, key?: string): Promise<GqlResponse<T>>;
  close(): Promise<void>;
}

/** Fast retries so fault tests take milliseconds, not seconds. */
export const FAST_RETRY_ENV = {
  SAAS_SECURITY_TIMEOUT_MS: '2000',
  SAAS_SECURITY_RETRIES: '2',
  SAAS_SECURITY_RETRY_BASE_DELAY_MS: '5',
  SAAS_SECURITY_MAX_RETRY_DELAY_MS: '3000',
  STA_TIMEOUT_MS: '2000',
  STA_RETRIES: '2',
  STA_RETRY_BASE_DELAY_MS: '5',
  STA_MAX_RETRY_DELAY_MS: '3000',
};

export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const clock = opts.clock ?? systemClock;
  const emulator = opts.sharedEmulator ?? new SaasSecurityEmulator({ clock, ...opts.emulator });
  if (opts.fixtures) {
    emulator.load(recordedFixture<{ resources: WireIncident[] }>('saas-security/get-incidents.json').resources);
    emulator.putRemediation(recordedFixture('saas-security/get-asset-remediation-status.json'));
  }
  const url = opts.sharedEmulator ? emulator.url : await emulator.start();
  const sta = opts.sta ? new StaEmulator({ clock, ...(opts.sta === true ? {} : opts.sta) }) : null;
  const staEnv = sta ? { STA_URL: await sta.start(), STA_TENANT_CODE: sta.tenantCode, STA_API_KEY: sta.apiKey } : {};
  // Each gateway gets its own data dir (the durable stores live there), removed on close.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-test-'));
  const config = loadConfig({
    SAAS_SECURITY_URL: url,
    SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
    SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    SECGRAPH_DATA_DIR: dataDir,
    // The background fetcher would add requests to the emulator's log; tests that want it turn it on.
    SAAS_SECURITY_FETCH: 'false',
    // Likewise the sandbox's two sample STA alerts would add to every alert listing.
    STA_SANDBOX_ALERTS: 'false',
    ...FAST_RETRY_ENV,
    ...staEnv,
    // Without CLOUDTRAIL_DIR the gateway would generate and ingest the sandbox tree: only when asked.
    ...(opts.samlSandbox ? {} : { CLOUDTRAIL_DIR: mkdtempSync(path.join(tmpdir(), 'secgraph-cloudtrail-')) }),
    ...opts.env,
  });
  const logs = new LogCapture();
  const logger = createLogger('debug', logs);
  const running = await startServices(config, logger, clock, opts.staResponder === undefined ? {} : { staResponder: opts.staResponder });
  // The server seeds after listening; a harness without one seeds before the test asserts on the data.
  await running.seedSandboxes();
  const services = running.services;
  const yoga = createApp({ services, compiledQueries: await loadCompiledQueries(config) });
  return {
    yoga,
    emulator,
    sta,
    services,
    config,
    logs,
    logger,
    async gql(query, variables, key) {
      const res = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables }),
      });
      return { status: res.status, body: (await res.json()) as any };
    },
    async close() {
      await running.close();
      if (!opts.sharedEmulator) await emulator.stop();
      await sta?.stop();
      if (config.dataDir === dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
