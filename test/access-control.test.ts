// API keys and scopes: UNAUTHENTICATED without (or with a wrong) key, FORBIDDEN without the scope, and the
// upstream never called in either case.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseApiKeys } from '../src/config.js';
import { Authenticator } from '../src/identity/authenticator.js';
import { ApiKeys } from '../src/identity/api-keys.js';
import { AppsDocument, CloseIncidentDocument, RemediateAssetDocument } from './gql/graphql.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const READER = 'reader-key-0001';
const RESPONDER = 'responder-key-0002';
const INGESTER = 'ingester-key-0003';

let gw: TestGateway;
beforeEach(async () => {
  gw = await startTestGateway({
    fixtures: true,
    env: { SECGRAPH_API_KEYS: `${READER}=read, ${RESPONDER}=read+respond,${INGESTER}=ingest` },
  });
});
afterEach(async () => {
  await gw.close();
});

const upstreamCalls = () => gw.emulator.requests.length;

describe('access control', () => {
  it('no key: UNAUTHENTICATED with HTTP 401, and no upstream call', async () => {
    const r = await gw.gql(AppsDocument);
    expect(r.status).toBe(401);
    expect(r.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(r.body.errors?.[0]?.message).toMatch(/Authorization: Bearer/);
    expect(upstreamCalls()).toBe(0);
    expect(gw.logs.text).toMatch(/"code":"UNAUTHENTICATED"/);
  });

  it('a wrong key: UNAUTHENTICATED, saying the key is not valid', async () => {
    const r = await gw.gql(AppsDocument, undefined, 'not-a-real-key');
    expect(r.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(r.body.errors?.[0]?.message).toBe('The API key is not valid');
    expect(upstreamCalls()).toBe(0);
  });

  it('read scope: queries work, mutations are FORBIDDEN (HTTP 403) before any upstream call', async () => {
    const q = await gw.gql(AppsDocument, undefined, READER);
    expect(q.body.errors).toBeUndefined();
    const before = upstreamCalls();
    const close = await gw.gql(CloseIncidentDocument, { id: '3', category: 'NO_REASON' }, READER);
    expect(close.status).toBe(403);
    expect(close.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const remediate = await gw.gql(RemediateAssetDocument, { assetId: 'a', type: 'QUARANTINE' }, READER);
    expect(remediate.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect(upstreamCalls()).toBe(before);
  });

  it('respond scope: mutations go through', async () => {
    const close = await gw.gql(CloseIncidentDocument, { id: '3', category: 'NO_REASON' }, RESPONDER);
    expect(close.body.errors).toBeUndefined();
    expect(close.body.data!.closeIncident.state).toBe('CLOSED');
  });

  it('ingest scope alone cannot read', async () => {
    const r = await gw.gql(AppsDocument, undefined, INGESTER);
    expect(r.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
  });

  it('accepts the bare key as well as Bearer, case-insensitively on the scheme', () => {
    const auth = new Authenticator(new ApiKeys(parseApiKeys(`${READER}=read`)));
    expect(auth.authenticate(`bearer ${READER}`)).toMatchObject({ principal: { kind: 'API_KEY', name: null, email: null } });
    expect((auth.authenticate(`bearer ${READER}`) as any).principal.scopes.has('read')).toBe(true);
    expect((auth.authenticate(READER) as any).principal?.id).toMatch(/^key:[0-9a-f]{8}$/);
    expect(auth.authenticate(`Bearer ${READER}x`)).toEqual({ principal: null, reason: 'invalid', message: 'The API key is not valid' });
    expect(auth.authenticate('')).toMatchObject({ principal: null, reason: 'missing' });
  });

  it('with no keys configured the gateway is open (all scopes)', () => {
    const auth = new Authenticator(new ApiKeys(new Map()));
    expect(auth.open).toBe(true);
    expect([...(auth.authenticate(undefined) as any).principal.scopes]).toEqual(['read', 'respond', 'ingest', 'audit']);
  });
});
