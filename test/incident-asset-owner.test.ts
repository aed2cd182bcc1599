// The cross-source join Incident.assetOwner: SaaS Security incidents joined to the STA user whose email is
// the asset owner's, batched and cached, proven by counting the STA emulator's requests.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;
beforeEach(async () => {
  gw = await startTestGateway({ sta: true, emulator: { generatedIncidents: 200 } });
});
afterEach(async () => {
  await gw.close();
});

const QUERY = `{ incidents(first: 200) { edges { node { incidentId assetOwnerEmail assetOwner { userName email groups { name } } } } } }`;

describe('Incident.assetOwner', () => {
  it('joins 200 incidents to their STA owners with one user listing, and none on the next query', async () => {
    const { body } = await gw.gql(QUERY);
    expect(body.errors).toBeUndefined();
    const nodes = body.data.incidents.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(200);
    for (const n of nodes) expect(n.assetOwner?.email).toBe(n.assetOwnerEmail);
    const owners = new Set(nodes.map((n: any) => n.assetOwnerEmail));
    expect(owners.size).toBeGreaterThan(5);

    const sta = gw.sta!;
    const lookups = sta.requests.filter((r) => r.path.endsWith('/users') || /\/users\/[^/]+$/.test(r.path));
    expect(lookups.length).toBeLessThanOrEqual(owners.size);
    expect(lookups.map((r) => r.rawQuery)).toEqual(['pageIndex=0&pageSize=100']);
    // groups: one call per distinct owner, however many incidents each owns.
    expect(sta.requests.filter((r) => r.path.endsWith('/groups'))).toHaveLength(owners.size);

    const before = sta.requests.length;
    const again = await gw.gql(QUERY);
    expect(again.body.errors).toBeUndefined();
    expect(sta.requests.length).toBe(before);
  });

  it('matches emails case-insensitively, is null when STA has no such user, and follows every page of users', async () => {
    const sta = gw.sta!;
    sta.maxPageSize = 5;
    for (let i = 0; i < 20; i++) sta.addUser({ userName: `filler${i}`, email: `filler${i}@example.com` });
    sta.addUser({ userName: 'last.user', email: 'Last.User@Example.com' });
    const mixed = gw.emulator.createIncident({ asset_owner_email: 'LAST.USER@example.COM' });
    const stranger = gw.emulator.createIncident({ asset_owner_email: 'stranger@elsewhere.example' });
    const none = gw.emulator.createIncident({ asset_owner_email: null });

    const { body } = await gw.gql(QUERY.replace('first: 200', 'first: 210'));
    expect(body.errors).toBeUndefined();
    const byId = new Map(body.data.incidents.edges.map((e: any) => [e.node.incidentId, e.node.assetOwner]));
    expect(byId.get(mixed.incident_id)).toMatchObject({ userName: 'last.user' });
    expect(byId.get(stranger.incident_id)).toBeNull();
    expect(byId.get(none.incident_id)).toBeNull();
    // 33 users at 5 a page: 7 pages, read once for all 203 incidents.
    expect(sta.requests.filter((r) => r.path.endsWith('/users'))).toHaveLength(7);
  });

  it('an STA outage nulls the owners with a typed error and leaves the incidents intact', async () => {
    gw.sta!.injectFault({ kind: 'server-error', status: 503 }, { times: 3 });
    const { body } = await gw.gql(`{ incidents(first: 3) { edges { node { incidentId assetOwner { userName } } } } }`);
    expect(body.data.incidents.edges).toHaveLength(3);
    expect(body.data.incidents.edges.every((e: any) => e.node.assetOwner === null)).toBe(true);
    expect(body.errors!.every((e: any) => e.extensions.code === 'UPSTREAM_UNAVAILABLE')).toBe(true);
  });
});
