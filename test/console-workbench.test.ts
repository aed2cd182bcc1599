// The alert workbench at /console#/work in headless Chromium, against a real gateway on loopback (SaaS Security
// emulator, STA and CloudTrail sandboxes), two analysts with labelled keys: one assigns alerts to herself,
// bulk-resolves three and comments; the other analyst's browser sees each change live, without a reload.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchChromium } from './helpers/browser.js';
import { openConsole, startConsoleGateway, type ConsoleGateway } from './helpers/console.js';
import { FAST_DESTINATION_ENV, destinationsConfigFile } from './helpers/destinations.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { postGraphQL } from './helpers/server.js';

const ALICE_KEY = 'workbench-alice-key';
const BOB_KEY = 'workbench-bob-key';
const READ_KEY = 'workbench-read-key';

let browser: Browser;
let served: ConsoleGateway;
let base: string;
let soar: Receiver;

beforeAll(async () => {
  // A SOAR webhook destination for the SAML detections, so alert pages have deliveries to show.
  soar = await startReceiver();
  served = await startConsoleGateway({
    SECGRAPH_API_KEYS: `alice:${ALICE_KEY}=read+respond,bob:${BOB_KEY}=read+respond,reader:${READ_KEY}=read`,
    SECGRAPH_CONFIG: destinationsConfigFile([{ name: 'soar', type: 'webhook', url: `${soar.url}/hook`, filters: { sources: ['SAML_DETECTION'] } }]),
    ...FAST_DESTINATION_ENV,
  });
  base = served.gateway.url;
  browser = await launchChromium();
  // The queue holds the fetched incidents, the sandbox STA alerts and SAML detections before the tests look.
  await vi.waitFor(
    async () => {
      const r = await postGraphQL(base, '{ alerts(first: 10, filter: { statuses: [OPEN] }) { edges { node { alertId } } } }', {}, ALICE_KEY);
      if ((r.body.data?.alerts.edges.length ?? 0) < 6) throw new Error('not enough open alerts yet');
    },
    { timeout: 30_000, interval: 250 },
  );
});
afterAll(async () => {
  await browser?.close();
  await served?.close();
  await soar?.close();
});

const rows = (page: Page) => page.locator('.alerts-table tbody tr');
const rowOf = (page: Page, alertId: string) => page.locator(`.alerts-table tbody tr[data-alert="${alertId}"]`);

async function openWorkbench(key: string): Promise<Page> {
  const { page } = await openConsole(browser, base, key);
  await page.getByRole('link', { name: 'Alert queue' }).click();
  await page.getByTestId('alert-stream-status').filter({ hasText: 'live' }).waitFor();
  await rows(page).first().waitFor();
  return page;
}

async function triageOf(alertId: string): Promise<{ status: string; assignee: string | null; comments: string[] }> {
  const r = await postGraphQL(
    base,
    'query($id: ID!) { alert(alertId: $id) { triage { status assignee comments { edges { node { body } } } } } }',
    { id: alertId },
    BOB_KEY,
  );
  const t = r.body.data.alert.triage;
  return { status: t.status, assignee: t.assignee, comments: t.comments.edges.map((e: { node: { body: string } }) => e.node.body) };
}

describe('console: the alert workbench', () => {
  it('assigns to me, bulk-resolves three alerts and comments, and a second browser sees each change live', async () => {
    const alice = await openWorkbench(ALICE_KEY);
    const bob = await openWorkbench(BOB_KEY);

    // Three open alerts other than SaaS incidents (whose resolve also closes them upstream: covered by the API tests).
    await alice.getByLabel('Source', { exact: true }).selectOption('SAML_DETECTION');
    await rows(alice).first().waitFor();
    let picked = await rows(alice).evaluateAll((trs) => trs.slice(0, 3).map((tr) => tr.getAttribute('data-alert')!));
    if (picked.length < 3) {
      await alice.getByLabel('Source', { exact: true }).selectOption('');
      await expect.poll(() => rows(alice).count()).toBeGreaterThanOrEqual(3);
      picked = await rows(alice).evaluateAll((trs) => trs.slice(0, 3).map((tr) => tr.getAttribute('data-alert')!));
    }
    expect(picked).toHaveLength(3);

    // Assign to me: alice is the key's label.
    for (const id of picked) await rowOf(alice, id).getByRole('checkbox').check();
    await alice.getByRole('button', { name: 'Assign to me' }).click();
    for (const id of picked) await expect.poll(() => rowOf(alice, id).getByTestId('alert-assignee').innerText()).toBe('alice');
    for (const id of picked) expect((await triageOf(id)).assignee).toBe('alice');
    // Bob's queue shows the assignment without a reload.
    const source = picked[0]!.startsWith('saml:') ? 'SAML_DETECTION' : '';
    await bob.getByLabel('Source', { exact: true }).selectOption(source);
    for (const id of picked) await expect.poll(() => rowOf(bob, id).getByTestId('alert-assignee').innerText(), { timeout: 10_000 }).toBe('alice');

    // "Assigned to me" shows exactly hers.
    await alice.getByLabel('Assigned to me').check();
    await expect.poll(async () => (await rows(alice).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-alert')))).sort()).toEqual([...picked].sort());

    // Bulk-resolve the three: they leave the Open tab in both browsers and are RESOLVED in the store.
    for (const id of picked) await rowOf(alice, id).getByRole('checkbox').check();
    await alice.getByRole('button', { name: 'Mark resolved' }).click();
    await expect.poll(() => rows(alice).count()).toBe(0);
    for (const id of picked) expect((await triageOf(id)).status).toBe('RESOLVED');
    for (const id of picked) await expect.poll(() => rowOf(bob, id).count(), { timeout: 10_000 }).toBe(0);
    await bob.getByRole('tab', { name: 'Resolved' }).click();
    for (const id of picked) await rowOf(bob, id).waitFor();

    // A comment on the alert page reaches bob's open alert page live, with alice as its author.
    await bob.goto(`${base}/console#/alert/${encodeURIComponent(picked[0]!)}`);
    await bob.getByRole('heading', { name: 'Comments' }).waitFor();
    await expect.poll(() => bob.getByTestId('detail-status').innerText()).toBe('Resolved');
    await alice.goto(`${base}/console#/alert/${encodeURIComponent(picked[0]!)}`);
    await alice.getByLabel('Comment', { exact: true }).fill('Known SSO test account: benign.');
    await alice.getByRole('button', { name: 'Add comment' }).click();
    await bob.locator('.comments').getByText('Known SSO test account: benign.').waitFor({ timeout: 10_000 });
    await expect(bob.locator('.comments').innerText()).resolves.toContain('alice');
    expect((await triageOf(picked[0]!)).comments).toEqual(['Known SSO test account: benign.']);
    // The activity timeline shows who assigned and who resolved.
    await expect.poll(() => bob.locator('.timeline').innerText()).toMatch(/alice.*status/s);
    await expect(bob.locator('.timeline').innerText()).resolves.toContain('assignee');

    // Only its author may edit a comment: bob sees no edit link on alice's comment.
    await expect(bob.locator('.comments').getByRole('button', { name: 'edit' }).count()).resolves.toBe(0);
    await alice.locator('.comments').getByRole('button', { name: 'edit' }).click();
    await alice.getByLabel('Edit comment').fill('Known SSO test account: benign (confirmed with IAM).');
    await alice.getByRole('button', { name: 'Save' }).click();
    await bob.locator('.comments').getByText('confirmed with IAM').waitFor({ timeout: 10_000 });
  }, 120_000);

  it('shows the dashboard from alertStats and hides triage actions from a read-only key', async () => {
    const page = await openWorkbench(ALICE_KEY);
    const total = await postGraphQL(base, 'query($from: DateTime) { alertStats(from: $from) { total } }', { from: new Date(Date.now() - 7 * 86400_000).toISOString() }, ALICE_KEY);
    await expect.poll(() => page.getByTestId('stat-total').innerText()).toBe(String(total.body.data.alertStats.total));
    expect(await page.getByRole('button', { name: 'Mark resolved' }).count()).toBe(1);
    const reader = await openWorkbench(READ_KEY);
    await expect.poll(() => reader.getByTestId('stat-total').innerText()).toBe(String(total.body.data.alertStats.total));
    expect(await reader.getByRole('button', { name: 'Mark resolved' }).count()).toBe(0);
    expect(await rows(reader).first().getByRole('checkbox').count()).toBe(0);
  });

  it('shows an alert\'s deliveries and re-sends it to a destination', async () => {
    const r = await postGraphQL(base, '{ alerts(first: 1, filter: { sources: [SAML_DETECTION] }) { edges { node { alertId } } } }', {}, ALICE_KEY);
    const alertId: string = r.body.data.alerts.edges[0].node.alertId;
    const detectionId = alertId.slice('saml:'.length);
    const received = () => soar.requests.filter((q) => q.json?.alertId === detectionId || q.json?.alertId === alertId).length;
    await expect.poll(received, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    const before = received();
    const { page } = await openConsole(browser, base, ALICE_KEY);
    await page.goto(`${base}/console#/alert/${encodeURIComponent(alertId)}`);
    const table = page.getByRole('table', { name: 'Deliveries' });
    await table.getByText('soar').first().waitFor({ timeout: 10_000 });
    await expect.poll(() => table.innerText()).toContain('DELIVERED');
    const rowsBefore = await table.locator('tbody tr').count();
    await page.getByRole('button', { name: 'Re-send to soar' }).click();
    await expect.poll(received, { timeout: 15_000 }).toBe(before + 1);
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 10_000 }).toBe(rowsBefore + 1);
    // The page never shows the destination's URL.
    expect(await page.locator('main').innerText()).not.toContain(soar.url);
  });
});
