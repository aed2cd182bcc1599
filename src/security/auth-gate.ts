// Authentication under the failed-authentication throttle, the same for every transport (HTTP, SSE,
// graphql-sse, graphql-ws, /ingest/cloudtrail, /audit.jsonl, /mcp), and before anything else reads the request.
//
// What the throttle must do (issue 28): refuse nobody who presents a valid credential because someone else at
// the same address (a NAT, a proxy, a SOC's egress) keeps failing, and keep a key guesser at most
// SECGRAPH_AUTH_FAILURES_PER_MINUTE guesses a minute. The counters are in rate-limits.ts; here is the rule:
// - not throttled: the credential is verified. A success marks it known good for this address; a failure is
//   counted by credential, so one wrong key repeated (a misconfigured script) is refused alone after
//   SECGRAPH_AUTH_FAILURES_PER_CREDENTIAL tries and counts once toward the address;
// - the address is throttled (that many distinct failing credentials this minute): a key is verified only when
//   it is known good here (it authenticated from this address in the last 24 hours), so a colleague's key goes
//   on working; any other key is refused unverified, a correct guess included, so a guesser learns nothing.
//   An identity provider's token (a JWT) is still verified, against the provider's keys only: it cannot be
//   guessed (its signature), and verifying one costs about what parsing the request did (see the README);
// - credentials being verified right now count as failures until their outcome is recorded, so guesses sent
//   all at once are bounded too (the counters are read, then written: without this, every guess in flight
//   would be compared before the first failure was counted).
import { LRUCache } from 'lru-cache';
import type { AuthFailure, AuthResult } from '../auth.js';
import { GatewayError } from '../errors.js';
import { OPEN_PRINCIPAL, type Authenticator } from '../identity/authenticator.js';
import type { Logger } from '../logger.js';
import type { RateLimits } from './rate-limits.js';

/** Refused by the throttle: RATE_LIMITED, with the seconds to wait. */
export interface Throttled {
  principal: null;
  reason: 'throttled';
  message: string;
  retryAfter: number;
}

export type Refusal = AuthFailure | Throttled;
/** A principal, or why not; `isThrottled` tells the throttle's refusals (429) from the others (401). */
export type Admission = Exclude<AuthResult, AuthFailure> | Refusal;

export const isThrottled = (a: Admission): a is Throttled => a.principal === null && a.reason === 'throttled';

/** The GraphQL error a refused admission is answered with (HTTP 401 with `WWW-Authenticate: Bearer`, or 429). */
export function refusalError(refusal: Refusal): GatewayError {
  if (refusal.reason === 'throttled') return new GatewayError('RATE_LIMITED', refusal.message, { retryAfter: refusal.retryAfter });
  return new GatewayError('UNAUTHENTICATED', refusal.message);
}

/** A refusal as a GraphQL-over-HTTP response of its own, for routes that answer before yoga's result processing. */
export function refusalResponse(refusal: Refusal): Response {
  const error = refusalError(refusal);
  const http = error.extensions['http'] as { status: number; headers?: Record<string, string> };
  const body = { errors: [{ message: error.message, extensions: { code: error.code, ...(isThrottled(refusal) ? { retryAfter: refusal.retryAfter } : {}) } }] };
  return new Response(JSON.stringify(body), { status: http.status, headers: { 'content-type': 'application/json; charset=utf-8', ...http.headers } });
}

/** The client address of a yoga server context (node:http's req), as every route reads it. */
export const addressOfServerContext = (serverContext: unknown): string =>
  (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket?.remoteAddress ?? 'unknown';

export class AuthGate {
  /** Addresses whose throttling was logged this minute: one line per address, not one per refused request. */
  private readonly logged = new LRUCache<string, true>({ max: 10_000, ttl: 60_000 });
  /** What a request was admitted as, for yoga's context (a token is not verified twice). */
  private readonly admitted = new WeakMap<object, AuthResult>();
  /** Credentials being verified now per address, not yet known good here: they count toward the limit (below). */
  private readonly verifying = new Map<string, number>();

  constructor(
    readonly authenticator: Authenticator,
    private readonly limits: RateLimits,
    private readonly logger: Logger,
  ) {}

  get open(): boolean {
    return this.authenticator.open;
  }

  /**
   * `authorization` is the raw header or connectionParams value; `address` the client's IP address. A refusal
   * is logged at debug (anyone can make as many as they like: at the default level they cost no disk); the
   * throttle's, once per address (or credential) a minute, at warn.
   */
  async admit(authorization: unknown, address: string): Promise<Admission> {
    const admission = await this.admitOrRefuse(authorization, address);
    if (!admission.principal && admission.reason !== 'throttled') this.logger.debug({ code: 'UNAUTHENTICATED', address, reason: admission.reason }, `request refused: ${admission.message}`);
    return admission;
  }

  private async admitOrRefuse(authorization: unknown, address: string): Promise<Admission> {
    const { authenticator, limits } = this;
    if (authenticator.open) return { principal: OPEN_PRINCIPAL };
    const credential = authenticator.credentialOf(authorization);
    // Nothing presented: nothing to guess, nothing to count.
    if (credential === null) return authenticator.authenticate(undefined);
    const fingerprint = authenticator.fingerprint(credential);
    // A credential this instance saw authenticate from here: nothing to guess, nothing to count.
    if (limits.rememberedGood(address, fingerprint)) return this.verify(credential, fingerprint, address, 0);
    // Any other counts as a possible failure from the moment it is read until its outcome is recorded, so
    // guesses sent all at once (many connections, or many subscribe messages on one socket) cannot all be
    // compared before the first failure is counted: at most SECGRAPH_AUTH_FAILURES_PER_MINUTE are, per instance.
    const pending = this.verifying.get(address) ?? 0;
    this.verifying.set(address, pending + 1);
    try {
      return await this.verify(credential, fingerprint, address, pending);
    } finally {
      const left = (this.verifying.get(address) ?? 1) - 1;
      if (left > 0) this.verifying.set(address, left);
      else this.verifying.delete(address);
    }
  }

  private async verify(credential: string, fingerprint: string, address: string, pending: number): Promise<Admission> {
    const { authenticator, limits } = this;
    const blocked = await limits.authBlocked(address, pending);
    if (blocked !== null) return this.admitThrottled(credential, fingerprint, address, blocked);
    const auth = await authenticator.authenticate(credential);
    if (auth.principal) {
      await limits.authSucceeded(address, fingerprint);
      return auth;
    }
    if (auth.reason !== 'invalid') return auth;
    const wait = await limits.authFailed(address, fingerprint);
    if (wait === null) return auth;
    this.logOnce(`${address}|${fingerprint}`, { address, retryAfter: wait }, 'authentication throttled: one credential keeps failing from this address (SECGRAPH_AUTH_FAILURES_PER_CREDENTIAL)');
    return { principal: null, reason: 'throttled', message: `Too many failed authentications with this credential; retry in ${wait} s`, retryAfter: wait };
  }

  private async admitThrottled(credential: string, fingerprint: string, address: string, blocked: number): Promise<Admission> {
    const { authenticator, limits } = this;
    let auth: AuthResult | null = null;
    if (await limits.knownGood(address, fingerprint)) auth = await authenticator.authenticate(credential);
    else if (authenticator.isToken(credential)) auth = await authenticator.authenticateToken(credential);
    if (auth?.principal) {
      await limits.authSucceeded(address, fingerprint);
      return auth;
    }
    this.logOnce(address, { address, retryAfter: blocked }, 'authentication throttled: too many failing credentials from this address (SECGRAPH_AUTH_FAILURES_PER_MINUTE); known-good keys and valid tokens still pass');
    return { principal: null, reason: 'throttled', message: `Too many failed authentications from this address; retry in ${blocked} s`, retryAfter: blocked };
  }

  private logOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.logged.has(key)) return;
    this.logged.set(key, true);
    this.logger.warn(fields, message);
  }

  /** Remembers what `request` was admitted as (yoga's context reads it back with admittedAs). */
  remember(request: object, auth: AuthResult): void {
    this.admitted.set(request, auth);
  }

  admittedAs(request: object | undefined): AuthResult | undefined {
    return request ? this.admitted.get(request) : undefined;
  }
}
