// Joins answered from memory: when the joined objects are in the in-memory cache (the app list, the STA user
// listing, a user's groups), Incident.app, Incident.assetOwner and StaUser.groups read them synchronously
// (peekCached); on a miss they batch through the operation's loaders as before. Proven by answers that are
// the same cold (loaders, upstream calls) and warm (from memory, no upstream call), and by the cache's
// synchronous read itself.
import Keyv from 'keyv';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryCacheFactory, peekCached } from '../src/connectors/cache.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway | null = null;
afterEach(async () => {
  await gw?.close();
  gw = null;
});

describe('joins from memory', () => {
  it('Incident.app: the same apps cold and warm, unknown app ids null, one app listing for both queries', async () => {
    gw = await startTestGateway({ emulator: { generatedIncidents: 60 } });
    const stray = gw.emulator.createIncident({ app_id: 'no-such-app' });
    const QUERY = `{ incidents(first: 61) { edges { node { incidentId appId app { appId appName appType } } } } }`;
    const cold = await gw.gql(QUERY);
    expect(cold.body.errors).toBeUndefined();
    const nodes = (cold.body.data as any).incidents.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(61);
    for (const n of nodes) if (n.incidentId !== stray.incident_id) expect(n.app?.appId).toBe(n.appId);
    expect(nodes.find((n: any) => n.incidentId === stray.incident_id).app).toBeNull();
    // The warm query's path: the list is in memory, readable without a promise.
    expect(gw.services.saasSecurity!.appsByIdNow()?.get(nodes[0].appId)?.id).toBe(nodes[0].appId);
    const warm = await gw.gql(QUERY);
    expect(warm.body).toEqual(cold.body);
    expect(gw.emulator.requestsTo('/incident/api/apps')).toHaveLength(1);
  });

  it('Incident.assetOwner and StaUser.groups: the same owners and groups cold and warm, no STA call warm', async () => {
    gw = await startTestGateway({ sta: true, emulator: { generatedIncidents: 80 } });
    const sta = gw.sta!;
    sta.addUser({ userName: 'mixed.case', email: 'Mixed.Case@Example.com' });
    const mixed = gw.emulator.createIncident({ asset_owner_email: ' MIXED.case@example.COM ' });
    const stranger = gw.emulator.createIncident({ asset_owner_email: 'stranger@elsewhere.example' });
    const QUERY = `{ incidents(first: 82) { edges { node { incidentId assetOwnerEmail assetOwner { userName email groups { name } } } } } }`;
    const cold = await gw.gql(QUERY);
    expect(cold.body.errors).toBeUndefined();
    const byId = new Map((cold.body.data as any).incidents.edges.map((e: any) => [e.node.incidentId, e.node.assetOwner]));
    expect(byId.get(mixed.incident_id)).toEqual({ userName: 'mixed.case', email: 'Mixed.Case@Example.com', groups: [] });
    expect(byId.get(stranger.incident_id)).toBeNull();
    expect([...byId.values()].filter((o: any) => o?.groups.some((g: any) => g.name === 'All Staff')).length).toBeGreaterThan(40);
    const connector = gw.services.sta!;
    const owner = connector.userByEmailNow('mixed.case@example.com');
    expect(owner?.userName).toBe('mixed.case');
    expect(connector.userByEmailNow('stranger@elsewhere.example')).toBeNull();
    expect(connector.userGroupsNow(owner!.id)).toEqual([]);
    const calls = sta.requests.length;
    const warm = await gw.gql(QUERY);
    expect(warm.body).toEqual(cold.body);
    expect(sta.requests.length).toBe(calls);
  });
});

describe('peekCached', () => {
  it('reads an in-memory entry synchronously, and nothing once it has expired or was never there', async () => {
    const factory = memoryCacheFactory(1024 * 1024);
    const cache = factory('peek', 40);
    await cache.set('k', { v: 1 });
    expect(peekCached(cache, 'k')).toEqual({ v: 1 });
    expect(peekCached(cache, 'other')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 80));
    expect(peekCached(cache, 'k')).toBeUndefined();
    await factory.close();
  });

  it('answers undefined for a cache that is not the in-memory store (Redis answers only asynchronously)', async () => {
    const plain = new Keyv({ store: new Map(), namespace: 'elsewhere' });
    await plain.set('k', { v: 1 });
    expect(await plain.get('k')).toEqual({ v: 1 });
    expect(peekCached(plain, 'k')).toBeUndefined();
  });
});
