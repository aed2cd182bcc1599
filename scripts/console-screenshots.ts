// `npm run screenshots:console`: starts the no-configuration sandbox gateway on a free loopback port, opens each
// console view in headless Chromium and saves docs/console-*.png (shown in the README's "Console" section).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startGateway } from '../src/server.js';
import { launchChromium } from '../test/helpers/browser.js';
import { buildConsole } from './build-console.js';

const docs = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs');

async function main(): Promise<void> {
  await buildConsole({ ifStale: true });
  const config = loadConfig({ PORT: '0', SECGRAPH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'secgraph-shots-')) });
  const gateway = await startGateway(config, createLogger('silent'));
  const browser = await launchChromium();
  try {
    while (!(await gateway.services.incidentSync?.status())?.lastRunAt) await new Promise((r) => setTimeout(r, 200));
    const shoot = async (name: string, hash: string, viewport: { width: number; height: number }, ready: string, act?: (p: import('playwright-core').Page) => Promise<void>) => {
      const page = await browser.newPage({ viewport });
      await page.goto(`${gateway.url}/console/#${hash}`);
      await page.locator(ready).first().waitFor();
      if (act) await act(page);
      await page.waitForTimeout(500);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(docs, `console-${name}.png`) });
      await page.close();
    };
    const small = { width: 1280, height: 800 };
    await shoot('queue', '/queue', small, '.tbody .tr');
    await shoot('queue-1920', '/queue', { width: 1920, height: 1080 }, '.tbody .tr');
    const page = await browser.newPage({ viewport: small });
    await page.goto(`${gateway.url}/console/#/queue`);
    const first = await page.locator('.tbody .tr').first().getAttribute('data-incident');
    await page.close();
    await shoot('incident', `/incident/${first}`, { width: 1280, height: 800 }, '.owner h4', async (p) => {
      await p.getByRole('button', { name: 'Remediate asset' }).click();
      await p.getByTestId('remediation-status').waitFor();
    });
    await shoot('sta-alerts', '/alerts', small, '.alert');
    await shoot('saml', '/saml', small, '.saml');
    await shoot('status', '/status', small, '[data-upstream]');
    // The key prompt of a gateway with API keys, after a wrong key.
    const keyed = await startGateway(
      loadConfig({ PORT: '0', SECGRAPH_API_KEYS: 'screenshot-key=read', SECGRAPH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'secgraph-shots-')) }),
      createLogger('silent'),
    );
    try {
      const p = await browser.newPage({ viewport: small });
      await p.goto(`${keyed.url}/console`);
      await p.getByLabel('API key').fill('not-the-key');
      await p.getByRole('button', { name: 'Open the console' }).click();
      await p.getByTestId('key-error').waitFor();
      await p.screenshot({ path: path.join(docs, 'console-key.png') });
      await p.close();
    } finally {
      await keyed.stop();
    }
  } finally {
    await browser.close();
    await gateway.stop();
  }
}

main().then(
  () => process.stdout.write(`screenshots saved in ${path.relative(process.cwd(), docs)}/console-*.png\n`),
  (error: unknown) => {
    process.stderr.write(`screenshots failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
