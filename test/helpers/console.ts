// The console in Chromium against a whole gateway on loopback: a SaaS Security emulator holding the sandbox's
// generated incidents (so a test can add and inspect incidents upstream), STA and CloudTrail as the built-in
// sandboxes, fetching every second.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../../src/emulators/saas-security/emulator.js';
import { createLogger } from '../../src/logger.js';
import { startGateway, type RunningGateway } from '../../src/server.js';
import { FAST_RETRY_ENV, LogCapture } from './gateway.js';

export const FETCH_INTERVAL_MS = 1000;

export interface ConsoleGateway {
  /** The running gateway; replaced by restart(). */
  gateway: RunningGateway;
  emulator: SaasSecurityEmulator;
  logs: LogCapture;
  /** Stops the gateway, runs `whileDown`, and starts it again on the same port with the same data dir. */
  restart(whileDown?: () => void | Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** `incidents`: how many generated incidents the emulator holds (the sandbox has 300). */
export async function startConsoleGateway(env: Record<string, string> = {}, incidents = 300): Promise<ConsoleGateway> {
  const emulator = new SaasSecurityEmulator({ generatedIncidents: incidents, remediationDelayMs: 1500 });
  const url = await emulator.start();
  const config = loadConfig({
    PORT: '0',
    SAAS_SECURITY_URL: url,
    SAAS_SECURITY_CLIENT_ID: EMULATOR_CLIENT_ID,
    SAAS_SECURITY_CLIENT_SECRET: EMULATOR_CLIENT_SECRET,
    SAAS_SECURITY_FETCH_INTERVAL: `${FETCH_INTERVAL_MS}ms`,
    SAAS_SECURITY_REMEDIATION_POLL: '300ms',
    SECGRAPH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'secgraph-console-')),
    ...FAST_RETRY_ENV,
    ...env,
  });
  const logs = new LogCapture();
  const gateway = await startGateway(config, createLogger('debug', logs));
  // The SAML view shows the sandbox's detections, ingested just after the server listens.
  await gateway.seeded;
  const served: ConsoleGateway = {
    gateway,
    emulator,
    logs,
    async restart(whileDown) {
      const port = Number(new URL(served.gateway.url).port);
      await served.gateway.stop();
      await whileDown?.();
      served.gateway = await startGateway({ ...config, port }, createLogger('debug', logs));
      await served.gateway.seeded;
    },
    async close() {
      await served.gateway.stop();
      await emulator.stop();
    },
  };
  return served;
}

/** A fresh browser context (its own sessionStorage) on /console, past the key prompt when a key is given. */
export async function openConsole(browser: Browser, baseUrl: string, key?: string, viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console`);
  if (key) {
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Open the console' }).click();
  }
  return { context, page };
}
