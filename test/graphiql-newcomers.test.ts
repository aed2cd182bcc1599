// GraphiQL for someone new: five example tabs (each a valid operation), a SANDBOX banner while sandboxes
// serve data, and a key typed into the Headers tab authenticating the WebSocket (as connectionParams) so the
// live-subscription tab works on a gateway with keys.
import { parse, validate } from 'graphql';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_TABS } from '../src/graphiql-examples.js';
import { schema } from '../src/schema/index.js';
import { launchChromium } from './helpers/browser.js';
import { postGraphQL, startServedGateway, type ServedGateway } from './helpers/server.js';

const KEY = 'graphiql-key-00001';

describe('GraphiQL example tabs', () => {
  it('are each a valid operation of the schema: a query, a mutation, a subscription, STA and SAML', () => {
    const kinds = EXAMPLE_TABS.map((tab) => {
      const document = parse(tab.query);
      expect(validate(schema, document)).toEqual([]);
      return (document.definitions[0] as { operation: string }).operation;
    });
    expect(kinds).toEqual(['query', 'mutation', 'subscription', 'query', 'query']);
    expect(EXAMPLE_TABS.map((t) => t.query).join('\n')).toMatch(/staUsers[\s\S]*samlDetections/);
  });
});

describe('GraphiQL in Chromium on a gateway with keys and sandboxes', () => {
  let browser: Browser;
  let served: ServedGateway;
  beforeAll(async () => {
    served = await startServedGateway({ SECGRAPH_API_KEYS: `${KEY}=read+respond` });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('opens the example tabs under a SANDBOX banner, and the subscription tab runs with the key from the Headers tab', async () => {
    const page = await browser.newPage();
    const initPayloads: unknown[] = [];
    page.on('websocket', (ws) =>
      ws.on('framesent', ({ payload }) => {
        const message = JSON.parse(String(payload));
        if (message.type === 'connection_init') initPayloads.push(message.payload);
      }),
    );
    await page.goto(`${served.gateway.url}/graphql`);
    await expect(page.locator('#secgraph-sandbox-banner').innerText()).resolves.toMatch(/SANDBOX: SafeNet Trusted Access/);
    await page.locator('.graphiql-tab').nth(4).waitFor({ timeout: 20_000 });
    expect(await page.locator('.graphiql-tab').count()).toBe(EXAMPLE_TABS.length);

    // The tab bar animates into place; a DOM click on the tab's button does not depend on where it is drawn.
    await page.locator('button[title="IncidentEvents"]').evaluate((b: HTMLButtonElement) => b.click());
    await page.locator('.graphiql-tab-active', { hasText: 'IncidentEvents' }).waitFor();
    // Type the key into the Headers tab, as a user would.
    await page.getByText('Headers', { exact: true }).click();
    await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)').click();
    await page.keyboard.insertText(`{"Authorization": "Bearer ${KEY}"}`);
    // GraphiQL stores the Headers text a moment after typing; the page's socket reads it from there.
    await page.waitForFunction(() => (localStorage.getItem('graphiql:headers') ?? '').includes('Bearer'));
    await page.locator('.graphiql-execute-button').click({ timeout: 20_000 });
    const result = page.locator('.result-window');
    for (const id of [3, 5, 6, 7, 8, 9, 10]) {
      if ((await result.innerText()).includes('CLOSED')) break;
      expect((await postGraphQL(served.gateway.url, 'mutation($id: ID!) { closeIncident(id: $id, category: MISIDENTIFIED) { incidentId } }', { id: String(id) }, KEY)).body.errors).toBeUndefined();
      await page.waitForTimeout(300);
    }
    await result.getByText('CLOSED').first().waitFor({ timeout: 20_000 });
    expect(initPayloads).toContainEqual(expect.objectContaining({ authorization: `Bearer ${KEY}` }));
    await page.close();
  }, 90_000);
});
