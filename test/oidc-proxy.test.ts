// The identity provider behind the SOC's egress proxy: discovery and the key set are fetched the way the
// connectors fetch (SECGRAPH_OIDC_PROXY, else HTTPS_PROXY/HTTP_PROXY with NO_PROXY), not by Node's fetch, which
// knows no proxy. A real oidc-provider and a forward proxy on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerDocument } from './gql/graphql.js';
import { startConnectProxy, type ConnectProxy } from './helpers/connect-proxy.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startOidcProvider, type TestOidcProvider } from './helpers/oidc-provider.js';

const ALICE = { sub: 'alice', name: 'Alice Analyst', email: 'alice@soc.test', groups: ['soc-analysts'] };

let idp: TestOidcProvider;
let proxy: ConnectProxy;
let guarded: ConnectProxy;
const open: TestGateway[] = [];
beforeAll(async () => {
  idp = await startOidcProvider({ users: [ALICE] });
  proxy = await startConnectProxy();
  guarded = await startConnectProxy({ user: 'egress', password: 'egress-pass-123' });
});
afterAll(async () => {
  for (const gw of open) await gw.close();
  await proxy?.close();
  await guarded?.close();
  await idp?.close();
});

async function gateway(env: Record<string, string>): Promise<TestGateway> {
  const gw = await startTestGateway({
    env: { SECGRAPH_OIDC_ISSUER: idp.issuer, SECGRAPH_OIDC_AUDIENCE: idp.audience, SECGRAPH_OIDC_ROLE_SCOPES: 'soc-analysts=read', ...env },
  });
  open.push(gw);
  return gw;
}

describe('identity provider through a forward proxy', () => {
  it('SECGRAPH_OIDC_PROXY: discovery and the key set go through it, and the token verifies', async () => {
    const gw = await gateway({ SECGRAPH_OIDC_PROXY: proxy.url });
    const before = proxy.forwarded.length;
    const r = await gw.gql(ViewerDocument, undefined, await idp.mint('alice'));
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.gateway.viewer).toMatchObject({ kind: 'USER', id: 'alice' });
    const through = proxy.forwarded.slice(before);
    expect(through).toContain(`${idp.issuer}/.well-known/openid-configuration`);
    expect(through.some((u) => u.startsWith(idp.issuer) && u.includes('jwks'))).toBe(true);
  });

  it('HTTP_PROXY is honoured, and NO_PROXY exempts the provider', async () => {
    const via = await gateway({ HTTP_PROXY: proxy.url });
    const before = proxy.forwarded.length;
    expect((await via.gql(ViewerDocument, undefined, await idp.mint('alice'))).body.errors).toBeUndefined();
    expect(proxy.forwarded.length).toBeGreaterThan(before);

    const exempt = await gateway({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    const mark = proxy.forwarded.length;
    expect((await exempt.gql(ViewerDocument, undefined, await idp.mint('alice'))).body.errors).toBeUndefined();
    expect(proxy.forwarded.length).toBe(mark);
  });

  it('proxy credentials come from the proxy URL; a wrong password refuses tokens saying the provider is unreachable, and is never logged', async () => {
    const ok = await gateway({ SECGRAPH_OIDC_PROXY: `http://egress:egress-pass-123@127.0.0.1:${new URL(guarded.url).port}` });
    expect((await ok.gql(ViewerDocument, undefined, await idp.mint('alice'))).body.errors).toBeUndefined();
    expect(ok.logs.text).not.toContain('egress-pass-123');

    const wrong = await gateway({ SECGRAPH_OIDC_PROXY: `http://egress:not-the-pass-456@127.0.0.1:${new URL(guarded.url).port}` });
    const r = await wrong.gql(ViewerDocument, undefined, await idp.mint('alice'));
    expect(r.status).toBe(401);
    expect(r.body.errors?.[0]?.message).toMatch(/identity provider could not be reached/);
    expect(guarded.refused).toBeGreaterThan(0);
    expect(wrong.logs.text).not.toContain('not-the-pass-456');
  });
});
