// The served process: /health, /ready, GraphiQL, and a SIGTERM-style stop that lets in-flight requests finish.
import { afterEach, describe, expect, it } from 'vitest';
import { postGraphQL, startServedGateway, type ServedGateway } from './helpers/server.js';

let served: ServedGateway | null = null;
afterEach(async () => {
  await served?.close();
  served = null;
});

describe('server lifecycle', () => {
  it('serves /health, /ready (after authenticating upstream) and GraphiQL on one port', async () => {
    served = await startServedGateway();
    const health = await fetch(`${served.gateway.url}/health`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${served.gateway.url}/ready`);
    expect(ready.status).toBe(200);
    const readiness = (await ready.json()) as any;
    expect(readiness).toMatchObject({ ready: true, connectors: { saasSecurity: true } });
    expect(readiness.sandboxes).not.toContain('SaaS Security');
    expect(served.emulator.requestsTo('/oauth/token')).toHaveLength(1);
    const page = await fetch(`${served.gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>secgraph/);
  });

  it('stop() lets an in-flight request finish, then refuses new connections', async () => {
    served = await startServedGateway();
    await postGraphQL(served.gateway.url, '{ apps { appId } }');
    served.emulator.injectFault({ kind: 'slow', delayMs: 400 }, { times: 1 });
    const inFlight = postGraphQL(served.gateway.url, '{ incident(id: "3") { incidentId } }');
    await new Promise((r) => setTimeout(r, 100));
    const stopping = served.gateway.stop();
    const result = await inFlight;
    expect(result.body.data.incident.incidentId).toBe(3);
    await stopping;
    await expect(fetch(`${served.gateway.url}/health`)).rejects.toThrow();
  });
});
