// No configuration means sandbox: the emulator runs in-process and the graph serves its data, labelled.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServices } from '../src/services.js';
import { LogCapture } from './helpers/gateway.js';

describe('sandbox start', () => {
  it('serves generated incidents, STA users and sample alerts from the built-in emulators, and says so', async () => {
    const config = loadConfig({ SECGRAPH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'secgraph-sandbox-')) });
    const logs = new LogCapture();
    const running = await startServices(config, createLogger('info', logs));
    try {
      const yoga = createApp({ services: running.services });
      const res = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ gateway { sandboxes } apps { appName } incidents(first: 100) { edges { node { incidentId app { appName } assetOwnerEmail } } } }' }),
      });
      const body = (await res.json()) as any;
      expect(body.errors).toBeUndefined();
      expect(body.data.gateway.sandboxes).toContain('SaaS Security');
      expect(body.data.apps.length).toBeGreaterThanOrEqual(5);
      expect(body.data.incidents.edges).toHaveLength(100);
      expect(new Set(body.data.incidents.edges.map((e: any) => e.node.assetOwnerEmail)).size).toBeGreaterThan(5);
      expect(logs.text).toMatch(/serving SANDBOX data/);

      const alerts = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ staAlerts(first: 10) { edges { node { kind user { userName } run { playbook } } } } }' }),
      });
      const alertBody = (await alerts.json()) as any;
      expect(alertBody.errors).toBeUndefined();
      const kinds = alertBody.data.staAlerts.edges.map((e: any) => e.node.kind).sort();
      expect(kinds).toEqual(['ACCOUNT_LOCKOUT', 'PUSH_REJECTION']);
      expect(alertBody.data.staAlerts.edges.every((e: any) => e.node.user?.userName && e.node.run?.playbook)).toBe(true);
    } finally {
      await running.close();
    }
  });
});
