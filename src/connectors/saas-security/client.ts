// The SaaS Security REST API, one method per endpoint the reference integration calls (spec §2).
// Raw calls only: caching lives in cached.ts, wire→domain mapping in map.ts.
import { HTTPError, type Got } from 'got';
import type { Clock } from '../../clock.js';
import type { UpstreamHttpConfig } from '../../config.js';
import { DEFAULT_SAAS_INSTANCE } from '../../domain/alert.js';
import { badInput, errorCodeOf, GatewayError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { createUpstreamHttp } from '../http.js';
import { UpstreamGuard, type UpstreamObserver } from '../upstream-guard.js';
import { SaasSecurityTokens } from './token.js';
import type {
  WireApp,
  WireCloseCategory,
  WireDeltaResponse,
  WireIncident,
  WireRemediationRequest,
  WireRemediationStatus,
  WireRemediationType,
  WireStateUpdateRequest,
  WireStateUpdateResponse,
} from './wire.js';

export const SAAS_SECURITY = 'SaaS Security';

/**
 * How logs, errors and metrics name a tenant's upstream: `SaaS Security` for the default tenant (as before
 * there were several), `SaaS Security (eu)` for the others.
 */
export function saasUpstreamName(instance: string): string {
  return instance === DEFAULT_SAAS_INSTANCE ? SAAS_SECURITY : `${SAAS_SECURITY} (${instance})`;
}
const DELTA_PATH = '/incident/api/incidents/delta';

export interface SaasSecurityClientOptions {
  /** The tenant (configured instance name); default DEFAULT_SAAS_INSTANCE. */
  instance?: string;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  http: UpstreamHttpConfig;
  logger: Logger;
  clock: Clock;
  observer?: UpstreamObserver;
}

/** Token renewals one call may make when the upstream keeps rejecting fresh tokens (a revocation race). */
const TOKEN_RENEWALS = 2;

type Headers = Record<string, string>;

export class SaasSecurityClient {
  readonly tokens: SaasSecurityTokens;
  private readonly http: Got;
  /** Names the tenant's upstream: the connector logs through it too. */
  readonly logger: Logger;
  readonly guard: UpstreamGuard;

  constructor(opts: SaasSecurityClientOptions) {
    const instance = opts.instance ?? DEFAULT_SAAS_INSTANCE;
    const upstream = saasUpstreamName(instance);
    this.logger = opts.logger.child({ upstream, ...(instance === DEFAULT_SAAS_INSTANCE ? {} : { saasInstance: instance }) });
    // Its own breaker: a tenant that fails trips only its own.
    this.guard = new UpstreamGuard(upstream, this.logger, opts.http.breaker, opts.observer);
    this.http = createUpstreamHttp({
      upstream,
      prefixUrl: opts.baseUrl.replace(/\/+$/, ''),
      http: opts.http,
      logger: this.logger,
      ...(opts.observer ? { onRetry: (u: string) => opts.observer!.retry(u) } : {}),
    });
    this.tokens = new SaasSecurityTokens(this.http, opts.clientId, opts.clientSecret, opts.clock);
  }

  /** Fetches a token if there is none: proves the credentials work (readiness). */
  async authenticate(): Promise<void> {
    await this.guard.call('authenticate', () => this.tokens.get());
  }

  /**
   * `GET /incident/api/incidents/delta`, given the path and query to request: either built by map.deltaPath
   * or a `nextPath` the API returned. Only relative delta paths are accepted, so a cursor can never point
   * the gateway (and its token) at another host or endpoint.
   */
  async listIncidents(pathAndQuery: string): Promise<WireDeltaResponse> {
    if (!pathAndQuery.startsWith(DELTA_PATH) || /^\/\/|[\r\n]/.test(pathAndQuery) || !/^\/incident\/api\/incidents\/delta(\?|$)/.test(pathAndQuery)) {
      throw badInput('invalid incidents page reference', 'after');
    }
    const res = await this.send('listIncidents', (headers) =>
      this.http.get(pathAndQuery.slice(1), { headers }).json<WireDeltaResponse>(),
    );
    // Tolerate servers that leave out limit or nextPath: the requested limit and "no further page" stand in.
    const requested = Number(new URLSearchParams(pathAndQuery.split('?')[1] ?? '').get('limit') ?? 50);
    return {
      limit: typeof res.limit === 'number' ? res.limit : requested,
      nextPath: typeof res.nextPath === 'string' ? res.nextPath : '',
      resources: Array.isArray(res.resources) ? res.resources : [],
    };
  }

  /** `GET /incident/api/incidents/{id}`; null on 404. */
  async getIncident(id: number): Promise<WireIncident | null> {
    return this.nullOn404(() =>
      this.send('getIncident', (headers) => this.http.get(`incident/api/incidents/${id}`, { headers }).json<WireIncident>()),
    );
  }

  /** `POST /incident/api/incidents/{id}/state`: the API can only close, with one of three categories. */
  async closeIncident(id: number, category: WireCloseCategory): Promise<WireStateUpdateResponse> {
    const json: WireStateUpdateRequest = { state: 'closed', category };
    return this.send('closeIncident', (headers) =>
      this.http.post(`incident/api/incidents/${id}/state`, { headers, json }).json<WireStateUpdateResponse>(),
    );
  }

  /** `GET /incident/api/apps`: a bare JSON array. */
  async listApps(): Promise<WireApp[]> {
    const res = await this.send('listApps', (headers) => this.http.get('incident/api/apps', { headers }).json<WireApp[]>());
    return Array.isArray(res) ? res : [];
  }

  /** `POST /remediation/api/assets`: answered 202 with an empty body; the body is ignored. */
  async remediateAsset(assetId: string, type: WireRemediationType, removeInheritedSharing: boolean): Promise<void> {
    const json: WireRemediationRequest =
      type === 'remove_public_sharing'
        ? { remediation_type: type, remove_inherited_sharing: removeInheritedSharing, asset_id: assetId }
        : { remediation_type: type, asset_id: assetId };
    await this.send('remediateAsset', (headers) => this.http.post('remediation/api/assets', { headers, json }));
  }

  /** `GET /remediation/api/assets?remediation_type=&asset_id=`; null on 404. */
  async getRemediationStatus(assetId: string, type: WireRemediationType): Promise<WireRemediationStatus | null> {
    return this.nullOn404(() =>
      this.send('getRemediationStatus', (headers) =>
        this.http
          .get('remediation/api/assets', { headers, searchParams: { remediation_type: type, asset_id: assetId } })
          .json<WireRemediationStatus>(),
      ),
    );
  }

  /**
   * Sends one authenticated request. Every call carries `Authorization: Bearer` and `Content-Type:
   * application/json`, GETs included, as the reference does. A 401 renews the token and retries, up to
   * TOKEN_RENEWALS times: a token revoked just after it was issued is not yet a refusal of the credentials.
   * A 401 on the last fresh token too means the upstream refuses the tokens it issues (the credentials are
   * accepted at the token endpoint, so it is not the caller's mistake): UPSTREAM_UNAVAILABLE, whose one log
   * line (the guard's) names the cause. It counts toward the breaker, so a tenant in that state stops being
   * asked for two fresh tokens per call until its cool-down has passed.
   */
  private send<T>(operation: string, fn: (headers: Headers) => Promise<T>): Promise<T> {
    return this.guard.call(operation, async () => {
      for (let renewals = 0; ; renewals += 1) {
        const token = await this.tokens.get();
        try {
          return await fn(this.headers(token));
        } catch (error) {
          if (!(error instanceof HTTPError) || error.response.statusCode !== 401) throw error;
          this.tokens.invalidate(token);
          if (renewals >= TOKEN_RENEWALS) throw this.refusesItsTokens(renewals);
          this.logger.info({ operation, renewal: renewals + 1 }, `${this.guard.upstream} rejected the token; renewing it`);
        }
      }
    });
  }

  private refusesItsTokens(renewals: number): GatewayError {
    return new GatewayError(
      'UPSTREAM_UNAVAILABLE',
      `${this.guard.upstream} refuses the tokens it issues (HTTP 401 on ${renewals} fresh tokens in a row): check the API client's scopes and tenant`,
      { upstream: this.guard.upstream, upstreamStatus: 401 },
    );
  }

  private headers(token: string): Headers {
    return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  }

  private async nullOn404<T>(fn: () => Promise<T>): Promise<T | null> {
    try {
      return await fn();
    } catch (error) {
      if (errorCodeOf(error) === 'NOT_FOUND') return null;
      throw error;
    }
  }
}
