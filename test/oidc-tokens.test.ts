// Bearer tokens of a real OpenID provider (oidc-provider on loopback) beside API keys, over HTTP: who the
// viewer is, roles → scopes, every refusal with a reason (and never the token), key rotation without restart,
// a JWKS outage that keeps the cached keys working, and POST /ingest/cloudtrail with a token.
import { createPublicKey } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopesOfRoles } from '../src/identity/role-scopes.js';
import { AppsDocument, CloseIncidentDocument, ViewerDocument } from './gql/graphql.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { forgeToken, startOidcProvider, type TestOidcProvider } from './helpers/oidc-provider.js';

const ALICE = { sub: 'alice', name: 'Alice Analyst', email: 'alice@soc.test', groups: ['soc-analysts'] };
const LEAD = { sub: 'lena', name: 'Lena Lead', email: 'lena@soc.test', groups: ['soc-analysts', 'soc-leads'] };
const SHIPPER = { sub: 'svc-shipper', groups: ['log-shippers'] };
const NOBODY = { sub: 'mallory', name: 'Mallory', groups: ['marketing'] };
const LABELLED_KEY = 'ci-shipper-key-0001';
const PLAIN_KEY = 'plain-reader-key-02';
const COOLDOWN_MS = 300;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let idp: TestOidcProvider;
let other: TestOidcProvider;
let gw: TestGateway;

beforeAll(async () => {
  idp = await startOidcProvider({ users: [ALICE, LEAD, SHIPPER, NOBODY] });
  other = await startOidcProvider({ audience: 'https://secgraph.test/api' });
  gw = await startTestGateway({
    fixtures: true,
    env: {
      SECGRAPH_API_KEYS: `ci-shipper:${LABELLED_KEY}=ingest,${PLAIN_KEY}=read`,
      SECGRAPH_OIDC_ISSUER: idp.issuer,
      SECGRAPH_OIDC_AUDIENCE: idp.audience,
      SECGRAPH_OIDC_ROLE_SCOPES: 'soc-analysts=read+respond,soc-leads=read+respond+audit,log-shippers=ingest',
      SECGRAPH_OIDC_CLOCK_TOLERANCE: '0',
      SECGRAPH_OIDC_JWKS_COOLDOWN: `${COOLDOWN_MS}ms`,
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await idp?.close();
  await other?.close();
});

const errorOf = (r: { body: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }) => r.body.errors?.[0];
const jwksFetches = () => idp.requests.filter((p) => p === '/jwks').length;

/** Expects UNAUTHENTICATED with a message matching `why`, and neither the response nor the logs holding the token. */
async function refused(token: string, why: RegExp) {
  const r = await gw.gql(AppsDocument, undefined, token);
  expect(r.status).toBe(401);
  expect(errorOf(r)?.extensions?.['code']).toBe('UNAUTHENTICATED');
  expect(errorOf(r)?.message).toMatch(why);
  expect(JSON.stringify(r.body)).not.toContain(token.split('.')[2] || token.split('.')[1]);
  expect(gw.logs.text).not.toContain(token);
  return r;
}

describe('OIDC bearer tokens over HTTP', () => {
  it('a token names the viewer: USER, its sub, name, email, and the scopes its groups map to', async () => {
    const r = await gw.gql(ViewerDocument, undefined, await idp.mint('alice'));
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.gateway.viewer).toEqual({ open: false, kind: 'USER', id: 'alice', name: 'Alice Analyst', email: 'alice@soc.test', scopes: ['read', 'respond'] });
    const lead = await gw.gql(ViewerDocument, undefined, await idp.mint('lena'));
    expect(lead.body.data!.gateway.viewer.scopes).toEqual(['audit', 'read', 'respond']);
  });

  it('a token works where a key works: a mutation with the respond scope, FORBIDDEN without it', async () => {
    const close = await gw.gql(CloseIncidentDocument, { id: '3', category: 'NO_REASON' }, await idp.mint('alice'));
    expect(close.body.errors).toBeUndefined();
    expect(close.body.data!.closeIncident.state).toBe('CLOSED');
    const before = gw.emulator.requests.length;
    const forbidden = await gw.gql(CloseIncidentDocument, { id: '4', category: 'NO_REASON' }, await idp.mint('mallory'));
    expect(forbidden.status).toBe(403);
    expect(errorOf(forbidden)?.extensions?.['code']).toBe('FORBIDDEN');
    expect(errorOf(forbidden)?.message).toMatch(/roles do not grant/);
    expect(gw.emulator.requests.length).toBe(before);
  });

  it('API keys keep working beside tokens; a labelled key is named by its label, a plain one by its hash', async () => {
    const plain = await gw.gql(ViewerDocument, undefined, PLAIN_KEY);
    expect(plain.body.data!.gateway.viewer).toMatchObject({ kind: 'API_KEY', name: null, email: null, scopes: ['read'] });
    expect(plain.body.data!.gateway.viewer.id).toMatch(/^key:[0-9a-f]{8}$/);
    // The labelled key has only `ingest`: the viewer is not readable, but its ingestion is attributed to the label.
    const res = await gw.yoga.fetch('http://yoga/ingest/cloudtrail', { method: 'POST', headers: { authorization: `Bearer ${LABELLED_KEY}`, 'content-type': 'application/json' }, body: '{"Records":[]}' });
    expect(res.status).toBe(200);
    expect(gw.logs.text).toMatch(/"principal":"ci-shipper"/);
  });

  it('with an identity provider and keys the gateway is not open: no credentials is UNAUTHENTICATED, asking for a token', async () => {
    const r = await gw.gql(AppsDocument);
    expect(r.status).toBe(401);
    expect(errorOf(r)?.message).toMatch(/token or API key is required/);
  });

  it('POST /ingest/cloudtrail takes a token with the ingest scope and refuses one without it', async () => {
    const post = async (token: string) =>
      gw.yoga.fetch('http://yoga/ingest/cloudtrail', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"Records":[]}' });
    expect((await post(await idp.mint('svc-shipper'))).status).toBe(200);
    const forbidden = await post(await idp.mint('alice'));
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as any).error.code).toBe('FORBIDDEN');
    const expired = await post(await forgeToken({ iss: idp.issuer, aud: idp.audience, sub: 'x', exp: 1 }, { alg: 'none' }));
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as any).error.message).toMatch(/unsigned/);
  });

  describe('refusals say why, never the token', () => {
    it('expired', async () => {
      const token = await idp.mint('alice', { ttl: 1 });
      const exp = decodeJwt(token).exp! * 1000;
      await sleep(Math.max(0, exp - Date.now()) + 50);
      const r = await refused(token, /expired/);
      expect(r.body.errors?.[0]?.message).not.toMatch(/alice/);
    });

    it('for another audience', async () => {
      await refused(await idp.mint('alice', { audience: 'https://another.app/api' }), /another audience/);
    });

    it('from another issuer (even with the same audience)', async () => {
      const before = jwksFetches();
      await refused(await other.mint('alice'), /another issuer/);
      // Refused before any key lookup: a foreign token never makes the gateway refetch keys.
      expect(jwksFetches()).toBe(before);
    });

    it('alg none', async () => {
      await refused(await forgeToken({ iss: idp.issuer, aud: idp.audience, sub: 'alice', exp: Math.floor(Date.now() / 1000) + 300 }, { alg: 'none' }), /unsigned/);
    });

    it('HS256 with the provider public key as the secret', async () => {
      const jwk = idp.publicJwks().keys[0]!;
      const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      const token = await forgeToken({ iss: idp.issuer, aud: idp.audience, sub: 'alice', groups: ['soc-leads'], exp: Math.floor(Date.now() / 1000) + 300 }, { alg: 'HS256', key: Buffer.from(pem), kid: jwk.kid });
      await refused(token, /HS256/);
    });

    it('signed by an unknown key: the key set is refetched once, rate-limited', async () => {
      const claims = { iss: idp.issuer, aud: idp.audience, sub: 'alice', exp: Math.floor(Date.now() / 1000) + 300 };
      const forged = await Promise.all([0, 1, 2, 3, 4].map((i) => forgeToken(claims, { kid: `forged-${i}` })));
      await sleep(COOLDOWN_MS + 50);
      const before = jwksFetches();
      for (const token of forged) await refused(token, /unknown key/);
      expect(jwksFetches() - before).toBe(1);
    });

    it('a bad signature under the provider key id', async () => {
      const token = await forgeToken({ iss: idp.issuer, aud: idp.audience, sub: 'alice', exp: Math.floor(Date.now() / 1000) + 300 }, { kid: idp.currentKid });
      await refused(token, /signature is not valid/);
    });

    it('not valid yet (nbf in the future)', async () => {
      await refused(await idp.mint('alice', { claims: { nbf: Math.floor(Date.now() / 1000) + 600 } }), /not valid yet/);
    });

    it('not a JWT at all', async () => {
      const r = await gw.gql(AppsDocument, undefined, 'not-a-key-nor-a-token');
      expect(errorOf(r)?.message).toBe('The API key or token is not valid');
    });
  });

  it("the provider's keys rotate mid-run: a token signed with the new key works without a restart", async () => {
    expect((await gw.gql(AppsDocument, undefined, await idp.mint('alice'))).body.errors).toBeUndefined();
    const oldToken = await idp.mint('alice');
    const kid = await idp.rotateKeys();
    await sleep(COOLDOWN_MS + 50);
    const fresh = await idp.mint('alice');
    expect(JSON.parse(Buffer.from(fresh.split('.')[0]!, 'base64url').toString()).kid).toBe(kid);
    expect((await gw.gql(AppsDocument, undefined, fresh)).body.errors).toBeUndefined();
    // Tokens signed before the rotation stay valid while the provider still publishes their key.
    expect((await gw.gql(AppsDocument, undefined, oldToken)).body.errors).toBeUndefined();
  });

  it('a JWKS outage keeps the cached keys working; an unknown key is refused saying the key set cannot be fetched', async () => {
    const token = await idp.mint('lena');
    idp.outage(true);
    try {
      await sleep(COOLDOWN_MS + 50);
      const before = idp.requests.length;
      // An unknown kid makes the gateway try the provider, which is down: the cached set stays.
      await refused(await forgeToken({ iss: idp.issuer, aud: idp.audience, sub: 'x', exp: Math.floor(Date.now() / 1000) + 300 }, { kid: 'during-outage' }), /cannot be fetched/);
      expect(idp.requests.length).toBeGreaterThan(before);
      const r = await gw.gql(ViewerDocument, undefined, token);
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data!.gateway.viewer.id).toBe('lena');
      expect(gw.logs.text).toMatch(/cached keys stay in use/);
    } finally {
      idp.outage(false);
    }
  });
});

describe('roles → scopes', () => {
  const config = { rolesClaim: ['realm_access', 'roles'], roleScopes: new Map([['soc-analysts', new Set(['read', 'respond'] as const)], ['*', new Set(['read'] as const)]]) };
  it('reads a dotted claim path, a single string as one role, and `*` for every user', () => {
    expect([...scopesOfRoles({ realm_access: { roles: ['soc-analysts', 'x'] } }, config)].sort()).toEqual(['read', 'respond']);
    expect([...scopesOfRoles({ realm_access: { roles: 'soc-analysts' } }, config)].sort()).toEqual(['read', 'respond']);
    expect([...scopesOfRoles({ groups: ['soc-analysts'] }, config)]).toEqual(['read']);
    expect([...scopesOfRoles({ realm_access: 'nope' }, config)]).toEqual(['read']);
  });
});
