// One way in for every transport (HTTP, SSE, graphql-sse, graphql-ws, POST /ingest/cloudtrail): the value of
// `Authorization` (or connectionParams.authorization) is an API key or an identity provider's token. Keys are
// answered synchronously (the hot path stays promise-free); tokens are verified asynchronously.
// No keys and no identity provider: the gateway is open (loopback only, config.ts) and everyone has every scope.
import { createHmac, randomBytes } from 'node:crypto';
import type { AuthFailure, AuthResult, Principal } from '../auth.js';
import type { Clock } from '../clock.js';
import { SCOPES, type Config } from '../config.js';
import type { Logger } from '../logger.js';
import { ApiKeys } from './api-keys.js';
import type { OidcVerifier } from './oidc-verifier.js';

/** The row of the credential fingerprint key in deployment_secrets (src/store/deployment-secrets.ts). */
export const FINGERPRINT_KEY_SECRET = 'credential-fingerprint-key';

export const OPEN_PRINCIPAL: Principal = { kind: 'OPEN', id: 'open', name: null, email: null, scopes: new Set(SCOPES) };

/** Three base64url segments: a JWS in compact form (an unsigned one has an empty third). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export class Authenticator {
  private readonly missing: AuthFailure;
  private readonly invalidKey: AuthFailure;
  /** Keys the credential fingerprints (see fingerprint()). */
  private readonly fingerprintKey: Buffer;

  constructor(
    private readonly keys: ApiKeys,
    private readonly oidc: OidcVerifier | null = null,
    /** The deployment's random secret (services.ts keeps it in the shared database); one of this process's own without it. */
    fingerprintKey: Buffer = randomBytes(32),
  ) {
    this.fingerprintKey = fingerprintKey;
    this.missing = {
      principal: null,
      reason: 'missing',
      message: oidc ? 'A token or API key is required: send Authorization: Bearer <token>' : 'An API key is required: send Authorization: Bearer <key>',
    };
    this.invalidKey = { principal: null, reason: 'invalid', message: oidc ? 'The API key or token is not valid' : 'The API key is not valid' };
  }

  /** Nothing to authenticate against: every caller is the open principal. */
  get open(): boolean {
    return this.keys.size === 0 && !this.oidc;
  }

  /** Whether bearer tokens are accepted (their sockets then expire with them). */
  get acceptsTokens(): boolean {
    return this.oidc !== null;
  }

  /** The credential in a raw header or connectionParams value (`Bearer <credential>`, or bare), or null when none is presented. */
  credentialOf(authorization: unknown): string | null {
    if (typeof authorization !== 'string' || !authorization.trim()) return null;
    return authorization.trim().replace(/^Bearer\s+/i, '');
  }

  /** `authorization` is the raw header or connectionParams value: `Bearer <credential>` (the bare credential is accepted too). */
  authenticate(authorization: unknown): AuthResult | Promise<AuthResult> {
    if (this.open) return { principal: OPEN_PRINCIPAL };
    const credential = this.credentialOf(authorization);
    if (credential === null) return this.missing;
    const key = this.keys.find(credential);
    if (key) return { principal: key };
    return this.authenticateToken(credential);
  }

  /**
   * The credential as an identity provider's token only, never compared with the API keys: what an address
   * under the failed-authentication throttle may still present (a token cannot be guessed, a key can).
   */
  authenticateToken(credential: string): AuthResult | Promise<AuthResult> {
    if (this.oidc && JWT_SHAPE.test(credential)) return this.oidc.verify(credential);
    return this.invalidKey;
  }

  /** Whether this credential would be verified as a token (an identity provider is configured and it has a JWT's shape). */
  isToken(credential: string): boolean {
    return this.oidc !== null && JWT_SHAPE.test(credential);
  }

  /**
   * A keyed hash of a credential (HMAC-SHA256, 128 bits), never the credential itself: what the
   * failed-authentication throttle counts and remembers, in memory or in Redis. The key is a random secret of
   * the deployment, the same on every instance (so their counters agree) and unrelated to the API keys: a
   * stored fingerprint of a valid key cannot be tested against guesses by anyone without that secret.
   */
  fingerprint(credential: string): string {
    return createHmac('sha256', this.fingerprintKey).update(credential).digest('base64url').slice(0, 22);
  }

  /** Discovers the identity provider ahead of the first token. */
  warm(): void {
    this.oidc?.warm();
  }
}

/** The verifier (jose, oauth4webapi) is imported only when an identity provider is configured: nothing to load at start otherwise. */
export async function createAuthenticator(config: Pick<Config, 'apiKeys' | 'oidc'>, logger: Logger, clock: Clock, fingerprintKey?: Buffer): Promise<Authenticator> {
  const oidc = config.oidc ? new (await import('./oidc-verifier.js')).OidcVerifier(config.oidc, logger.child({ component: 'oidc' }), clock) : null;
  return new Authenticator(new ApiKeys(config.apiKeys), oidc, fingerprintKey);
}
