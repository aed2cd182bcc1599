// OAuth client-credentials token for the SaaS Security API.
// `POST /oauth/token`, Basic auth, form body `grant_type=client_credentials&scope=api_access incident_api
// remediation_api`. Cached for its real lifetime (`expires_in`, else 117 minutes as the reference assumes),
// renewed a little early; concurrent callers share one request; a 401 elsewhere invalidates it once.
import type { Got } from 'got';
import type { Clock } from '../../clock.js';
import { GatewayError } from '../../errors.js';
import { registerSecret } from '../../logger.js';
import type { WireTokenResponse } from './wire.js';

export const TOKEN_SCOPE = 'api_access incident_api remediation_api';
/** The reference's assumed lifetime when the token response has no expires_in. */
export const DEFAULT_TOKEN_LIFETIME_S = 117 * 60;
/** Renew this long before expiry so a token never dies in flight. */
const RENEW_MARGIN_MS = 30_000;

export class SaasSecurityTokens {
  private token: { value: string; expiresAt: number } | null = null;
  private inFlight: Promise<string> | null = null;
  /** Number of token requests made: for readiness and tests. */
  requests = 0;

  constructor(
    private readonly http: Got,
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly clock: Clock,
  ) {
    registerSecret(clientSecret);
    registerSecret(Buffer.from(`${clientId}:${clientSecret}`).toString('base64'));
  }

  get hasToken(): boolean {
    return this.token !== null;
  }

  async get(): Promise<string> {
    if (this.token && this.clock.now() < this.token.expiresAt) return this.token.value;
    this.inFlight ??= this.request().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Forget `stale` (the token a request was rejected with), unless a newer one has already replaced it. */
  invalidate(stale: string): void {
    if (this.token?.value === stale) this.token = null;
  }

  private async request(): Promise<string> {
    this.requests += 1;
    const basic = Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64');
    const body = new URLSearchParams({ grant_type: 'client_credentials', scope: TOKEN_SCOPE }).toString();
    const issuedAt = this.clock.now();
    const res = await this.http
      .post('oauth/token', {
        body,
        headers: {
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded; charset=ISO-8859-1',
          authorization: `Basic ${basic}`,
        },
      })
      .json<WireTokenResponse>();
    if (!res || typeof res.access_token !== 'string' || !res.access_token) {
      // The reference would send "Bearer None"; we refuse instead.
      throw new GatewayError('UPSTREAM_REJECTED', 'SaaS Security token response has no access_token', { upstream: 'SaaS Security' });
    }
    registerSecret(res.access_token);
    const lifetimeS = typeof res.expires_in === 'number' && res.expires_in > 0 ? res.expires_in : DEFAULT_TOKEN_LIFETIME_S;
    const margin = Math.min(RENEW_MARGIN_MS, (lifetimeS * 1000) / 10);
    this.token = { value: res.access_token, expiresAt: issuedAt + lifetimeS * 1000 - margin };
    return res.access_token;
  }
}
