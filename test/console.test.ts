// The SOC console at /console in headless Chromium, against a real gateway on loopback (SaaS Security emulator,
// STA and CloudTrail sandboxes), with API keys configured: the page asks for a key, shows the fetched
// incidents live, closes from the UI through to the upstream, shows a playbook run's steps change, hides
// actions from a read-only key and refuses a wrong one.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchChromium } from './helpers/browser.js';
import { FETCH_INTERVAL_MS, openConsole, startConsoleGateway, type ConsoleGateway } from './helpers/console.js';
import { postGraphQL } from './helpers/server.js';

const RESPOND_KEY = 'console-respond-key';
const READ_KEY = 'console-read-only-key';

let browser: Browser;
let served: ConsoleGateway;
let base: string;

beforeAll(async () => {
  served = await startConsoleGateway({ SECGRAPH_API_KEYS: `${RESPOND_KEY}=read+respond,${READ_KEY}=read` });
  base = served.gateway.url;
  browser = await launchChromium();
  // The first fetch has stored the sandbox incidents before the tests look at the queue.
  await vi.waitFor(
    async () => {
      const r = await postGraphQL(base, '{ incidentFetchStatus { lastRunAt } }', {}, RESPOND_KEY);
      if (!r.body.data?.incidentFetchStatus.lastRunAt) throw new Error('no fetch yet');
    },
    { timeout: 20_000, interval: 200 },
  );
});
afterAll(async () => {
  await browser?.close();
  await served?.close();
});

const row = (page: Page, id: number) => page.locator(`.tbody [data-incident="${id}"]`);

describe('console: incident queue', () => {
  it('shows the sandbox incidents the gateway fetched, with counts by severity, and the sandbox banner', async () => {
    const { context, page } = await openConsole(browser, base, RESPOND_KEY);
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith(base.replace(/^http/, 'ws')) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    const stored = await postGraphQL(base, '{ incidentEvents(first: 1000) { incident { incidentId assetName gatewayState state } } }', {}, RESPOND_KEY);
    const incidents = new Map<number, { assetName: string; state: string }>();
    for (const e of stored.body.data.incidentEvents) incidents.set(e.incident.incidentId, { assetName: e.incident.assetName, state: e.incident.gatewayState ?? e.incident.state });
    expect(incidents.size).toBeGreaterThan(10);
    const open = [...incidents.values()].filter((i) => i.state === 'OPEN').length;

    await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
    await expect.poll(() => page.getByTestId('queue-count').innerText()).toBe(String(open));
    const [id, first] = [...incidents].find(([, i]) => i.state === 'OPEN')!;
    await page.getByLabel('Search').fill(String(id));
    await expect.poll(() => row(page, id).innerText()).toContain(first.assetName);
    await expect(page.getByTestId('sandbox-banner').innerText()).resolves.toMatch(/SANDBOX.*SafeNet Trusted Access/);
    // The severity counts add up to the rows shown without a severity filter.
    await page.getByLabel('Search').fill('');
    const counts = await page.locator('[data-testid^="count-"]').allInnerTexts();
    expect(counts.map(Number).reduce((a, b) => a + b, 0)).toBe(open);
    expect(foreign).toEqual([]);
    await context.close();
  });

  it('shows an incident added upstream without a reload, then closes it from the UI through to the upstream', async () => {
    const { context, page } = await openConsole(browser, base, RESPOND_KEY);
    await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
    const created = served.emulator.createIncident({ asset_name: 'console-live-test.docx' });
    // Within one fetch interval (plus the run itself): the fetcher stores it and the stream pushes it.
    await row(page, created.incident_id).getByText('console-live-test.docx').waitFor({ timeout: 4 * FETCH_INTERVAL_MS + 5_000 });

    await row(page, created.incident_id).click();
    await page.getByRole('heading', { name: `Incident ${created.incident_id}` }).waitFor();
    await page.getByText('Owner in SafeNet Trusted Access').waitFor();
    await page.getByLabel('Close as').selectOption('BUSINESS_JUSTIFIED');
    await page.getByRole('button', { name: 'Close incident' }).click();
    await page.getByRole('button', { name: 'Closed', exact: true }).waitFor();
    expect(served.emulator.incidents.get(created.incident_id)).toMatchObject({ state: 'closed', category: 'business_justified' });
    await expect.poll(() => page.getByTestId('detail-state').innerText()).toBe('CLOSED');
    // The incident's history shows the CLOSED event the stream delivered.
    await page.locator('.timeline').getByText('CLOSED').waitFor();

    await page.keyboard.press('Escape');
    await page.getByLabel('State').selectOption('CLOSED');
    await expect.poll(() => row(page, created.incident_id).getByTestId('state').innerText()).toBe('CLOSED');
    await context.close();
  });

  it('resumes the stream after the gateway restarts: an incident fetched meanwhile appears once, no reload', async () => {
    const { context, page } = await openConsole(browser, base, RESPOND_KEY);
    await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
    let created = 0;
    await served.restart(async () => {
      await page.getByTestId('stream-status').filter({ hasText: 'reconnecting' }).waitFor();
      created = served.emulator.createIncident({ asset_name: 'fetched-while-away.xlsx' }).incident_id;
    });
    // The restarted gateway fetches it at once; the page, back after its backoff, resumes with `after`.
    await row(page, created).getByText('fetched-while-away.xlsx').waitFor({ timeout: 20_000 });
    await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
    await row(page, created).click();
    await page.locator('.timeline li').first().waitFor();
    expect(await page.locator('.timeline li').allInnerTexts()).toEqual([expect.stringMatching(/^FETCHED #\d+/)]);
    // The key survived the restart: still the same tab, no prompt.
    expect(await page.getByLabel('API key').count()).toBe(0);
    await context.close();
  });

  it('remediates an asset from the UI with a live status until the upstream finishes', async () => {
    const { context, page } = await openConsole(browser, base, RESPOND_KEY);
    await page.locator('.tbody .tr').first().click();
    await page.getByText('Owner in SafeNet Trusted Access').waitFor();
    await page.getByLabel('Remediate').selectOption('QUARANTINE');
    await page.getByRole('button', { name: 'Remediate asset' }).click();
    await page.getByTestId('remediation-status').getByText('pending').waitFor();
    // The emulator reports success 1.5 s after the request; remediationUpdates pushes it, then completes.
    await page.getByTestId('remediation-status').getByText('success').waitFor();
    await expect(page.getByTestId('remediation-status').innerText()).resolves.not.toContain('watching');
    await expect(page.getByRole('button', { name: 'Remediate asset' }).isEnabled()).resolves.toBe(true);
    expect(served.emulator.requestsTo(/remediat/).length).toBeGreaterThan(1);
    await context.close();
  });

  it('opens incidents with the keyboard', async () => {
    const { context, page } = await openConsole(browser, base, RESPOND_KEY);
    await page.locator('.tbody .tr').first().waitFor();
    const second = Number(await page.locator('.tbody .tr').nth(1).getAttribute('data-incident'));
    await page.locator('.tbody .tr').first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Incident ${second}` }).waitFor();
    await context.close();
  });
});

describe('console: a queue of 5,000 incidents', () => {
  let big: ConsoleGateway;
  beforeAll(async () => {
    big = await startConsoleGateway({ SAAS_SECURITY_FIRST_FETCH: '31 days', SAAS_SECURITY_MAX_FETCH: '1000' }, 5000);
    await vi.waitFor(
      async () => {
        const r = await postGraphQL(big.gateway.url, '{ incidentFetchStatus { storedIncidents } }');
        if (r.body.data?.incidentFetchStatus.storedIncidents !== 5000) throw new Error('still fetching');
      },
      { timeout: 40_000, interval: 250 },
    );
  }, 60_000);
  afterAll(async () => {
    await big?.close();
  });

  it('holds every incident but renders only the rows in view, and scrolls to the last with the keyboard', async () => {
    const { context, page } = await openConsole(browser, big.gateway.url);
    await page.getByLabel('State').selectOption('ALL');
    await expect.poll(() => page.getByTestId('queue-count').innerText(), { timeout: 20_000 }).toBe('5000');
    expect(await page.locator('.tbody .tr').count()).toBeLessThan(100);
    await page.locator('.tbody .tr').first().focus();
    await page.keyboard.press('End');
    // The bottom row (index 4,999) is rendered and focused.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-index'))).toBe('4999');
    expect(await page.locator('.tbody .tr').count()).toBeLessThan(100);
    await context.close();
  });
});

describe('console: STA alerts', () => {
  it('shows a push-rejection run failing, its steps changing after Retry, and a cancel that removes the user from the group', async () => {
    const { context, page } = await openConsole(browser, base, RESPOND_KEY);
    await page.getByRole('link', { name: 'STA alerts' }).click();
    await page.locator('.alert').first().waitFor();
    const now = new Date().toISOString();
    // The alert names a user STA does not have yet: the run stops FAILED at CHECK_USER.
    const { alert } = await served.gateway.services.staAlerts.recordAlert({
      kind: 'PUSH_REJECTION',
      subject: 'SafeNet Trusted Access Push Notification Rejection Alert',
      messageId: '<console-test-push@secgraph.example>',
      userName: 'console.tester',
      tenantName: 'secgraph sandbox',
      instanceName: 'console test',
      sentAt: now,
      receivedAt: now,
      unlockAt: null,
      source: 'console-test/1',
    });
    const card = page.locator(`[data-alert="${alert.id}"]`);
    await card.getByTestId('run-state').getByText('FAILED').waitFor();
    await card.locator('[data-step="CHECK_USER"]').getByText('FAILED').waitFor();
    await expect(card.locator('[data-step="CHECK_USER"]').innerText()).resolves.toContain("doesn't exist");

    const createUser = await postGraphQL(
      base,
      'mutation { createStaUser(input: { userName: "console.tester", firstName: "Console", lastName: "Tester", email: "console.tester@sandbox.secgraph.example" }) { userName } }',
      {},
      RESPOND_KEY,
    );
    expect(createUser.body.errors).toBeUndefined();
    await card.getByRole('button', { name: 'Retry run' }).click();
    await card.locator('[data-step="ADD_TO_GROUP"]').getByText('SUCCEEDED').waitFor();
    await card.locator('[data-step="WAIT"]').getByText('WAITING').waitFor();
    // The run's own state arrives with the WAITING event, not only at its next change.
    await card.getByTestId('run-state').getByText('WAITING').waitFor();

    // Cancelling with the removal takes the user out of the group now, as its REMOVE_FROM_GROUP step.
    await card.getByRole('button', { name: 'Cancel and remove from Unusual Activity' }).click();
    await card.getByTestId('run-state').getByText('CANCELLED').waitFor();
    await card.locator('[data-step="REMOVE_FROM_GROUP"]').getByText('SUCCEEDED').waitFor();
    const inGroup = await postGraphQL(base, '{ staUserInGroup(userName: "console.tester", groupName: "Unusual Activity") }', {}, RESPOND_KEY);
    expect(inGroup.body.data).toEqual({ staUserInGroup: false });
    expect(await card.getByRole('button', { name: /cancel/i }).count()).toBe(0);
    await context.close();
  });
});

describe('console: STA alerts beyond one page', () => {
  it('shows the newest 35 alerts and loads the older ones on request, each once', async () => {
    const now = Date.now();
    for (let i = 0; i < 40; i += 1) {
      const at = new Date(now - (i + 1) * 60_000).toISOString();
      await served.gateway.services.staAlerts.recordAlert({
        kind: 'ACCOUNT_LOCKOUT',
        subject: 'SafeNet Trusted Access Account Lockout Alert',
        messageId: `<console-page-${i}@secgraph.example>`,
        userName: `paging.user.${i}`,
        tenantName: 'secgraph sandbox',
        instanceName: 'console test',
        sentAt: at,
        receivedAt: at,
        unlockAt: null,
        source: `console-test/page-${i}`,
      });
    }
    const ids = await postGraphQL(base, '{ staAlerts(first: 500) { edges { node { id } } } }', {}, RESPOND_KEY);
    const total = ids.body.data.staAlerts.edges.length;
    expect(total).toBeGreaterThan(35);
    expect(total).toBeLessThanOrEqual(70);
    const { context, page } = await openConsole(browser, base, RESPOND_KEY);
    await page.getByRole('link', { name: 'STA alerts' }).click();
    await expect.poll(() => page.getByTestId('alert-count').innerText()).toBe('35');
    const older = page.getByRole('button', { name: 'Load older alerts' });
    await older.click();
    await expect.poll(() => page.getByTestId('alert-count').innerText()).toBe(String(total));
    // The second page was the last: nothing more to load.
    await expect.poll(() => older.count()).toBe(0);
    // Every alert once.
    const shown = await page.locator('.alert').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-alert')));
    expect(new Set(shown).size).toBe(total);
    await context.close();
  });
});

describe('console: access', () => {
  it('learns what a key may do from Query.gateway.viewer', async () => {
    const viewer = async (key: string) => (await postGraphQL(base, '{ gateway { viewer { open scopes } } }', {}, key)).body.data.gateway.viewer;
    await expect(viewer(READ_KEY)).resolves.toEqual({ open: false, scopes: ['read'] });
    await expect(viewer(RESPOND_KEY)).resolves.toEqual({ open: false, scopes: ['read', 'respond'] });
  });

  it('hides every action from a key without the respond scope', async () => {
    const { context, page } = await openConsole(browser, base, READ_KEY);
    await page.getByText('(read only)').waitFor();
    await page.locator('.tbody .tr').first().click();
    await page.getByText('Event history').waitFor();
    await page.getByText('Owner in SafeNet Trusted Access').waitFor();
    expect(await page.getByRole('button', { name: /close incident|remediate/i }).count()).toBe(0);
    await page.getByRole('link', { name: 'STA alerts' }).click();
    await page.locator('.alert').first().waitFor();
    expect(await page.getByRole('button', { name: /retry run|cancel run/i }).count()).toBe(0);
    await context.close();
  });

  it('refuses a wrong key with a clear message and keeps the key out of the URL and cookies', async () => {
    const { context, page } = await openConsole(browser, base, 'not-a-configured-key');
    await expect(page.getByTestId('key-error').innerText()).resolves.toMatch(/refused this key/);
    await page.getByLabel('API key').fill(RESPOND_KEY);
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
    expect(page.url()).not.toContain(RESPOND_KEY);
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(() => sessionStorage.getItem('secgraph.apiKey'))).toBe(RESPOND_KEY);
    await context.close();
  });
});

describe('console: open gateway and serving', () => {
  let open: ConsoleGateway;
  beforeAll(async () => {
    open = await startConsoleGateway();
  });
  afterAll(async () => {
    await open?.close();
  });

  it('needs no key on an open gateway', async () => {
    const { context, page } = await openConsole(browser, open.gateway.url);
    await page.getByText('open gateway').waitFor();
    await page.getByRole('button', { name: 'Close incident' }).count();
    expect(await page.getByLabel('API key').count()).toBe(0);
    await page.getByRole('link', { name: 'Gateway status' }).click();
    await page.getByTestId('ready').getByText('ready').waitFor();
    await page.getByTestId('last-success').filter({ hasText: /ago/ }).waitFor();
    await context.close();
  });

  it('serves hashed assets for a year and the page uncached; unknown assets are 404', async () => {
    const index = await fetch(`${open.gateway.url}/console`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${open.gateway.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toMatch(/max-age=31536000/);
    expect((await fetch(`${open.gateway.url}/console/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${open.gateway.url}/console/assets/missing-0000.js`)).status).toBe(404);
  });
});
