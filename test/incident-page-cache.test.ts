// Cached incident pages are mapped once: while a page is cached, reading it again returns the same mapped
// page without calling the upstream, re-mapping or writing any cache entry; a write (close) forgets it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Keyv from 'keyv';
import { systemClock } from '../src/clock.js';
import { memoryCacheFactory, type CacheFactory } from '../src/connectors/cache.js';
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
