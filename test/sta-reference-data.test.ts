// STA against the reference's own data and defaults: session times in seconds (README) and milliseconds (the
// unit-test fixture) both render as valid RFC 3339; log events without a principal are dropped unless asked
// for, as the reference does; a user-filtered log scan without `since` reads only the last 24 hours.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WireSessions } from '../src/connectors/sta/wire.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { recordedFixture } from './helpers/fixtures.js';

let gw: TestGateway;
beforeEach(async () => {
  gw = await startTestGateway({ sta: true });
});
afterEach(async () => {
  await gw.close();
});

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const sessions = recordedFixture<Record<'readme' | 'unitTest', WireSessions>>('sta/user-sessions.json');

describe('session times', () => {
  const sessionsOf = async (wire: WireSessions) => {
    const alice = gw.sta!.userByName('alice.moreau')!;
    gw.sta!.sessions.set(alice.id, wire.sessions);
    const { body } = await gw.gql(`{ staUser(userName: "alice.moreau") { sessions { id start expiry applicationNames } } }`);
    expect(body.errors).toBeUndefined();
    return body.data.staUser.sessions as Array<{ start: string; expiry: string }>;
  };

  it('reads the reference unit fixture\'s epoch milliseconds as milliseconds (not the year 52908)', async () => {
    const [s] = await sessionsOf(sessions.unitTest);
    expect(s).toMatchObject({ start: '2020-12-09T00:08:34.000Z', expiry: '2020-12-09T01:08:34.000Z' });
    expect(s!.start).toMatch(RFC3339);
  });

  it('reads the README\'s epoch seconds as seconds', async () => {
    const [s] = await sessionsOf(sessions.readme);
    expect(s).toMatchObject({ start: '2021-10-01T09:15:52.000Z', expiry: '2021-10-01T11:16:00.000Z', applicationNames: ['Application1', 'Application2'] });
    expect(s!.expiry).toMatch(RFC3339);
  });
});

describe('access logs', () => {
  const q = `query($filter: StaAccessLogFilter) { staAccessLogs(filter: $filter, first: 1000) { edges { node { id userName } } } }`;
  const anonymousIds = () => gw.sta!.logs.filter((l) => !l.context?.principalId).map((l) => l.id);

  it('drops events without a principal by default, as the reference does; includeAnonymous keeps them', async () => {
    expect(anonymousIds().length).toBeGreaterThan(0);
    const since = '2000-01-01T00:00:00.000Z';
    const byDefault = await gw.gql(q, { filter: { since } });
    const ids = byDefault.body.data.staAccessLogs.edges.map((e: any) => e.node.id);
    expect(ids).toEqual(gw.sta!.logs.filter((l) => l.context?.principalId).map((l) => l.id).slice(0, 1000));
    const withAnonymous = await gw.gql(q, { filter: { since, includeAnonymous: true } });
    const all = withAnonymous.body.data.staAccessLogs.edges.map((e: any) => e.node.id);
    expect(all).toEqual(expect.arrayContaining(anonymousIds()));
  });

  it('a user-filtered scan without since asks STA for the last 24 hours only; since widens it', async () => {
    const before = Date.now();
    const { body } = await gw.gql(q, { filter: { userName: 'hana.sato' } });
    expect(body.errors).toBeUndefined();
    const asked = gw.sta!.requestsTo(/\/logs$/).map((r) => r.query.get('since'));
    expect(asked).toHaveLength(1);
    const since = Date.parse(asked[0]!);
    expect(since).toBeGreaterThanOrEqual(before - 24 * 3_600_000);
    expect(since).toBeLessThanOrEqual(Date.now() - 24 * 3_600_000);
    const day = gw.sta!.logs.filter((l) => l.context?.principalId === 'hana.sato' && Date.parse(l.timeStamp!) >= since).map((l) => l.id);
    expect(body.data.staAccessLogs.edges.map((e: any) => e.node.id)).toEqual(day);

    const wide = await gw.gql(q, { filter: { userName: 'hana.sato', since: '2000-01-01T00:00:00.000Z' } });
    const week = gw.sta!.logs.filter((l) => l.context?.principalId === 'hana.sato').map((l) => l.id);
    expect(wide.body.data.staAccessLogs.edges.map((e: any) => e.node.id)).toEqual(week);
    expect(week.length).toBeGreaterThan(day.length);
  });
});
