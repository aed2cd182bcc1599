// Bearer tokens of the identity provider (SECGRAPH_OIDC_ISSUER), verified with jose: the provider is found by
// discovery (oauth4webapi, which checks the document names this issuer), its JWKS fetched and cached.
// - A token whose `kid` is not in the cached set refetches the set once, at most every
//   SECGRAPH_OIDC_JWKS_COOLDOWN (jose's cooldown), so a key rotation needs no restart and forged kids cannot
//   make the gateway hammer the provider.
// - The set is refreshed every JWKS_MAX_AGE_MS; when the provider cannot be reached the last set that was
//   fetched is used again (lastGoodFetch), so an outage keeps the cached keys working.
// - Before any key is looked up, the header and the unverified `iss` are checked: `alg: none`, HMAC algorithms
//   (a "secret" anyone can read off the provider's public key) and other issuers are refused outright.
// - Then signature, `iss`, `aud`, `exp` and `nbf` (with SECGRAPH_OIDC_CLOCK_TOLERANCE), and `sub` required.
// Refusals say why (expired, wrong audience, unknown key, bad signature) and never carry the token.
import { createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import * as oauth from 'oauth4webapi';
import { fetchThroughTransport } from '../connectors/fetch-through-transport.js';
import type { AuthResult, Principal } from '../auth.js';
import type { Clock } from '../clock.js';
import type { OidcConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { scopesOfRoles } from './role-scopes.js';

/** Only the provider's public-key algorithms; HMAC (HS*) and `none` never. */
export const ACCEPTED_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** How long a fetched key set is used before it is fetched again (a failed refetch keeps it). */
const JWKS_MAX_AGE_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 5_000;

type KeySet = ReturnType<typeof createRemoteJWKSet>;

const refuse = (message: string): AuthResult => ({ principal: null, reason: 'invalid', message });

export class OidcVerifier {
  private keySet: KeySet | null = null;
  private discovering: Promise<KeySet> | null = null;
  private discoveryFailedAt = -Infinity;
  /** Set while the provider's key set cannot be fetched (the last good one is in use). */
  private jwksOutage = false;
  /** Discovery and the key set go through SECGRAPH_OIDC_PROXY / _CA_FILE (or the system proxy), as connectors do. */
  private readonly fetch: typeof fetch;

  constructor(
    private readonly config: OidcConfig,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.fetch = fetchThroughTransport(config.transport);
  }

  /** Discovers the provider now, so the first token does not wait for it; a failure only logs (retried per token). */
  warm(): void {
    this.discover().catch(() => {});
  }

  async verify(token: string): Promise<AuthResult> {
    let alg: string | undefined;
    let unverified: JWTPayload;
    try {
      alg = decodeProtectedHeader(token).alg;
      unverified = decodeJwt(token);
    } catch {
      return refuse('The token is malformed: not a JWT');
    }
    if (!alg || alg.toLowerCase() === 'none') return refuse('The token is unsigned (alg "none"): only tokens signed by the identity provider are accepted');
    if (/^HS/i.test(alg)) return refuse(`The token is signed with ${alg}, a shared-secret algorithm: only the identity provider's public keys are trusted`);
    if (!ACCEPTED_ALGS.includes(alg)) return refuse(`The token's algorithm ${alg} is not accepted`);
    if (unverified.iss !== this.config.issuer) return refuse('The token was issued by another issuer than SECGRAPH_OIDC_ISSUER');

    let keySet: KeySet;
    try {
      keySet = await this.discover();
    } catch {
      return refuse('The identity provider could not be reached to verify the token (discovery failed)');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: ACCEPTED_ALGS,
        clockTolerance: this.config.clockToleranceSec,
        currentDate: new Date(this.clock.now()),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (e) {
      if (e instanceof errors.JWTExpired) return { ...refuse(this.reasonOf(e)), expired: true } as AuthResult;
      return refuse(this.reasonOf(e));
    }
    const principal: Principal = {
      kind: 'USER',
      id: payload.sub!,
      name: stringClaim(payload, 'name') ?? stringClaim(payload, 'preferred_username'),
      email: stringClaim(payload, 'email'),
      scopes: scopesOfRoles(payload, this.config),
    };
    return { principal, expiresAt: payload.exp! * 1000 + this.config.clockToleranceSec * 1000 };
  }

  private reasonOf(e: unknown): string {
    if (e instanceof errors.JWTExpired) return 'The token has expired: sign in again';
    if (e instanceof errors.JWTClaimValidationFailed) {
      if (e.claim === 'aud') return 'The token is for another audience than SECGRAPH_OIDC_AUDIENCE';
      if (e.claim === 'iss') return 'The token was issued by another issuer than SECGRAPH_OIDC_ISSUER';
      if (e.claim === 'nbf') return 'The token is not valid yet (nbf)';
      if (e.reason === 'missing') return `The token has no "${e.claim}" claim`;
      return `The token's "${e.claim}" claim is not valid`;
    }
    if (e instanceof errors.JWKSNoMatchingKey) {
      return this.jwksOutage
        ? "The token was signed by a key this gateway does not know, and the identity provider's key set cannot be fetched now"
        : 'The token was signed by a key the identity provider does not publish (unknown key id)';
    }
    if (e instanceof errors.JWKSMultipleMatchingKeys) return 'The token names no key id and the identity provider publishes several keys';
    if (e instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is not valid';
    if (e instanceof errors.JOSEAlgNotAllowed) return "The token's algorithm is not accepted";
    if (e instanceof errors.JWKSTimeout || e instanceof TypeError) return "The identity provider's key set could not be fetched to verify the token";
    if (e instanceof errors.JOSEError) return 'The token is not valid';
    this.logger.error({ err: e }, 'unexpected error verifying a token');
    return 'The token could not be verified';
  }

  /** The provider's key set, after discovery; a failed discovery is retried at most every JWKS cooldown. */
  private discover(): Promise<KeySet> {
    if (this.keySet) return Promise.resolve(this.keySet);
    if (this.discovering) return this.discovering;
    if (this.clock.now() - this.discoveryFailedAt < Math.max(this.config.jwksCooldownMs, 1000)) return Promise.reject(new Error('discovery failed recently'));
    this.discovering = (async () => {
      const issuer = new URL(this.config.issuer);
      const options = { [oauth.allowInsecureRequests]: issuer.protocol === 'http:', [oauth.customFetch]: this.fetch, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) };
      const server = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options));
      if (!server.jwks_uri) throw new Error('the discovery document names no jwks_uri');
      this.keySet = createRemoteJWKSet(new URL(server.jwks_uri), {
        cooldownDuration: this.config.jwksCooldownMs,
        cacheMaxAge: JWKS_MAX_AGE_MS,
        timeoutDuration: FETCH_TIMEOUT_MS,
        [customFetch]: this.lastGoodFetch(),
      });
      this.logger.info({ issuer: this.config.issuer, jwksUri: server.jwks_uri }, 'identity provider discovered');
      return this.keySet;
    })();
    this.discovering.then(
      () => (this.discovering = null),
      (e: unknown) => {
        this.discovering = null;
        this.discoveryFailedAt = this.clock.now();
        this.logger.warn({ issuer: this.config.issuer, err: e instanceof Error ? e.message : String(e) }, 'identity provider discovery failed; tokens are refused until it succeeds');
      },
    );
    return this.discovering;
  }

  /** fetch for jose's key set that answers with the last key set fetched when the provider cannot be reached. */
  private lastGoodFetch(): typeof fetch {
    let lastGood: string | null = null;
    return async (url, init) => {
      try {
        const response = await this.fetch(url, init);
        if (response.status === 200) {
          const body = await response.text();
          lastGood = body;
          if (this.jwksOutage) this.logger.info({ issuer: this.config.issuer }, "identity provider's key set fetched again");
          this.jwksOutage = false;
          return new Response(body, { status: 200, headers: response.headers });
        }
        throw new Error(`HTTP ${response.status}`);
      } catch (e) {
        if (lastGood === null) throw e;
        if (!this.jwksOutage) {
          this.logger.warn({ issuer: this.config.issuer, err: e instanceof Error ? e.message : String(e) }, "identity provider's key set cannot be fetched: the cached keys stay in use");
        }
        this.jwksOutage = true;
        return new Response(lastGood, { status: 200, headers: { 'content-type': 'application/json' } });
      }
    };
  }
}

function stringClaim(payload: JWTPayload, name: string): string | null {
  const v = payload[name];
  return typeof v === 'string' && v ? v : null;
}
