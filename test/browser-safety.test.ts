// A page on another origin, in a real Chromium, against a gateway on loopback: it cannot make the gateway run
// an operation (form posts, text/plain fetches, preflighted JSON, WebSockets), unless its origin is listed in
// SECGRAPH_CORS_ORIGINS; and a page reached through a name that resolves to 127.0.0.1 (DNS rebinding) is
// refused by an open gateway.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './helpers/browser.js';
import { startServedGateway, type ServedGateway } from './helpers/server.js';

const CLOSE = 'mutation { closeIncident(id: "3", category: NO_REASON) { state } }';

/** The attacker's site: one page whose script is given at request time. */
async function startSite(): Promise<{ origin: string; server: Server; setScript(js: string): void }> {
  let script = '';
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><html><body><script>${script}</script></body></html>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, setScript: (js) => (script = js) };
}

let browser: Browser;
let site: Awaited<ReturnType<typeof startSite>>;
beforeAll(async () => {
  browser = await launchChromium(['--host-resolver-rules=MAP rebind.test 127.0.0.1']);
  site = await startSite();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => site?.server.close(r));
});

/** Runs `js` (an async function body returning JSON-able) in a page of the attacker's site. */
async function runOnSite(js: string): Promise<any> {
  site.setScript(`window.result = (async () => { ${js} })().catch((e) => 'error: ' + e.message);`);
  const page = await browser.newPage();
  try {
    await page.goto(site.origin);
    return await page.evaluate(() => (window as any).result);
  } finally {
    await page.close();
  }
}

const stateChanges = (served: ServedGateway) => served.emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/state'));

describe('an open gateway, from another origin in Chromium', () => {
  let served: ServedGateway;
  beforeAll(async () => {
    served = await startServedGateway();
  });
  afterAll(async () => {
    await served?.close();
  });

  it('a cross-site form POST of a mutation never reaches the upstream', async () => {
    const outcome = await runOnSite(`
      const frame = document.createElement('iframe'); frame.name = 'sink'; document.body.append(frame);
      const form = Object.assign(document.createElement('form'), { method: 'POST', action: '${served.gateway.url}/graphql', target: 'sink' });
      form.append(Object.assign(document.createElement('input'), { name: 'query', value: ${JSON.stringify(CLOSE)} }));
      document.body.append(form);
      const loaded = new Promise((r) => frame.addEventListener('load', r));
      form.submit();
      await loaded;
      return 'submitted';
    `);
    expect(outcome).toBe('submitted');
    expect(stateChanges(served)).toEqual([]);
  });

  it('a no-cors text/plain fetch is refused (403 CSRF_REJECTED) before any operation runs', async () => {
    await runOnSite(`
      await fetch('${served.gateway.url}/graphql', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: ${JSON.stringify(CLOSE)} }) });
      return 'sent';
    `);
    expect(stateChanges(served)).toEqual([]);
    const direct = await fetch(`${served.gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: CLOSE }) });
    expect(direct.status).toBe(403);
    expect(((await direct.json()) as any).errors[0].extensions.code).toBe('CSRF_REJECTED');
  });

  it('a JSON fetch fails its CORS preflight: no Access-Control headers, nothing run, nothing read', async () => {
    const outcome = await runOnSite(`
      const res = await fetch('${served.gateway.url}/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: ${JSON.stringify(CLOSE)} }) });
      return 'read: ' + (await res.text());
    `);
    expect(outcome).toMatch(/^error: /);
    expect(stateChanges(served)).toEqual([]);
    const preflight = await fetch(`${served.gateway.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: site.origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('a cross-origin WebSocket is refused at the upgrade', async () => {
    const outcome = await runOnSite(`
      return await new Promise((resolve) => {
        const ws = new WebSocket('${served.wsUrl}', 'graphql-transport-ws');
        ws.onopen = () => resolve('open');
        ws.onclose = (e) => resolve('closed ' + e.code);
      });
    `);
    expect(outcome).toBe('closed 1006');
  });

  it('a page reached through a rebound name gets 421, the loopback names are served', async () => {
    const port = new URL(served.gateway.url).port;
    const page = await browser.newPage();
    try {
      const rebound = await page.goto(`http://rebind.test:${port}/graphql`);
      expect(rebound?.status()).toBe(421);
      const local = await page.goto(`http://localhost:${port}/health`);
      expect(local?.status()).toBe(200);
    } finally {
      await page.close();
    }
    expect(stateChanges(served)).toEqual([]);
  });

  it('GraphiQL served by the gateway itself still runs operations (same origin, JSON)', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${served.gateway.url}/graphql`);
      const result = await page.evaluate(async () => {
        const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ gateway { version } }' }) });
        return res.json();
      });
      expect(result.data.gateway.version).toEqual(expect.any(String));
    } finally {
      await page.close();
    }
  });
});

describe('a gateway that lists the page origin in SECGRAPH_CORS_ORIGINS', () => {
  let served: ServedGateway;
  beforeAll(async () => {
    served = await startServedGateway({ SECGRAPH_CORS_ORIGINS: site.origin, SECGRAPH_API_KEYS: 'cors-page-key-0001=read' });
  });
  afterAll(async () => {
    await served?.close();
  });

  it('lets that page read with its key, over HTTP and WebSocket', async () => {
    const outcome = await runOnSite(`
      const res = await fetch('${served.gateway.url}/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer cors-page-key-0001' }, body: JSON.stringify({ query: '{ gateway { version } }' }) });
      const body = await res.json();
      const ws = await new Promise((resolve) => {
        const ws = new WebSocket('${served.wsUrl}', 'graphql-transport-ws');
        ws.onopen = () => { ws.close(); resolve('open'); };
        ws.onclose = (e) => resolve('closed ' + e.code);
      });
      return { version: body.data.gateway.version, requestId: res.headers.get('x-request-id'), ws };
    `);
    // Reading the body at all is the CORS grant; x-request-id is one of the exposed headers.
    expect(outcome).toMatchObject({ version: expect.any(String), requestId: expect.any(String), ws: 'open' });
  });
});
