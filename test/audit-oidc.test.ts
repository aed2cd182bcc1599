// "Who closed incident 1042": an analyst signed in through the identity provider (a real OpenID provider on
// loopback) is the actor of what they do, by the token's sub, name and email; a lead whose role grants `audit`
// reads the trail with a token over GraphQL and GET /audit.jsonl, an analyst without it is FORBIDDEN.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AuditLogDocument, CloseIncidentDocument } from './gql/graphql.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startOidcProvider, type TestOidcProvider } from './helpers/oidc-provider.js';

const ALICE = { sub: 'alice', name: 'Alice Analyst', email: 'alice@soc.test', groups: ['soc-analysts'] };
const LEAD = { sub: 'lena', name: 'Lena Lead', email: 'lena@soc.test', groups: ['soc-analysts', 'soc-leads'] };

let idp: TestOidcProvider;
let gw: TestGateway;
beforeAll(async () => {
  idp = await startOidcProvider({ users: [ALICE, LEAD] });
  gw = await startTestGateway({
    fixtures: true,
    env: {
      SECGRAPH_API_KEYS: 'unused-key-00000001=read',
      SECGRAPH_OIDC_ISSUER: idp.issuer,
      SECGRAPH_OIDC_AUDIENCE: idp.audience,
      SECGRAPH_OIDC_ROLE_SCOPES: 'soc-analysts=read+respond,soc-leads=read+respond+audit',
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await idp?.close();
});

it('the signed-in analyst is the actor; a lead reads the trail with a token, an analyst may not', async () => {
  const close = await gw.gql(CloseIncidentDocument, { id: '3', category: 'NO_REASON' }, await idp.mint('alice'));
  expect(close.body.errors).toBeUndefined();

  const lead = await idp.mint('lena');
  const r = await gw.gql(AuditLogDocument, { filter: { target: 'incident:3' } }, lead);
  expect(r.body.errors).toBeUndefined();
  expect(r.body.data!.auditLog.edges.map((e) => e.node)).toMatchObject([
    { action: 'closeIncident', outcome: 'SUCCEEDED', actor: { kind: 'USER', id: 'alice', name: 'Alice Analyst', email: 'alice@soc.test' }, details: { category: 'NO_REASON' } },
  ]);
  const byActor = await gw.gql(AuditLogDocument, { filter: { actorId: 'alice' } }, lead);
  expect(byActor.body.data!.auditLog.edges.map((e) => e.node.target)).toEqual(['incident:3']);

  const jsonl = await gw.yoga.fetch('http://yoga/audit.jsonl', { headers: { authorization: `Bearer ${lead}` } });
  expect(jsonl.status).toBe(200);
  const lines = (await jsonl.text()).trim().split('\n').map((l) => JSON.parse(l));
  expect(lines.find((l) => l.action === 'closeIncident')).toMatchObject({ target: 'incident:3', actor: { kind: 'USER', id: 'alice' } });

  const analyst = await idp.mint('alice');
  expect((await gw.gql(AuditLogDocument, {}, analyst)).body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
  expect((await gw.yoga.fetch('http://yoga/audit.jsonl', { headers: { authorization: `Bearer ${analyst}` } })).status).toBe(403);
});
