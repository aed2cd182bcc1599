// Incidents through GraphQL against the SaaS Security emulator: list (paging, filters), get, close.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;
beforeEach(async () => {
  gw = await startTestGateway({ fixtures: true });
});
afterEach(async () => {
  await gw.close();
});

const LIST = `query($filter: IncidentFilter, $first: Int, $after: String) {
  incidents(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id incidentId state status statusName severity severityRaw category app { appName } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('incidents', () => {
  it('lists the recorded incidents in updated_at order, deriving state when the API omits it', async () => {
    const { body } = await gw.gql(LIST, { first: 20 });
    expect(body.errors).toBeUndefined();
    const nodes = body.data.incidents.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => n.incidentId)).toEqual([3, 5, 6, 7, 8, 9, 10, 4]);
    const four = nodes.find((n: any) => n.incidentId === 4);
    expect(four).toMatchObject({ state: 'CLOSED', status: 'Closed-Business Justified', statusName: 'BUSINESS_JUSTIFIED', severity: 'LOW', app: { appName: 'Box 1' } });
    expect(body.data.incidents.pageInfo.hasNextPage).toBe(false);
  });
});
