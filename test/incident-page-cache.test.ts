// Cached incident pages are mapped once: while a page is cached, reading it again returns the same mapped
// page without calling the upstream, re-mapping or writing any cache entry; a write (close) forgets it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Keyv from 'keyv';
import { systemClock } from '../src/clock.js';
import { cached, memoryCacheFactory, type CacheFactory } from '../src/connectors/cache.js';
import { GatewayError } from '../src/errors.js';
import { SaasSecurityClient } from '../src/connectors/saas-security/client.js';
import { SaasSecurityConnector } from '../src/connectors/saas-security/connector.js';
import { deltaPath, toDeltaQuery } from '../src/connectors/saas-security/map.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { createLogger } from '../src/logger.js';

describe('incident page cache', () => {
  const emulator = new SaasSecurityEmulator({ generatedIncidents: 120 });
  let connector: SaasSecurityConnector;
  const writes: string[] = [];
  beforeAll(async () => {
    const url = await emulator.start();
    // The real in-memory factory, with every write recorded by namespace.
    const memory = memoryCacheFactory();
    const counting = Object.assign(
      (namespace: string, ttlMs: number) => {
        const keyv: Keyv = memory(namespace, ttlMs);
        const set = keyv.set.bind(keyv);
        const setMany = keyv.setMany.bind(keyv);
        keyv.set = ((...a: Parameters<typeof set>) => (writes.push(namespace), set(...a))) as typeof set;
        keyv.setMany = ((...a: Parameters<typeof setMany>) => (writes.push(namespace), setMany(...a))) as typeof setMany;
        return keyv;
      },
      { close: memory.close },
    ) as CacheFactory;
    const http = { timeoutMs: 5000, retryLimit: 0, retryBaseDelayMs: 10, maxRetryDelayMs: 100 };
    const client = new SaasSecurityClient({ baseUrl: url, clientId: EMULATOR_CLIENT_ID, clientSecret: EMULATOR_CLIENT_SECRET, http, logger: createLogger('silent'), clock: systemClock });
    connector = new SaasSecurityConnector(client, counting);
  });
  afterAll(() => emulator.stop());

  const path = deltaPath(toDeltaQuery({}, 50));
  const pageRequests = () => emulator.requestsTo('/incident/api/incidents/delta').length;

  it('a hit returns the same mapped page, with no upstream call and no cache write', async () => {
    const first = await connector.getIncidentPage(path);
    expect(first.incidents).toHaveLength(50);
    const requests = pageRequests();
    const writesAfterMiss = writes.length;
    expect(writes).toContain('saas-security:incident'); // the page's incidents, written once
    const again = await connector.getIncidentPage(path);
    expect(again).toBe(first);
    expect(again.incidents[0]).toBe(first.incidents[0]);
    expect(pageRequests()).toBe(requests);
    expect(writes.length).toBe(writesAfterMiss);
  });

  it('concurrent misses of one page make one upstream request and share its mapped page', async () => {
    const other = deltaPath(toDeltaQuery({}, 20));
    const requests = pageRequests();
    const pages = await Promise.all(Array.from({ length: 10 }, () => connector.getIncidentPage(other)));
    expect(pageRequests()).toBe(requests + 1);
    for (const p of pages) expect(p).toBe(pages[0]);
  });

  it('forgetting an incident drops the cached pages: the next read fetches and maps afresh', async () => {
    const before = await connector.getIncidentPage(path);
    const requests = pageRequests();
    await connector.forgetIncident(before.incidents[0]!.incidentId);
    const after = await connector.getIncidentPage(path);
    expect(after).not.toBe(before);
    expect(after.incidents).toEqual(before.incidents);
    expect(pageRequests()).toBe(requests + 1);
  });
});

describe('shared cache misses', () => {
  it('a joiner whose shared miss timed out (the first caller\'s deadline) computes under its own; other errors are shared', async () => {
    const cache = memoryCacheFactory()('shared-miss', 60_000);
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = cached(cache, 'k', async () => {
      calls += 1;
      await gate;
      throw new GatewayError('UPSTREAM_TIMEOUT', 'the first caller ran out of time');
    });
    const joiner = cached(cache, 'k', async () => {
      calls += 1;
      return 'fresh';
    });
    release();
    await expect(first).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    await expect(joiner).resolves.toBe('fresh');
    expect(calls).toBe(2);

    let refused = 0;
    const failing = () =>
      cached(cache, 'refused', async () => {
        refused += 1;
        await new Promise((r) => setTimeout(r, 10));
        throw new GatewayError('UPSTREAM_REJECTED', 'no');
      });
    const results = await Promise.allSettled([failing(), failing(), failing()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(refused).toBe(1);
  });
});
