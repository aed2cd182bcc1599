// A status change writes its STATUS_CHANGED notice to the destinations outbox in the same transaction: a
// webhook receives the alert's new and previous status and who moved it; a refused change sends nothing.
import { afterEach, expect, it } from 'vitest';
import { UpdateAlertStatusDocument } from './gql/graphql.js';
import { eventually, ingestSaml, samlRecord, startDestinationGateway } from './helpers/destinations.js';
import type { TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';

const KEY = 'responder-key-1';
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

it('moving an alert to RESOLVED sends STATUS_CHANGED through the outbox, once', async () => {
  const soar: Receiver = await startReceiver();
  open.push(soar);
  const gw: TestGateway = await startDestinationGateway(
    [{ name: 'soar', type: 'webhook', url: '${SOAR_URL}', secret: '${SOAR_SECRET}', filters: { events: ['STATUS_CHANGED'] } }],
    { SOAR_URL: soar.url, SOAR_SECRET: 'whsec-test-signing-secret-1', SECGRAPH_API_KEYS: `${KEY}=read+respond` },
  );
  open.push(gw);
  await ingestSaml(gw, samlRecord('outbox-user'));
  const { body: list } = await gw.gql('{ alerts(filter: { sources: [SAML_DETECTION] }) { edges { node { alertId } } } }', {}, KEY);
  const alertId = list.data.alerts.edges[0].node.alertId as string;
  const refused = await gw.gql(UpdateAlertStatusDocument, { alertIds: [alertId], status: 'RESOLVED', closeCategory: 'NO_REASON' }, KEY);
  expect(refused.body.data!.updateAlertStatus[0]!.error).toMatchObject({ code: 'BAD_USER_INPUT' });
  const { body } = await gw.gql(UpdateAlertStatusDocument, { alertIds: [alertId], status: 'RESOLVED', comment: 'benign admin change' }, KEY);
  expect(body.data!.updateAlertStatus[0]!.error).toBeNull();
  const [req] = await soar.waitFor(1);
  expect(req!.json).toMatchObject({ alertId, event: 'STATUS_CHANGED', status: 'RESOLVED', previousStatus: 'OPEN', source: 'SAML_DETECTION' });
  const deliveries = await eventually(async () => {
    const d = (await gw.services.destinations.deliveriesOf([alertId])).get(alertId) ?? [];
    return d.every((x) => x.status === 'DELIVERED') && d.length ? d : undefined;
  });
  expect(deliveries.map((d) => d.event)).toEqual(['STATUS_CHANGED']);
  // The same status again changes nothing and sends nothing more.
  await gw.gql(UpdateAlertStatusDocument, { alertIds: [alertId], status: 'RESOLVED' }, KEY);
  await new Promise((r) => setTimeout(r, 300));
  expect(soar.requests).toHaveLength(1);
});
