// GraphiQL in a real browser: the page renders from assets the gateway serves itself (no CDN), and running
// its default query shows incident data from the upstream.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './helpers/browser.js';
import { startServedGateway, type ServedGateway } from './helpers/server.js';

let browser: Browser;
let served: ServedGateway;
beforeAll(async () => {
  served = await startServedGateway({ SAAS_SECURITY_TIMEOUT_MS: '5000' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await served?.close();
});

describe('GraphiQL', () => {
  it('renders offline from the gateway and runs the default query', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(served.gateway.url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    await page.goto(`${served.gateway.url}/graphql`);
    await expect(page.title()).resolves.toMatch(/^secgraph/);
    await page.locator('.graphiql-execute-button').click({ timeout: 20_000 });
    const result = page.locator('.result-window');
    // The first open incident of the recorded fixtures (the result pane renders only its visible lines).
    await result.getByText('SP0605 copy 5.java').waitFor({ timeout: 20_000 });
    expect(await result.innerText()).toContain('"incidents"');
    const shot = path.join(mkdtempSync(path.join(tmpdir(), 'secgraph-shot-')), 'graphiql.png');
    await page.screenshot({ path: shot });
    expect(foreign).toEqual([]);
  });

  it('serves only the known assets', async () => {
    const ok = await fetch(`${served.gateway.url}/graphiql-assets/graphiql.css`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/text\/css/);
    const traversal = await fetch(`${served.gateway.url}/graphiql-assets/..%2F..%2Fpackage.json`);
    expect(traversal.status).toBe(404);
  });
});
