// The console signs in through a real OpenID provider (oidc-provider on loopback) in headless Chromium: the
// authorization code flow with PKCE as a public client, the provider's own login page, tokens kept out of
// the URL and cookies, who is signed in shown, the access token renewed before it expires without losing
// the live queue (resubscribed with `after`), sign-out; API-key entry stays beside "Sign in".
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './helpers/browser.js';
import { FETCH_INTERVAL_MS, startConsoleGateway, type ConsoleGateway } from './helpers/console.js';
import { startOidcProvider, type TestOidcProvider } from './helpers/oidc-provider.js';

const ALICE = { sub: 'alice', name: 'Alice Analyst', email: 'alice@soc.test', groups: ['soc-analysts'] };
/** Short-lived access tokens, so the console renews one during the test (a quarter of its life before expiry). */
const ACCESS_TOKEN_TTL = 12;
const KEY = 'console-sign-in-key-01';

let browser: Browser;
let idp: TestOidcProvider;
let served: ConsoleGateway;
let base: string;

beforeAll(async () => {
  idp = await startOidcProvider({ users: [ALICE], accessTokenTtl: ACCESS_TOKEN_TTL });
  served = await startConsoleGateway({
    SECGRAPH_API_KEYS: `${KEY}=read`,
    SECGRAPH_OIDC_ISSUER: idp.issuer,
    SECGRAPH_OIDC_AUDIENCE: idp.audience,
    SECGRAPH_OIDC_ROLE_SCOPES: 'soc-analysts=read+respond',
    SECGRAPH_OIDC_CLIENT_ID: idp.consoleClientId,
    SECGRAPH_OIDC_CLOCK_TOLERANCE: '0',
  });
  base = served.gateway.url;
  await idp.allowRedirect(`${base}/console/`);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await served?.close();
  await idp?.close();
});

const tokenRequests = () => idp.requests.filter((p) => p === '/token').length;

describe('console sign-in through the identity provider', () => {
  it('tells the console how to sign in, publicly: issuer, client id and scopes, no secret', async () => {
    const res = await fetch(`${base}/console/config.json`);
    expect(await res.json()).toEqual({ oidc: { issuer: idp.issuer, clientId: idp.consoleClientId, scopes: 'openid profile email offline_access' } });
  });

  it('signs in with code + PKCE, shows who is signed in, renews the token without losing the live queue, and signs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const urls: string[] = [];
    // Every address the tab went to or asked for (redirects included), to look for codes and tokens in them.
    page.on('request', (r) => void urls.push(r.url()));
    await page.goto(`${base}/console/#/queue`);
    // Key entry stays beside the provider's sign-in.
    await page.getByLabel('API key').waitFor();
    await page.getByRole('button', { name: 'Sign in' }).click();

    // The provider's own login page (oidc-provider's interactive login).
    await page.waitForURL((u) => u.toString().startsWith(idp.issuer));
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    // Back on the console, signed in.
    await page.getByTestId('signed-in-as').filter({ hasText: 'Alice Analyst' }).waitFor({ timeout: 20_000 });
    await expect(page.getByTestId('who').innerText()).resolves.toMatch(/alice@soc\.test.*read, respond/);
    expect(urls.some((u) => u.includes('code_challenge=') && u.includes('code_challenge_method=S256'))).toBe(true);

    // The code left the address bar; no token is in the URL or a cookie of the console's origin.
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('secgraph.oidc.tokens') ?? 'null') as { accessToken: string } | null);
    expect(token?.accessToken.split('.')).toHaveLength(3);
    expect(page.url()).toBe(`${base}/console/#/queue`);
    for (const u of urls) expect(u).not.toContain(token!.accessToken);
    // Cookies are per host, not port: the provider's own session cookies (on 127.0.0.1 too) are all there is.
    const cookies = await context.cookies(base);
    expect(cookies.map((c) => c.name).filter((n) => !/^_(session|interaction|resume)/.test(n))).toEqual([]);
    for (const c of cookies) expect(c.value).not.toContain(token!.accessToken.split('.')[1]);

    // The live queue works as the signed-in user.
    await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
    const before = tokenRequests();
    // The console renews before the token expires (with the refresh token: another /token request), and
    // keeps the new token in the tab.
    const stored = () => page.evaluate(() => (JSON.parse(sessionStorage.getItem('secgraph.oidc.tokens')!) as { accessToken: string }).accessToken);
    await expect.poll(stored, { timeout: ACCESS_TOKEN_TTL * 1000 + 5_000, interval: 200 }).not.toBe(token!.accessToken);
    expect(tokenRequests()).toBeGreaterThan(before);
    expect(decodeJwt(await stored()).exp!).toBeGreaterThan(decodeJwt(token!.accessToken).exp!);
    // The live view came back on the new token, and shows an incident fetched after the renewal, no reload.
    await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
    const created = served.emulator.createIncident({ asset_name: 'after-renewal.docx' });
    await page.locator(`.tbody [data-incident="${created.incident_id}"]`).getByText('after-renewal.docx').waitFor({ timeout: 4 * FETCH_INTERVAL_MS + 5_000 });
    // Past the first token's expiry the page is still signed in and live (no 4401 left it stranded).
    await page.waitForTimeout(Math.max(0, decodeJwt(token!.accessToken).exp! * 1000 - Date.now()) + 500);
    await page.getByTestId('signed-in-as').waitFor();
    await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
    const late = served.emulator.createIncident({ asset_name: 'after-first-expiry.docx' });
    await page.locator(`.tbody [data-incident="${late.incident_id}"]`).getByText('after-first-expiry.docx').waitFor({ timeout: 4 * FETCH_INTERVAL_MS + 5_000 });

    await page.getByRole('button', { name: 'sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('secgraph.oidc.tokens'))).toBeNull();
    await context.close();
  });

  it('an API key still opens the console beside the sign-in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/console`);
    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Open the console' }).click();
    await expect(page.getByTestId('who').innerText()).resolves.toMatch(/key key:[0-9a-f]{8} scopes: read/);
    await context.close();
  });
});
