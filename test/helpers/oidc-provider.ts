// A real OpenID provider on loopback for tests: `oidc-provider` (a certified implementation), not a hand-signed
// shortcut. What identity tests need of it:
// - `mint(user)`: an access token for a user with given groups, issued by the provider itself (its AccessToken
//   model, signed with its current key, the audience and claims a real flow would give);
// - `rotateKeys()`: a new signing key mid-run, published beside (or instead of) the old ones, no restart;
// - `outage(true)`: discovery and the key set answer 503, as an identity provider that is down would;
// - an interactive login for the console (dev interactions: a login form that accepts any password for a
//   known user; consent is granted without asking), authorization code + PKCE, refresh tokens;
// - `signWith(...)`: forged tokens (unknown key, HS256 with the public key, alg none) for the refusal tests.
import { createServer, type Server } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT, type JWK } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

export interface OidcUser {
  sub: string;
  name?: string;
  email?: string;
  groups?: string[];
}

export interface MintOptions {
  /** Seconds until it expires; default 300. */
  ttl?: number;
  /** Another audience than the provider's default one. */
  audience?: string;
  /** Extra claims (e.g. `nbf`, `realm_access`). */
  claims?: Record<string, unknown>;
  /** The client it is issued to; default the console's public client. */
  clientId?: string;
}

export interface TestOidcProvider {
  /** The issuer identifier (http://127.0.0.1:<port>): SECGRAPH_OIDC_ISSUER. */
  issuer: string;
  /** The audience the provider puts in access tokens: SECGRAPH_OIDC_AUDIENCE. */
  audience: string;
  /** The console's public client id: SECGRAPH_OIDC_CLIENT_ID. */
  consoleClientId: string;
  /** Requests the provider answered, by path (`/jwks`, `/.well-known/openid-configuration`, `/token`, ...). */
  readonly requests: string[];
  /** Adds (or replaces) a user the interactive login and mint() know. */
  addUser(user: OidcUser): void;
  /** An access token issued by the provider to `user` (groups, name and email as claims). */
  mint(user: OidcUser | string, opts?: MintOptions): Promise<string>;
  /** A fresh signing key, used from now on; the old ones stay published unless `dropOld`. Returns the new kid. */
  rotateKeys(opts?: { dropOld?: boolean }): Promise<string>;
  /** The key id the provider signs with now. */
  readonly currentKid: string;
  /** The public JWKS as the provider publishes it. */
  publicJwks(): { keys: JWK[] };
  /** While on, discovery and the JWKS endpoint answer 503. */
  outage(on: boolean): void;
  /** Allows a redirect URI for the console client (the gateway's /console/ URL). */
  allowRedirect(uri: string): Promise<void>;
  close(): Promise<void>;
}

export interface TestOidcProviderOptions {
  audience?: string;
  consoleClientId?: string;
  /** Redirect URIs the console client may use; more with allowRedirect. */
  redirectUris?: string[];
  /** Access token lifetime of the interactive flow, seconds (default 300). */
  accessTokenTtl?: number;
  users?: OidcUser[];
}

const JWKS_PATH = '/jwks';
const DISCOVERY_PATH = '/.well-known/openid-configuration';

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

/** The public half of a private JWK. */
function publicPart({ kty, kid, alg, use, n, e, crv, x, y }: JWK): JWK {
  return Object.fromEntries(Object.entries({ kty, kid, alg, use, n, e, crv, x, y }).filter(([, v]) => v !== undefined)) as JWK;
}

export async function startOidcProvider(opts: TestOidcProviderOptions = {}): Promise<TestOidcProvider> {
  const audience = opts.audience ?? 'https://secgraph.test/api';
  const consoleClientId = opts.consoleClientId ?? 'secgraph-console';
  const accessTokenTtl = opts.accessTokenTtl ?? 300;
  const users = new Map<string, OidcUser>();
  for (const u of opts.users ?? []) users.set(u.sub, u);
  const redirectUris = new Set(opts.redirectUris ?? ['http://127.0.0.1/console/']);
  const requests: string[] = [];
  let keys: JWK[] = [await newSigningKey()];
  let down = false;
  let provider: Provider | null = null;

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push(path);
    if (down && (path === JWKS_PATH || path === DISCOVERY_PATH)) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('identity provider unavailable');
      return;
    }
    provider!.callback()(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const claimsOf = (u: OidcUser) => ({
    ...(u.name ? { name: u.name } : {}),
    ...(u.email ? { email: u.email } : {}),
    groups: u.groups ?? [],
  });

  // A new Provider over the same issuer and the same (module-wide) memory adapter: sessions and grants live
  // on; only the keys it signs with and publishes change. Built again by rotateKeys and allowRedirect.
  const build = () => {
    const configuration: Configuration = {
      clients: [
        {
          client_id: consoleClientId,
          token_endpoint_auth_method: 'none',
          application_type: 'web',
          redirect_uris: [...redirectUris],
          post_logout_redirect_uris: [...redirectUris],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
      ],
      jwks: { keys: keys as never },
      pkce: { required: () => true },
      features: {
        devInteractions: { enabled: true },
        rpInitiatedLogout: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => audience,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource) => ({ scope: 'secgraph', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: accessTokenTtl }),
        },
      },
      claims: { openid: ['sub'], profile: ['name'], email: ['email'], groups: ['groups'] },
      findAccount: async (_ctx, sub) => {
        // Dev interactions accept any login: an unknown one signs in as a user without groups.
        const u = users.get(sub) ?? { sub };
        return { accountId: sub, claims: async () => ({ sub, ...claimsOf(u) }) };
      },
      // The user's groups, name and email in every access token; mint()'s own claims (set as `extra`) over them.
      extraTokenClaims: async (_ctx, token) => {
        const { accountId: sub, extra } = token as { accountId?: string; extra?: Record<string, unknown> };
        if (!sub) return extra;
        return { ...claimsOf(users.get(sub) ?? { sub }), ...extra };
      },
      // Consent is granted without asking (an internal application), with the API's scope.
      loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
        const clientId = ctx.oidc.client!.clientId;
        const existing = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(clientId);
        if (existing) return ctx.oidc.provider.Grant.find(existing);
        const grant = new ctx.oidc.provider.Grant({ clientId, accountId: ctx.oidc.session!.accountId! });
        grant.addOIDCScope('openid profile email groups offline_access');
        grant.addResourceScope(audience, 'secgraph');
        await grant.save();
        ctx.oidc.session!.grantIdFor(clientId, grant.jti);
        return grant;
      },
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      // The console calls the token endpoint from the browser: its origin (a redirect URI's) is allowed, as
      // Keycloak's "Web Origins" or Okta's "Trusted Origins" allow it.
      clientBasedCORS: (_ctx, origin, client) => (client.redirectUris ?? []).some((u) => new URL(u).origin === origin),
      ttl: { AccessToken: accessTokenTtl, IdToken: accessTokenTtl, RefreshToken: 86_400, Session: 86_400, Grant: 86_400, Interaction: 3600 },
      cookies: { keys: ['secgraph-test-oidc-cookie-key'] },
    };
    const p = new Provider(issuer, configuration);
    // The helper's own console noise (dev interactions warn on every start) is not the test's.
    p.on('server_error', (_ctx, err) => process.stderr.write(`test OIDC provider error: ${String(err)}\n`));
    return p;
  };
  provider = build();

  const mint = async (who: OidcUser | string, m: MintOptions = {}) => {
    const user = typeof who === 'string' ? (users.get(who) ?? { sub: who }) : who;
    const p = provider!;
    const client = await p.Client.find(m.clientId ?? consoleClientId);
    if (!client) throw new Error(`no client ${m.clientId ?? consoleClientId}`);
    const aud = m.audience ?? audience;
    const token = new p.AccessToken({
      accountId: user.sub,
      client,
      scope: 'secgraph',
      expiresIn: m.ttl ?? 300,
      extra: { ...claimsOf(user), ...m.claims },
      resourceServer: { audience: aud, identifier: () => aud, scope: 'secgraph', accessTokenFormat: 'jwt', accessTokenTTL: m.ttl ?? 300 },
    } as never);
    return token.save();
  };

  return {
    issuer,
    audience,
    consoleClientId,
    requests,
    addUser(user) {
      users.set(user.sub, user);
    },
    mint,
    async rotateKeys({ dropOld = false } = {}) {
      const fresh = await newSigningKey();
      keys = dropOld ? [fresh] : [fresh, ...keys];
      provider = build();
      return fresh.kid!;
    },
    get currentKid() {
      return keys[0]!.kid!;
    },
    publicJwks: () => ({ keys: keys.map(publicPart) }),
    outage(on) {
      down = on;
    },
    async allowRedirect(uri) {
      redirectUris.add(uri);
      provider = build();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * A token the provider never issued, for refusal tests: signed with `key` (a fresh RSA key by default) under
 * `alg`, with the claims given (iss, aud, sub, exp...). `alg: 'none'` gives an unsigned token.
 */
export async function forgeToken(claims: Record<string, unknown>, opts: { alg?: string; key?: Uint8Array | CryptoKey | import('node:crypto').KeyObject; kid?: string } = {}): Promise<string> {
  const alg = opts.alg ?? 'RS256';
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  if (alg === 'none') return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
  const key = opts.key ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', ...(opts.kid ? { kid: opts.kid } : {}) }).sign(key);
}
