// The console in headless Chromium against a gateway on loopback holding 5,000 fetched incidents: first
// contentful paint, time until the queue holds every incident, and frame intervals while scrolling the whole
// table (virtualised rows). Browser, gateway and emulator share this machine: figures are indicative.
import { buildConsole } from '../scripts/build-console.js';
import { launchChromium } from '../test/helpers/browser.js';
import { startConsoleGateway } from '../test/helpers/console.js';

const INCIDENTS = 5_000;

export async function run(): Promise<void> {
  await buildConsole({ ifStale: true });
  const served = await startConsoleGateway({ SAAS_SECURITY_FIRST_FETCH: '31 days', SAAS_SECURITY_MAX_FETCH: '1000' }, INCIDENTS);
  const browser = await launchChromium();
  try {
    while (((await served.gateway.services.incidentSync?.status())?.storedIncidents ?? 0) < INCIDENTS) await new Promise((r) => setTimeout(r, 200));
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const started = Date.now();
    await page.goto(`${served.gateway.url}/console/`);
    await page.locator('.tbody .tr').first().waitFor();
    const firstRowMs = Date.now() - started;
    await page.getByLabel('State').selectOption('ALL');
    await page.getByTestId('queue-count').filter({ hasText: String(INCIDENTS) }).waitFor({ timeout: 60_000 });
    const allMs = Date.now() - started;
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
    // Scroll the table top to bottom in 100 steps, one per frame, recording each frame's interval.
    const frames = await page.evaluate(async () => {
      const el = document.querySelector('.tbody')!;
      const gaps: number[] = [];
      let last = performance.now();
      for (let i = 1; i <= 100; i++) {
        el.scrollTop = (el.scrollHeight * i) / 100;
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        gaps.push(now - last);
        last = now;
      }
      return gaps.sort((a, b) => a - b);
    });
    const rows = await page.locator('.tbody .tr').count();
    const pct = (p: number) => frames[Math.min(frames.length - 1, Math.floor(frames.length * p))]!.toFixed(1);
    console.log(`first contentful paint ${fcp === null ? 'n/a' : `${fcp.toFixed(0)} ms`}; first row ${firstRowMs} ms; all ${INCIDENTS} incidents in the queue ${allMs} ms`);
    console.log(`scrolling ${INCIDENTS} rows: frame interval p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${frames.at(-1)!.toFixed(1)} ms; ${rows} rows in the DOM`);
  } finally {
    await browser.close();
    await served.close();
  }
}
