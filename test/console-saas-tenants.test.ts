// The console with two SaaS Security tenants (the sandbox with SAAS_SECURITY_SANDBOX_TENANTS=2, whose
// incidents share their ids): the queue shows both tenants' incidents apart, an incident of the second tenant
// opens as #/incident/sandbox-2/<id> and closes at that tenant only, and the status view has a fetcher per tenant.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startGateway, type RunningGateway } from '../src/server.js';
import { launchChromium } from './helpers/browser.js';
import { openConsole } from './helpers/console.js';
import { LogCapture } from './helpers/gateway.js';
import { postGraphQL } from './helpers/server.js';

let browser: Browser;
let gateway: RunningGateway;
const dirs: string[] = [];

beforeAll(async () => {
  const dir = (p: string) => {
    const d = mkdtempSync(path.join(tmpdir(), p));
    dirs.push(d);
    return d;
  };
  const config = loadConfig({
    PORT: '0',
    SAAS_SECURITY_SANDBOX_TENANTS: '2',
    SAAS_SECURITY_FETCH_INTERVAL: '1000ms',
    SECGRAPH_DATA_DIR: dir('secgraph-console-tenants-'),
    CLOUDTRAIL_DIR: dir('secgraph-console-tenants-ct-'),
    STA_SANDBOX_ALERTS: 'false',
  });
  gateway = await startGateway(config, createLogger('debug', new LogCapture()));
  browser = await launchChromium();
  await vi.waitFor(
    async () => {
      const r = await postGraphQL(gateway.url, '{ gateway { saasSecurityInstances { fetch { storedIncidents } } } }');
      if (!r.body.data?.gateway.saasSecurityInstances.every((t: { fetch: { storedIncidents: number } }) => t.fetch.storedIncidents > 0)) throw new Error('still fetching');
    },
    { timeout: 30_000, interval: 200 },
  );
});
afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it('shows both tenants\' incidents apart, opens and closes one at its own tenant, and a fetcher per tenant', async () => {
  const events = await postGraphQL(gateway.url, '{ incidentEvents(first: 1000) { incident { instance incidentId assetName state } } }');
  const open = events.body.data.incidentEvents
    .map((e: { incident: { instance: string; incidentId: number; assetName: string; state: string } }) => e.incident)
    .filter((i: { instance: string; state: string }) => i.instance === 'sandbox-2' && i.state === 'OPEN');
  const target = open[0] as { incidentId: number; assetName: string };
  const before = await postGraphQL(gateway.url, `{ incident(id: "${target.incidentId}") { state } }`);

  const { context, page } = await openConsole(browser, gateway.url);
  await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
  await page.getByLabel('Search').fill(`sandbox-2/${target.incidentId}`);
  const row = page.locator(`.tbody [data-incident="sandbox-2/${target.incidentId}"]`);
  await expect.poll(() => row.innerText()).toContain(target.assetName);
  await row.click();
  await page.getByRole('heading', { name: `Incident ${target.incidentId} (sandbox-2)` }).waitFor();
  expect(page.url()).toContain(`#/incident/sandbox-2/${target.incidentId}`);
  await page.getByLabel('Close as').selectOption('NO_REASON');
  await page.getByRole('button', { name: 'Close incident' }).click();
  await page.getByRole('button', { name: 'Closed', exact: true }).waitFor();
  const after = await postGraphQL(gateway.url, `{ b: incident(id: "${target.incidentId}", instance: "sandbox-2") { state category } a: incident(id: "${target.incidentId}") { state } }`);
  expect(after.body.data.b).toEqual({ state: 'CLOSED', category: 'no_reason' });
  // The default tenant's incident of the same id is untouched.
  expect(after.body.data.a).toEqual(before.body.data.incident);

  await page.getByRole('link', { name: 'Gateway status' }).click();
  await page.locator('[data-tenant="default"]').getByText('Incident fetching (default)').waitFor();
  await page.locator('[data-tenant="sandbox-2"]').getByText('Incident fetching (sandbox-2)').waitFor();
  await context.close();
}, 90_000);
