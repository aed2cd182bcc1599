// All configuration is parsed and validated here, once, at start. A wrong value stops the start with a
// message naming the variable; nothing else in the code reads process.env.
import path from 'node:path';
import { WIRE_SEVERITY_BY_LABEL, WIRE_STATUS_BY_NAME } from './connectors/saas-security/wire.js';
import { MIRROR_DIRECTIONS, type MirrorDirection } from './domain/incident-record.js';
import { DEFAULT_EVENT_LOG_SIZE } from './store/event-log.js';
import { INCIDENT_STATUSES, SEVERITIES, type IncidentState, type IncidentStatus, type Severity } from './domain/saas-security.js';
import { isLoopbackHost } from './net.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';
import type { SystemProxy, UpstreamTransport } from './connectors/transport.js';
import { readFileSync } from 'node:fs';
import { readConfigFile, type DestinationFileEntry, type LoadedConfigFile, type SaasInstanceFileEntry, type StaInstanceFileEntry } from './config-file.js';
import { DEFAULT_SAAS_INSTANCE, type AlertEventKind, type AlertSeverity, type AlertSource } from './domain/alert.js';
import { parseApiKeys, parseOidc, parseTrustedDocuments, type ApiKeyGrant, type OidcConfig, type TrustedDocumentsConfig } from './config-identity.js';
import {
  ConfigError,
  envValue,
  listItems,
  parseBoolVar,
  parseClampedIntVar,
  parseDurationVar,
  parseEnumVar,
  parseIntVar,
  parseListVar,
  parseNumberVar,
  parseUrlVar,
  type ConfigWarning,
  type Env,
} from './config-vars.js';

export { ConfigError, type ConfigWarning } from './config-vars.js';

export { SCOPES, parseApiKeys, type ApiKeyGrant, type ArbitraryDocuments, type OidcConfig, type Scope, type TrustedDocumentsConfig } from './config-identity.js';

export const SAAS_SECURITY_REGIONS = {
  US: 'https://api.aperture.paloaltonetworks.com',
  EU: 'https://api.aperture-eu.paloaltonetworks.com',
  APAC: 'https://api.aperture-apac.paloaltonetworks.com',
} as const;

/** Shared HTTP behaviour of every upstream connector. */
export interface UpstreamHttpConfig {
  /** Per-request timeout, ms. */
  timeoutMs: number;
  /** How many times an idempotent request is retried (429, 502, 503, 504, network errors). */
  retryLimit: number;
  /** First backoff wait, ms; doubles each retry. */
  retryBaseDelayMs: number;
  /** Cap on one backoff wait and on an honoured Retry-After, ms. */
  maxRetryDelayMs: number;
  /** Proxy and TLS trust (src/connectors/transport.ts); absent: direct, system CAs. */
  transport?: UpstreamTransport;
  /** Circuit breaker; absent: 5 consecutive failures, 30 s cool-down. */
  breaker?: BreakerConfig;
}

/** One SaaS Security tenant the gateway talks to (SECGRAPH_CONFIG saasSecurity.instances, or the SAAS_SECURITY_* shorthand). */
export interface SaasInstanceConfig {
  /** Names the tenant in `instance` arguments, incident and alert ids; DEFAULT_SAAS_INSTANCE for the shorthand. */
  name: string;
  url: string;
  clientId: string;
  clientSecret: string;
  /** Its own timeout, retries, proxy and TLS trust (the SAAS_SECURITY_* ones unless the file gives its own). */
  http: UpstreamHttpConfig;
  /** Its own fetch and mirroring settings (likewise). */
  fetch: IncidentFetchConfig;
}

/**
 * The first (default) SaaS Security tenant, or the sandbox; `instances` lists every configured tenant (empty
 * for the sandbox, which runs `sandboxTenants` emulated tenants with the SAAS_SECURITY_* settings).
 */
export type SaasSecurityConfig = { http: UpstreamHttpConfig; instances: SaasInstanceConfig[] } & (
  | { mode: 'sandbox'; sandboxTenants: number }
  | ({ mode: 'upstream' } & Pick<SaasInstanceConfig, 'name' | 'url' | 'clientId' | 'clientSecret'>)
);

/** One STA tenant the gateway talks to. */
export interface StaInstanceConfig {
  /**
   * The "Instance name:" its alert emails carry (the XSOAR instance the reference would use). Null for the
   * one instance of the STA_* shorthand without STA_INSTANCE_NAME: it then takes every alert.
   */
  name: string | null;
  url: string;
  tenantCode: string;
  apiKey: string;
  /** This tenant's own timeout, retries, proxy and TLS trust (SECGRAPH_CONFIG); absent: the STA_* ones. */
  http?: UpstreamHttpConfig;
}

/** The first (default) STA instance, or the sandbox; `instances` lists them all (empty for the sandbox). */
export type StaConfig = { http: UpstreamHttpConfig; instances: StaInstanceConfig[] } & (
  | { mode: 'sandbox' }
  | ({ mode: 'upstream' } & StaInstanceConfig)
);

export interface SamlDetectionConfig {
  /** The AWSLogs tree to watch; null: the sandbox writes and watches a generated sample tree. */
  cloudtrailDir: string | null;
  /** How often the folder watcher looks for new files, ms. */
  pollIntervalMs: number;
  /** A file modified more recently than this is left for the next scan (it may still be written), ms. */
  settleMs: number;
  /** Largest accepted POST /ingest/cloudtrail body (bytes on the wire, so compressed for gzip). */
  maxBodyBytes: number;
  /** Largest single record, in characters; a bigger one is rejected and skipped. */
  maxRecordChars: number;
  /** A gzip body or file inflating more than this many times its size is a bomb: refused (413) early. */
  maxGzipRatio: number;
  /** SAML_IGNORE_PRINCIPALS: ARNs or `*` globs whose matches are suppressed (no alert). */
  ignorePrincipals: string[];
}

/** Where the first fetch starts: a span before the first run (`3 days`) or a fixed time. */
export type FirstFetch = { kind: 'ago'; ms: number } | { kind: 'at'; epochMs: number };

/** Background fetching and mirroring of SaaS Security incidents (the reference's fetch parameters, spec §4). */
export interface IncidentFetchConfig {
  enabled: boolean;
  intervalMs: number;
  firstFetch: FirstFetch;
  /** Incidents delivered per run at most, 10..1000. */
  maxFetch: number;
  state: IncidentState | null;
  severities: Severity[];
  statuses: IncidentStatus[];
  appIds: string[];
  /** Stamped on each incident when it is fetched. */
  mirrorDirection: MirrorDirection;
  /** An upstream close closes the gateway's record too. */
  closeMirrored: boolean;
  /** Undelivered events one subscriber may have buffered before its subscription is ended. */
  subscriberBuffer: number;
  /** Incident events kept in the event log for `incidentEvents(after:)` replay. */
  eventLogSize: number;
  /** SECGRAPH_INCIDENT_RETENTION: records fetched and events logged longer ago are pruned; null keeps all. */
  retentionMs: number | null;
}

/** What a client may do and hold: browser rules, WebSocket bounds, rate and size limits (README "Security defaults"). */
export interface SecurityConfig {
  /** Origins allowed to call from a browser (CORS and WebSocket Origin); empty: same origin only. */
  corsOrigins: string[];
  /** Introspection and "Did you mean" suggestions; default on only for an open gateway. */
  introspection: boolean;
  /** A WebSocket that has shown no valid key by then is closed, ms. */
  wsAuthTimeoutMs: number;
  /** Largest WebSocket message, bytes. */
  wsMaxPayloadBytes: number;
  /** Sockets one client address may hold open before it has authenticated them. */
  wsMaxUnauthenticatedPerAddress: number;
  /** WebSocket connections one API key may hold at once. */
  maxConnectionsPerKey: number;
  /** Operations per minute per API key (0: no limit): the rate its token bucket refills at. */
  rateLimitPerMinute: number;
  /** The size of a key's token bucket: operations it may run at once before the refill rate applies. */
  rateLimitBurst: number;
  /** Distinct failing credentials per minute one client address may present before it is throttled. */
  authFailuresPerMinute: number;
  /** Failures per minute of one credential from one address before that credential alone is refused. */
  authFailuresPerCredential: number;
  /** Longest string a GraphQL argument or variable may hold, characters. */
  maxArgumentLength: number;
  /** A query or mutation, all its upstream calls and retries included, ends by then, ms. */
  requestDeadlineMs: number;
  /** What one client connection may take and hold on the HTTP server (src/server.ts). */
  http: HttpConnectionConfig;
}

/** node:http's receive timeouts and the per-address connection caps (src/http/connection-limits.ts). */
export interface HttpConnectionConfig {
  /** A connection that has not sent a request's complete headers by then gets 408 and is closed, ms. */
  headersTimeoutMs: number;
  /** A request (headers and body) not received whole by then gets 408 and is closed, ms; 0: no limit. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this, ms. */
  keepAliveTimeoutMs: number;
  /** Connections one address may hold at once (live SSE and WebSockets included); 0: no cap. */
  maxPerAddress: number;
  /** Connections one address may hold that have not yet sent a request; 0: no cap. */
  maxPendingPerAddress: number;
}

/** Per-upstream circuit breaker: opens after consecutive failures, probes again after the cool-down. */
export interface BreakerConfig {
  consecutiveFailures: number;
  cooldownMs: number;
}

export const DESTINATION_TYPES = ['webhook', 'slack', 'teams', 'pagerduty', 'email'] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** PagerDuty's Events API v2 enqueue URL (the EU service has its own host: set `url`). */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** Which alert events a destination is sent; null: all. */
export interface DestinationFilters {
  sources: AlertSource[] | null;
  minSeverity: AlertSeverity | null;
  events: AlertEventKind[] | null;
}

export interface SmtpConfig {
  host: string;
  port: number;
  /** Implicit TLS (465). */
  tls: boolean;
  /** Require the STARTTLS upgrade (587). */
  starttls: boolean;
  user: string | null;
  password: string | null;
  /** PEM of an extra CA to trust (smtp.caFile). */
  ca: string | null;
}

/** One alert destination of SECGRAPH_CONFIG's `destinations` (src/destinations/). Secrets live in the target. */
export type DestinationConfig = {
  name: string;
  filters: DestinationFilters;
  maxAttempts: number;
  maxAgeMs: number;
  /** First retry wait; doubles per attempt, capped at MAX_RETRY_GAP_MS. */
  retryBaseDelayMs: number;
  /** One attempt's timeout. */
  timeoutMs: number;
  concurrency: number;
  /** The system proxy (HTTPS_PROXY/NO_PROXY) for the HTTP types. */
  transport: UpstreamTransport;
} & (
  | { type: 'webhook'; url: string; secret: string | null; headers: Record<string, string> }
  | { type: 'slack'; url: string }
  | { type: 'teams'; url: string }
  | { type: 'pagerduty'; url: string; routingKey: string }
  | { type: 'email'; smtp: SmtpConfig; from: string; to: string[]; assetOwner: boolean }
);

/** The longest wait between two attempts of one delivery (Panther's retries are 15 minutes apart). */
export const MAX_RETRY_GAP_MS = 15 * 60_000;

export interface DestinationsConfig {
  list: DestinationConfig[];
  /** How often each instance looks for due deliveries besides being woken by new alerts (SECGRAPH_DESTINATION_POLL). */
  pollMs: number;
  /** The console's public address (SECGRAPH_PUBLIC_URL), for links in messages; null: no links. */
  publicUrl: string | null;
  /** Per-destination circuit breaker (SECGRAPH_BREAKER_FAILURES, SECGRAPH_BREAKER_COOLDOWN_MS). */
  breaker: BreakerConfig;
}

export interface Config {
  /** Values adjusted instead of refused, e.g. a max fetch clamped into range. */
  warnings: ConfigWarning[];
  port: number;
  host: string;
  logLevel: LogLevel;
  /** Compile queries with graphql-jit (SECGRAPH_GRAPHQL_JIT); subscriptions and mutations always use graphql-js. */
  graphqlJit: boolean;
  dataDir: string;
  /** API key → its label and scopes. No keys and no OIDC: the gateway is open (only allowed on a loopback HOST). */
  apiKeys: Map<string, ApiKeyGrant>;
  /** The identity provider whose bearer tokens are accepted beside the keys (SECGRAPH_OIDC_*); null: keys only. */
  oidc: OidcConfig | null;
  /** SECGRAPH_TRUSTED_DOCUMENTS and SECGRAPH_ARBITRARY_DOCUMENTS. */
  trustedDocuments: TrustedDocumentsConfig;
  redisUrl: string | null;
  /** postgres://… : keep the state in PostgreSQL (several instances); null: SQLite under dataDir. */
  databaseUrl: string | null;
  /** How long a background-job lease lasts without a heartbeat (SECGRAPH_LEADER_LEASE_MS). */
  leaderLeaseMs: number;
  /** How often each instance delivers from the event logs what the pub/sub between instances lost (SECGRAPH_PUBSUB_CATCH_UP). */
  pubsubCatchUpMs: number;
  saasSecurity: SaasSecurityConfig;
  /** The SAAS_SECURITY_* fetch settings: the shorthand tenant's and the sandbox's, and every file tenant's defaults. */
  incidentFetch: IncidentFetchConfig;
  remediationUpdates: RemediationUpdatesConfig;
  sta: StaConfig;
  samlDetection: SamlDetectionConfig;
  /** The STA alert mailbox; null when STA_ALERTS_IMAP_HOST is unset (the listener is off). */
  staAlertsMail: StaAlertsMailConfig | null;
  staPlaybooks: StaPlaybooksConfig;
  security: SecurityConfig;
  /** Cap on the in-memory cache (all namespaces together), bytes. */
  cacheMaxBytes: number;
  /** OTLP/HTTP collector base URL (OTEL_EXPORTER_OTLP_ENDPOINT); null: no tracing. */
  otlpEndpoint: string | null;
  /** Where alerts are sent (SECGRAPH_CONFIG `destinations`). */
  destinations: DestinationsConfig;
  /** The MCP endpoint (/mcp, src/mcp/). */
  mcp: McpConfig;
  /** The audit trail (src/audit/). */
  audit: AuditConfig;
  /** The keys connection cursors are signed with (src/security/cursor-keys.ts). */
  cursorKeys: CursorKeysConfig;
}

/** SECGRAPH_CURSOR_KEY and SECGRAPH_CURSOR_PREVIOUS_KEY: secrets, never logged. */
export interface CursorKeysConfig {
  /** Signs and verifies cursors; null: a key generated once and kept in the database. */
  key: string | null;
  /** Still accepted when verifying, during a rotation; null: none. */
  previousKey: string | null;
}

export interface AuditConfig {
  /** SECGRAPH_AUDIT_RETENTION: entries begun longer ago are pruned; null keeps all. */
  retentionMs: number | null;
}

export interface McpConfig {
  /** SECGRAPH_MCP_ARBITRARY_QUERIES: offer `graphql_query`, any read-only query, beside the trusted operations. */
  arbitraryQueries: boolean;
}

/** Subscription.remediationUpdates: how often the status is polled, and how long a subscriber waits. */
export interface RemediationUpdatesConfig {
  pollMs: number;
  timeoutMs: number;
}

/** The IMAP mailbox STA sends its alert emails to (the guide's Mail Listener v2 instances). */
export interface StaAlertsMailConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Implicit TLS (IMAPS). When false the client still upgrades with STARTTLS if the server offers it. */
  tls: boolean;
  folder: string;
  /** Fallback poll period when IDLE is unavailable or silently broken, seconds. */
  pollSeconds: number;
}

/** The guide's two XSOAR lists: sta_unusual_activity_group and sta_user_in_unusual_activity_group_hours. */
export interface StaPlaybooksConfig {
  unusualActivityGroup: string;
  /** May be fractional, as the reference allows (its old test playbook used 0.04). */
  unusualActivityHours: number;
  /** With STA and the mailbox both unconfigured, record two sample alerts so the sandbox has runs to show. */
  sandboxAlerts: boolean;
}

function parseUpstreamHttp(env: Env, prefix: string, warnings: ConfigWarning[] = []): UpstreamHttpConfig {
  return {
    timeoutMs: parseIntVar(env, `${prefix}_TIMEOUT_MS`, 15_000, 100, 300_000),
    retryLimit: parseIntVar(env, `${prefix}_RETRIES`, 3, 0, 10),
    retryBaseDelayMs: parseIntVar(env, `${prefix}_RETRY_BASE_DELAY_MS`, 500, 0, 60_000),
    maxRetryDelayMs: parseIntVar(env, `${prefix}_MAX_RETRY_DELAY_MS`, 30_000, 0, 600_000),
    transport: parseTransport(env, prefix, warnings),
    breaker: {
      consecutiveFailures: parseIntVar(env, 'SECGRAPH_BREAKER_FAILURES', 5, 1, 1000),
      cooldownMs: parseIntVar(env, 'SECGRAPH_BREAKER_COOLDOWN_MS', 30_000, 10, 3_600_000),
    },
  };
}

/** A proxy URL: http(s), with an optional user:password (kept out of logs). */
function parseProxyVar(env: Env, name: string): string | null {
  const raw = envValue(env, name);
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new ConfigError(name, 'not a valid proxy URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(name, `a proxy must be http:// or https://, got "${url.protocol}"`);
  return url.toString().replace(/\/$/, '');
}

/** HTTPS_PROXY / HTTP_PROXY / NO_PROXY, upper or lower case (curl's convention; lower case first). */
function parseSystemProxy(env: Env): SystemProxy {
  const pick = (name: string) => (envValue(env, name.toLowerCase()) !== undefined ? name.toLowerCase() : name);
  const noProxy = envValue(env, pick('NO_PROXY')) ?? '';
  return {
    httpsProxy: parseProxyVar(env, pick('HTTPS_PROXY')),
    httpProxy: parseProxyVar(env, pick('HTTP_PROXY')),
    noProxy: noProxy.split(',').map((s) => s.trim()).filter(Boolean),
  };
}

/** <PREFIX>_PROXY, <PREFIX>_CA_FILE, <PREFIX>_INSECURE. The CA file is read here, so a bad path stops the start. */
function parseTransport(env: Env, prefix: string, warnings: ConfigWarning[]): UpstreamTransport {
  const caFile = envValue(env, `${prefix}_CA_FILE`);
  let ca: string | null = null;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (e) {
      throw new ConfigError(`${prefix}_CA_FILE`, `cannot read "${caFile}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`${prefix}_CA_FILE`, `"${caFile}" holds no PEM certificate`);
  }
  const insecure = parseBoolVar(env, `${prefix}_INSECURE`, false);
  if (insecure) {
    warnings.push({
      variable: `${prefix}_INSECURE`,
      message: 'TLS certificates of this upstream are NOT verified (the reference\'s "Trust any certificate"): anyone on the path can read and change its traffic',
    });
  }
  return { proxy: parseProxyVar(env, `${prefix}_PROXY`), system: parseSystemProxy(env), ca, insecure };
}

/**
 * SAAS_SECURITY_CLIENT_ID and _CLIENT_SECRET (with _URL or _REGION) are the one-tenant shorthand, named
 * DEFAULT_SAAS_INSTANCE; none of them and no `saasSecurity.instances` in SECGRAPH_CONFIG means the sandbox.
 * As for STA, the environment's shorthand wins over the file's list.
 */
function parseSaasSecurity(env: Env, warnings: ConfigWarning[], fetch: IncidentFetchConfig, fileInstances: readonly SaasInstanceFileEntry[] = []): SaasSecurityConfig {
  const http = parseUpstreamHttp(env, 'SAAS_SECURITY', warnings);
  const clientId = envValue(env, 'SAAS_SECURITY_CLIENT_ID');
  const clientSecret = envValue(env, 'SAAS_SECURITY_CLIENT_SECRET');
  const explicitUrl = parseUrlVar(env, 'SAAS_SECURITY_URL');
  const region = envValue(env, 'SAAS_SECURITY_REGION');
  if (explicitUrl && region) {
    throw new ConfigError('SAAS_SECURITY_REGION', 'set either SAAS_SECURITY_URL or SAAS_SECURITY_REGION, not both');
  }
  let instances: SaasInstanceConfig[];
  if (!clientId && !clientSecret) {
    if (explicitUrl || region) {
      throw new ConfigError('SAAS_SECURITY_CLIENT_ID', 'a URL or region is set but no client credentials');
    }
    instances = fileInstances.map((i, n) => checkSaasInstance(env, i, `SECGRAPH_CONFIG saasSecurity.instances.${n}`, warnings));
    const names = instances.map((i) => i.name);
    const repeated = names.find((name, n) => names.indexOf(name) !== n);
    if (repeated) throw new ConfigError('SECGRAPH_CONFIG', `saasSecurity.instances: the name "${repeated}" is used twice`);
    if (instances.length === 0) {
      return { mode: 'sandbox', http, instances: [], sandboxTenants: parseIntVar(env, 'SAAS_SECURITY_SANDBOX_TENANTS', 1, 1, MAX_SANDBOX_TENANTS) };
    }
  } else {
    if (!clientId) throw new ConfigError('SAAS_SECURITY_CLIENT_ID', 'is required when SAAS_SECURITY_CLIENT_SECRET is set');
    if (!clientSecret) throw new ConfigError('SAAS_SECURITY_CLIENT_SECRET', 'is required when SAAS_SECURITY_CLIENT_ID is set');
    const regionName = parseEnumVar(env, 'SAAS_SECURITY_REGION', ['US', 'EU', 'APAC'] as const, 'US');
    const url = explicitUrl ?? SAAS_SECURITY_REGIONS[regionName];
    instances = [{ name: DEFAULT_SAAS_INSTANCE, url, clientId, clientSecret, http, fetch }];
  }
  // The first tenant stands for "the" SaaS Security instance (lookups without `instance`).
  const { name, url, clientId: firstId, clientSecret: firstSecret } = instances[0]!;
  return { mode: 'upstream', name, url, clientId: firstId, clientSecret: firstSecret, http, instances };
}

/** The sandbox's emulated tenants at most (SAAS_SECURITY_SANDBOX_TENANTS). */
export const MAX_SANDBOX_TENANTS = 4;

/** A SaaS Security file instance's own settings and the SAAS_SECURITY_* variable each stands for. */
const SAAS_INSTANCE_HTTP = { proxy: 'SAAS_SECURITY_PROXY', caFile: 'SAAS_SECURITY_CA_FILE', insecure: 'SAAS_SECURITY_INSECURE', timeoutMs: 'SAAS_SECURITY_TIMEOUT_MS', retries: 'SAAS_SECURITY_RETRIES' } as const;
const SAAS_INSTANCE_FETCH = {
  'fetch.enabled': 'SAAS_SECURITY_FETCH',
  'fetch.interval': 'SAAS_SECURITY_FETCH_INTERVAL',
  'fetch.firstFetch': 'SAAS_SECURITY_FIRST_FETCH',
  'fetch.maxFetch': 'SAAS_SECURITY_MAX_FETCH',
  'fetch.state': 'SAAS_SECURITY_FETCH_STATE',
  'fetch.severity': 'SAAS_SECURITY_FETCH_SEVERITY',
  'fetch.status': 'SAAS_SECURITY_FETCH_STATUS',
  'fetch.appIds': 'SAAS_SECURITY_FETCH_APP_IDS',
  mirrorDirection: 'SAAS_SECURITY_MIRROR_DIRECTION',
  closeMirrored: 'SAAS_SECURITY_CLOSE_MIRRORED',
} as const;

function checkSaasInstance(env: Env, i: SaasInstanceFileEntry, where: string, warnings: ConfigWarning[]): SaasInstanceConfig {
  if (i.url !== undefined && i.region !== undefined) throw new ConfigError(`${where}.region`, 'set either url or region, not both');
  const url =
    i.url !== undefined
      ? parseUrlVar({ [`${where}.url`]: i.url }, `${where}.url`)!
      : SAAS_SECURITY_REGIONS[parseEnumVar({ [`${where}.region`]: i.region }, `${where}.region`, ['US', 'EU', 'APAC'] as const, 'US')];
  const text = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));
  const fileValues: Record<string, unknown> = {
    ...Object.fromEntries(Object.keys(SAAS_INSTANCE_HTTP).map((k) => [k, i[k as keyof typeof SAAS_INSTANCE_HTTP]])),
    ...Object.fromEntries(Object.keys(SAAS_INSTANCE_FETCH).map((k) => [k, k.startsWith('fetch.') ? i.fetch?.[k.slice(6) as keyof NonNullable<typeof i.fetch>] : i[k as 'mirrorDirection' | 'closeMirrored']])),
  };
  const own = (variables: Record<string, string>) =>
    Object.fromEntries(Object.entries(variables).filter(([k]) => fileValues[k] !== undefined).map(([k, variable]) => [k, { variable, value: text(fileValues[k]) }]));
  return {
    name: i.name,
    url,
    clientId: i.clientId,
    clientSecret: i.clientSecret,
    http: withFileValues(env, where, own(SAAS_INSTANCE_HTTP), warnings, (e, w) => parseUpstreamHttp(e, 'SAAS_SECURITY', w)),
    fetch: withFileValues(env, where, own(SAAS_INSTANCE_FETCH), warnings, parseIncidentFetch),
  };
}

/**
 * Parses with a file instance's own values over the environment's, through the very parsers of the variables
 * they stand for; errors and warnings about them then name the file's key (`SECGRAPH_CONFIG
 * saasSecurity.instances.1.fetch.interval: …`), not the variable. The environment's own warnings were given
 * once already, by the environment's parse.
 */
function withFileValues<T>(
  env: Env,
  where: string,
  own: Record<string, { variable: string; value: string }>,
  warnings: ConfigWarning[],
  parse: (env: Env, warnings: ConfigWarning[]) => T,
): T {
  const keyOf = (variable: string) => Object.keys(own).find((k) => own[k]!.variable === variable);
  const merged: Env = { ...env, ...Object.fromEntries(Object.values(own).map((o) => [o.variable, o.value])) };
  const mine: ConfigWarning[] = [];
  let parsed: T;
  try {
    parsed = parse(merged, mine);
  } catch (e) {
    const key = e instanceof ConfigError ? keyOf(e.variable) : undefined;
    if (key) throw new ConfigError(`${where}.${key}`, e instanceof Error ? e.message.replace(/^[^:]+: /, '') : String(e));
    throw e;
  }
  for (const w of mine) {
    const key = keyOf(w.variable);
    if (key) warnings.push({ ...w, variable: `${where}.${key}` });
  }
  return parsed;
}

/**
 * STA_URL, STA_TENANT_CODE and STA_API_KEY come together (the one-instance shorthand); none of them and no
 * `sta.instances` in SECGRAPH_CONFIG means the sandbox. The environment's shorthand wins over the file's list.
 */
function parseSta(env: Env, warnings: ConfigWarning[], fileInstances: readonly StaInstanceFileEntry[] = []): StaConfig {
  const http = parseUpstreamHttp(env, 'STA', warnings);
  const url = parseUrlVar(env, 'STA_URL');
  const tenantCode = envValue(env, 'STA_TENANT_CODE');
  const apiKey = envValue(env, 'STA_API_KEY');
  let instances: StaInstanceConfig[];
  if (!url && !tenantCode && !apiKey) {
    instances = fileInstances.map((i, n) => checkStaInstance(env, i, `SECGRAPH_CONFIG sta.instances.${n}`, warnings));
    const names = instances.map((i) => i.name!);
    const repeated = names.find((name, n) => names.indexOf(name) !== n);
    if (repeated) throw new ConfigError('SECGRAPH_CONFIG', `sta.instances: the name "${repeated}" is used twice`);
    if (instances.length === 0) return { mode: 'sandbox', http, instances: [] };
  } else {
    if (!url) throw new ConfigError('STA_URL', 'is required when STA_TENANT_CODE or STA_API_KEY is set');
    if (!tenantCode) throw new ConfigError('STA_TENANT_CODE', 'is required when STA_URL or STA_API_KEY is set');
    if (!apiKey) throw new ConfigError('STA_API_KEY', 'is required when STA_URL or STA_TENANT_CODE is set');
    checkTenantCode(tenantCode, 'STA_TENANT_CODE');
    instances = [{ name: envValue(env, 'STA_INSTANCE_NAME') ?? null, url, tenantCode, apiKey }];
  }
  // The first tenant's fields stand for "the" STA instance; its own connection settings stay its own.
  const { http: _firstOwn, ...first } = instances[0]!;
  return { mode: 'upstream', ...first, http, instances };
}

/** The code becomes a path segment of every request: letters and digits only, as STA issues them. */
function checkTenantCode(tenantCode: string, variable: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(tenantCode)) {
    throw new ConfigError(variable, `expected letters and digits (e.g. HNSA1UHHA6), got "${tenantCode}"`);
  }
}

/** A file instance's own connection settings and the STA_* variable each stands in for. */
const STA_INSTANCE_HTTP = { proxy: 'STA_PROXY', caFile: 'STA_CA_FILE', insecure: 'STA_INSECURE', timeoutMs: 'STA_TIMEOUT_MS', retries: 'STA_RETRIES' } as const;

function checkStaInstance(env: Env, i: StaInstanceFileEntry, where: string, warnings: ConfigWarning[]): StaInstanceConfig {
  const url = parseUrlVar({ [`${where}.url`]: i.url }, `${where}.url`)!;
  checkTenantCode(i.tenantCode, `${where}.tenantCode`);
  const instance: StaInstanceConfig = { name: i.name, url, tenantCode: i.tenantCode, apiKey: i.apiKey };
  const own = (Object.keys(STA_INSTANCE_HTTP) as Array<keyof typeof STA_INSTANCE_HTTP>).filter((k) => i[k] !== undefined);
  if (own.length === 0) return instance;
  const values = Object.fromEntries(own.map((k) => [k, { variable: STA_INSTANCE_HTTP[k], value: String(i[k]) }]));
  instance.http = withFileValues(env, where, values, warnings, (e, w) => parseUpstreamHttp(e, 'STA', w));
  return instance;
}

function parseStaAlertsMail(env: Env): StaAlertsMailConfig | null {
  const host = envValue(env, 'STA_ALERTS_IMAP_HOST');
  const user = envValue(env, 'STA_ALERTS_IMAP_USER');
  const password = envValue(env, 'STA_ALERTS_IMAP_PASSWORD');
  if (!host) {
    if (user || password) throw new ConfigError('STA_ALERTS_IMAP_HOST', 'IMAP credentials are set but no host');
    return null;
  }
  if (!user) throw new ConfigError('STA_ALERTS_IMAP_USER', 'is required when STA_ALERTS_IMAP_HOST is set');
  if (!password) throw new ConfigError('STA_ALERTS_IMAP_PASSWORD', 'is required when STA_ALERTS_IMAP_HOST is set');
  const tls = parseBoolVar(env, 'STA_ALERTS_IMAP_TLS', true);
  return {
    host,
    port: parseIntVar(env, 'STA_ALERTS_IMAP_PORT', tls ? 993 : 143, 1, 65535),
    user,
    password,
    tls,
    folder: envValue(env, 'STA_ALERTS_IMAP_FOLDER') ?? 'INBOX',
    pollSeconds: parseIntVar(env, 'STA_ALERTS_IMAP_POLL_SECONDS', 60, 1, 3600),
  };
}

function parseStaPlaybooks(env: Env): StaPlaybooksConfig {
  return {
    unusualActivityGroup: envValue(env, 'STA_UNUSUAL_ACTIVITY_GROUP') ?? 'Unusual Activity',
    unusualActivityHours: parseNumberVar(env, 'STA_UNUSUAL_ACTIVITY_HOURS', 24, 0.001, 8760),
    sandboxAlerts: parseBoolVar(env, 'STA_SANDBOX_ALERTS', true),
  };
}

/**
 * Reads the configuration: the environment, over the SECGRAPH_CONFIG file's settings when it names one
 * (see config-file.ts). Every value is parsed by the same functions wherever it was written.
 */
export function loadConfig(processEnv: Env = process.env): Config {
  const file = envValue(processEnv, 'SECGRAPH_CONFIG');
  let loaded: LoadedConfigFile = { settings: {}, staInstances: [], saasInstances: [], destinations: [] };
  if (file !== undefined) {
    try {
      // `${NAME}` in the destinations: the real environment (an empty value counts as unset, as below).
      loaded = readConfigFile(file, (name) => envValue(processEnv, name));
    } catch (e) {
      throw new ConfigError('SECGRAPH_CONFIG', e instanceof Error ? e.message : String(e));
    }
  }
  // The environment wins over the file; a variable set to the empty string in the environment counts as unset.
  const env: Env = { ...loaded.settings };
  for (const [k, v] of Object.entries(processEnv)) if (v !== undefined && v.trim() !== '') env[k] = v;
  const host = envValue(env, 'HOST') ?? '127.0.0.1';
  const apiKeys = parseApiKeys(envValue(env, 'SECGRAPH_API_KEYS'));
  const warnings: ConfigWarning[] = [];
  const oidc = parseOidc(env, (prefix) => parseTransport(env, prefix, warnings));
  // With OIDC configured and no keys the gateway is NOT open: callers need a token.
  const open = apiKeys.size === 0 && !oidc;
  if (open && !isLoopbackHost(host)) {
    throw new ConfigError(
      'HOST',
      `"${host}" is not a loopback address and neither SECGRAPH_API_KEYS nor SECGRAPH_OIDC_ISSUER is set: an open gateway may only listen on loopback. ` +
        'Set SECGRAPH_API_KEYS (key=read+respond,...), SECGRAPH_OIDC_ISSUER, or HOST=127.0.0.1.',
    );
  }
  const incidentFetch = parseIncidentFetch(env, warnings);
  return {
    warnings,
    port: parseIntVar(env, 'PORT', 4000, 0, 65535),
    host,
    logLevel: parseEnumVar(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    // Off by default: with cached mapped pages it measured 0.91–1.05× graphql-js's RPS (bench/reads.bench.ts).
    graphqlJit: parseBoolVar(env, 'SECGRAPH_GRAPHQL_JIT', false),
    dataDir: path.resolve(envValue(env, 'SECGRAPH_DATA_DIR') ?? './data'),
    apiKeys,
    oidc,
    trustedDocuments: parseTrustedDocuments(env),
    redisUrl: parseUrlLike(env, 'REDIS_URL'),
    databaseUrl: parseDatabaseUrl(env),
    leaderLeaseMs: parseIntVar(env, 'SECGRAPH_LEADER_LEASE_MS', 15_000, 500, 3_600_000),
    pubsubCatchUpMs: parseDurationVar(env, 'SECGRAPH_PUBSUB_CATCH_UP', 5_000, 100, 600_000),
    saasSecurity: parseSaasSecurity(env, warnings, incidentFetch, loaded.saasInstances),
    sta: parseSta(env, warnings, loaded.staInstances),
    samlDetection: parseSamlDetection(env),
    staAlertsMail: parseStaAlertsMail(env),
    staPlaybooks: parseStaPlaybooks(env),
    incidentFetch,
    remediationUpdates: {
      // The reference's playbook: GenericPolling every minute, for 10 minutes.
      pollMs: parseDurationVar(env, 'SAAS_SECURITY_REMEDIATION_POLL', 30_000, 10, 3_600_000),
      timeoutMs: parseDurationVar(env, 'SAAS_SECURITY_REMEDIATION_TIMEOUT', 600_000, 10, 86_400_000),
    },
    security: parseSecurity(env, open),
    cacheMaxBytes: parseIntVar(env, 'SECGRAPH_CACHE_MAX_MB', 64, 1, 65_536) * 1024 * 1024,
    otlpEndpoint: parseUrlVar(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? null,
    destinations: {
      list: parseDestinations(env, loaded.destinations),
      pollMs: parseDurationVar(env, 'SECGRAPH_DESTINATION_POLL', 5_000, 50, 600_000),
      publicUrl: parseUrlVar(env, 'SECGRAPH_PUBLIC_URL')?.replace(/\/+$/, '') ?? null,
      breaker: {
        consecutiveFailures: parseIntVar(env, 'SECGRAPH_BREAKER_FAILURES', 5, 1, 1000),
        cooldownMs: parseIntVar(env, 'SECGRAPH_BREAKER_COOLDOWN_MS', 30_000, 10, 3_600_000),
      },
    },
    mcp: { arbitraryQueries: parseBoolVar(env, 'SECGRAPH_MCP_ARBITRARY_QUERIES', false) },
    audit: { retentionMs: parseRetention(env, 'SECGRAPH_AUDIT_RETENTION') },
    cursorKeys: { key: parseCursorKey(env, 'SECGRAPH_CURSOR_KEY'), previousKey: parseCursorKey(env, 'SECGRAPH_CURSOR_PREVIOUS_KEY') },
  };
}

/** A cursor key: at least 32 characters (`openssl rand -base64 32` gives 44). The error never repeats it. */
function parseCursorKey(env: Env, name: string): string | null {
  const raw = envValue(env, name);
  if (raw === undefined) return null;
  if (raw.length < 32) throw new ConfigError(name, `must be at least 32 characters (e.g. the output of \`openssl rand -base64 32\`), got ${raw.length}`);
  return raw;
}

const SPAN_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A destination span: seconds as a number, or `500ms`, `30s`, `15 minutes`, `3 days`. */
function parseSpan(raw: string | number | undefined, where: string, fallbackMs: number, minMs: number, maxMs: number): number {
  if (raw === undefined) return fallbackMs;
  let ms: number;
  if (typeof raw === 'number') ms = raw * 1000;
  else {
    const m = /^(\d+(?:\.\d+)?) ?(ms|s|secs?|seconds?|m|mins?|minutes?|h|hours?|d|days?)$/.exec(raw.toLowerCase().replace(/\s+/g, ' '));
    if (!m) throw new ConfigError(where, `expected a span such as 30s, 15 minutes or 3 days, got "${raw}"`);
    const unit = m[2] === 'ms' ? 'ms' : m[2]![0]!;
    ms = Number(m[1]) * SPAN_MS[unit]!;
  }
  if (ms < minMs || ms > maxMs) throw new ConfigError(where, `must be between ${minMs} ms and ${maxMs} ms, got ${ms} ms`);
  return Math.round(ms);
}

/** An http(s) URL; the error never repeats it (a webhook URL is a secret). */
function destinationUrl(raw: string, where: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(where, 'is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(where, `must be an http:// or https:// URL, got "${url.protocol}"`);
  return url.toString();
}

function parseDestinations(env: Env, entries: readonly DestinationFileEntry[]): DestinationConfig[] {
  const seen = new Set<string>();
  const transport: UpstreamTransport = { proxy: null, system: parseSystemProxy(env), ca: null, insecure: false };
  return entries.map((d, i) => {
    const where = `SECGRAPH_CONFIG destinations[${i}]`;
    if (seen.has(d.name)) throw new ConfigError(where, `the name "${d.name}" is used twice`);
    seen.add(d.name);
    const common = {
      name: d.name,
      filters: { sources: d.filters?.sources ?? null, minSeverity: d.filters?.minSeverity ?? null, events: d.filters?.events ?? null },
      maxAttempts: d.maxAttempts ?? 10,
      maxAgeMs: parseSpan(d.maxAge, `${where}.maxAge`, 3 * 86_400_000, 1000, 365 * 86_400_000),
      retryBaseDelayMs: parseSpan(d.retryBaseDelay, `${where}.retryBaseDelay`, 30_000, 10, MAX_RETRY_GAP_MS),
      timeoutMs: parseSpan(d.timeout, `${where}.timeout`, 10_000, 100, 120_000),
      concurrency: d.concurrency ?? 4,
      transport,
    };
    switch (d.type) {
      case 'webhook':
        return { ...common, type: d.type, url: destinationUrl(d.url, `${where}.url`), secret: d.secret ?? null, headers: d.headers ?? {} };
      case 'slack':
      case 'teams':
        return { ...common, type: d.type, url: destinationUrl(d.url, `${where}.url`) };
      case 'pagerduty':
        return { ...common, type: d.type, url: destinationUrl(d.url ?? PAGERDUTY_EVENTS_URL, `${where}.url`), routingKey: d.routingKey };
      case 'email': {
        const tls = d.smtp.tls ?? false;
        if (tls && d.smtp.starttls) throw new ConfigError(`${where}.smtp`, 'set either tls (implicit, port 465) or starttls (port 587), not both');
        if (!d.to?.length && !d.assetOwner) throw new ConfigError(`${where}.to`, 'an email destination needs recipients (to) or assetOwner: true');
        if ((d.smtp.user === undefined) !== (d.smtp.password === undefined)) throw new ConfigError(`${where}.smtp`, 'user and password come together');
        let ca: string | null = null;
        if (d.smtp.caFile) {
          try {
            ca = readFileSync(d.smtp.caFile, 'utf8');
          } catch (e) {
            throw new ConfigError(`${where}.smtp.caFile`, `cannot read "${d.smtp.caFile}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
          }
        }
        return {
          ...common,
          type: d.type,
          smtp: { host: d.smtp.host, port: d.smtp.port ?? (tls ? 465 : 587), tls, starttls: d.smtp.starttls ?? !tls, user: d.smtp.user ?? null, password: d.smtp.password ?? null, ca },
          from: d.from,
          to: d.to ?? [],
          assetOwner: d.assetOwner ?? false,
        };
      }
    }
  });
}

/** `https://a.example,http://localhost:3000` → origins, each checked to be scheme://host[:port] only. */
function parseOrigins(env: Env, name: string): string[] {
  return listItems(env, name).map((item) => {
      let url: URL;
      try {
        url = new URL(item);
      } catch {
        throw new ConfigError(name, `not an origin: "${item}" (expected e.g. https://soc.example.com)`);
      }
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== item.replace(/\/+$/, '')) {
        throw new ConfigError(name, `not an origin: "${item}" (scheme://host[:port], no path)`);
      }
      return url.origin;
    });
}

function parseSecurity(env: Env, open: boolean): SecurityConfig {
  const rateLimitPerMinute = parseIntVar(env, 'SECGRAPH_RATE_LIMIT_PER_MINUTE', 600, 0, 10_000_000);
  return {
    corsOrigins: parseOrigins(env, 'SECGRAPH_CORS_ORIGINS'),
    introspection: parseBoolVar(env, 'SECGRAPH_INTROSPECTION', open),
    wsAuthTimeoutMs: parseIntVar(env, 'SECGRAPH_WS_AUTH_TIMEOUT_MS', 10_000, 10, 600_000),
    wsMaxPayloadBytes: parseIntVar(env, 'SECGRAPH_WS_MAX_PAYLOAD', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    wsMaxUnauthenticatedPerAddress: parseIntVar(env, 'SECGRAPH_WS_MAX_UNAUTHENTICATED_PER_ADDRESS', 10, 1, 100_000),
    maxConnectionsPerKey: parseIntVar(env, 'SECGRAPH_MAX_CONNECTIONS_PER_KEY', 100, 1, 1_000_000),
    rateLimitPerMinute,
    rateLimitBurst: parseIntVar(env, 'SECGRAPH_RATE_LIMIT_BURST', Math.max(1, rateLimitPerMinute), 1, 10_000_000),
    authFailuresPerMinute: parseIntVar(env, 'SECGRAPH_AUTH_FAILURES_PER_MINUTE', 30, 1, 1_000_000),
    authFailuresPerCredential: parseIntVar(env, 'SECGRAPH_AUTH_FAILURES_PER_CREDENTIAL', 5, 1, 1_000_000),
    maxArgumentLength: parseIntVar(env, 'SECGRAPH_MAX_ARGUMENT_LENGTH', 4096, 16, 10_000_000),
    requestDeadlineMs: parseIntVar(env, 'SECGRAPH_REQUEST_DEADLINE_MS', 30_000, 100, 3_600_000),
    http: parseHttpConnections(env),
  };
}

function parseHttpConnections(env: Env): HttpConnectionConfig {
  const headersTimeoutMs = parseIntVar(env, 'SECGRAPH_HEADERS_TIMEOUT_MS', 10_000, 50, 600_000);
  // Long enough for the largest CloudTrail upload (1 GiB at 3.5 MB/s); node's own default.
  const requestTimeoutMs = parseIntVar(env, 'SECGRAPH_REQUEST_TIMEOUT_MS', 300_000, 0, 86_400_000);
  if (requestTimeoutMs > 0 && requestTimeoutMs < headersTimeoutMs) {
    throw new ConfigError('SECGRAPH_REQUEST_TIMEOUT_MS', `must be 0 (no limit) or at least SECGRAPH_HEADERS_TIMEOUT_MS (${headersTimeoutMs}): the request includes its headers`);
  }
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: parseIntVar(env, 'SECGRAPH_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
    maxPerAddress: parseIntVar(env, 'SECGRAPH_MAX_CONNECTIONS_PER_ADDRESS', 4096, 0, 1_000_000),
    maxPendingPerAddress: parseIntVar(env, 'SECGRAPH_MAX_PENDING_CONNECTIONS_PER_ADDRESS', 64, 0, 1_000_000),
  };
}

function parseUrlLike(env: Env, name: string): string | null {
  const raw = envValue(env, name);
  if (raw === undefined) return null;
  if (!/^rediss?:\/\//.test(raw)) throw new ConfigError(name, 'must start with redis:// or rediss://');
  return raw;
}

function parseDatabaseUrl(env: Env): string | null {
  const raw = envValue(env, 'DATABASE_URL');
  if (raw === undefined) return null;
  if (!/^postgres(?:ql)?:\/\//.test(raw)) throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql:// (leave it unset for SQLite under SECGRAPH_DATA_DIR)');
  return raw;
}

function parseSamlDetection(env: Env): SamlDetectionConfig {
  const dir = envValue(env, 'CLOUDTRAIL_DIR');
  return {
    cloudtrailDir: dir === undefined ? null : path.resolve(dir),
    pollIntervalMs: parseIntVar(env, 'CLOUDTRAIL_POLL_INTERVAL_MS', 10_000, 100, 3_600_000),
    settleMs: parseIntVar(env, 'CLOUDTRAIL_SETTLE_MS', 2_000, 0, 600_000),
    maxBodyBytes: parseIntVar(env, 'CLOUDTRAIL_INGEST_MAX_BYTES', 1024 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
    maxRecordChars: parseIntVar(env, 'CLOUDTRAIL_MAX_RECORD_CHARS', 4 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    // DEFAULT_GZIP_MAX_RATIO (cloudtrail-stream.ts); above deflate's own maximum (about 1032) it never fires.
    maxGzipRatio: parseIntVar(env, 'CLOUDTRAIL_GZIP_MAX_RATIO', 100, 10, 2000),
    ignorePrincipals: parsePrincipalList(env, 'SAML_IGNORE_PRINCIPALS'),
  };
}

/** Comma-separated ARNs or globs (`arn:aws:iam::*:role/automation`, `*:assumed-role/ci/*`). */
function parsePrincipalList(env: Env, name: string): string[] {
  const items = (envValue(env, name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    if (!item.startsWith('arn:') && !item.startsWith('*')) {
      throw new ConfigError(name, `expected ARNs or globs starting with arn: or *, got "${item}"`);
    }
  }
  return items;
}

const SPAN_UNITS_MS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 30 * 86_400_000,
  year: 365 * 86_400_000,
};

/** dateparser's relative words, as spans before now. */
const RELATIVE_WORDS_MS: Record<string, number> = { now: 0, today: 0, yesterday: 86_400_000 };

/**
 * The reference's first_fetch, which it reads with dateparser: `3 days`, `12 hours ago`, `a week ago`,
 * `last month`, `yesterday`, `now`, or an ISO date or time (`2021-08-01`, `2021-08-01T10:00:00Z`,
 * `2021-08-01 10:00`). dateparser reads a time without an offset as UTC (the reference passes TIMEZONE=UTC).
 */
export function parseFirstFetch(env: Env, name: string): FirstFetch {
  const raw = envValue(env, name) ?? '3 days';
  const phrase = raw.toLowerCase().replace(/\s+/g, ' ');
  if (phrase in RELATIVE_WORDS_MS) return { kind: 'ago', ms: RELATIVE_WORDS_MS[phrase]! };
  const span = /^(\d+|an?|last) ?(second|minute|hour|day|week|month|year)s?( ago)?$/.exec(phrase);
  if (span) {
    const count = /^\d+$/.test(span[1]!) ? Number(span[1]) : 1;
    return { kind: 'ago', ms: count * SPAN_UNITS_MS[span[2]!]! };
  }
  const iso = /^(\d{4}-\d\d-\d\d)(?:[t ](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(z|[+-]\d\d:?\d\d)?)?$/.exec(phrase);
  if (iso) {
    const offset = iso[3] ? (iso[3] === 'z' ? 'Z' : iso[3].replace(/^([+-]\d\d)(\d\d)$/, '$1:$2')) : 'Z';
    const t = Date.parse(`${iso[1]}T${iso[2] ?? '00:00:00'}${offset}`);
    if (!Number.isNaN(t)) return { kind: 'at', epochMs: t };
  }
  throw new ConfigError(name, `expected a span such as "3 days", "12 hours ago", "yesterday", or an ISO date or time, got "${raw}"`);
}

/** Incidents per fetch run: the reference clamps an out-of-range max fetch instead of refusing it. */
export const MIN_MAX_FETCH = 10;
export const MAX_MAX_FETCH = 1000;

function parseIncidentFetch(env: Env, warnings: ConfigWarning[]): IncidentFetchConfig {
  // The reference's filter values are accepted as well as the schema's enum names: severities 1..5 and
  // statuses as the API spells them (open-new, closed-business justified, …).
  const severityAliases = Object.fromEntries(Object.entries(WIRE_SEVERITY_BY_LABEL).map(([label, n]) => [n, label as Severity]));
  const statusAliases = Object.fromEntries(Object.entries(WIRE_STATUS_BY_NAME).map(([name, wire]) => [wire, name as IncidentStatus]));
  const state = parseEnumVar(env, 'SAAS_SECURITY_FETCH_STATE', ['All', 'Open', 'Closed'] as const, 'All');
  const direction = envValue(env, 'SAAS_SECURITY_MIRROR_DIRECTION');
  return {
    enabled: parseBoolVar(env, 'SAAS_SECURITY_FETCH', true),
    intervalMs: parseDurationVar(env, 'SAAS_SECURITY_FETCH_INTERVAL', 15_000, 100, 86_400_000),
    firstFetch: parseFirstFetch(env, 'SAAS_SECURITY_FIRST_FETCH'),
    maxFetch: parseClampedIntVar(env, 'SAAS_SECURITY_MAX_FETCH', 200, MIN_MAX_FETCH, MAX_MAX_FETCH, warnings),
    state: state === 'All' ? null : state === 'Open' ? 'OPEN' : 'CLOSED',
    severities: parseListVar(env, 'SAAS_SECURITY_FETCH_SEVERITY', SEVERITIES, severityAliases),
    statuses: parseListVar(env, 'SAAS_SECURITY_FETCH_STATUS', INCIDENT_STATUSES, statusAliases),
    appIds: (envValue(env, 'SAAS_SECURITY_FETCH_APP_IDS') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    // The reference's label for Both is "Incoming And Outgoing" (an XSOAR instance export carries it).
    mirrorDirection:
      direction?.toLowerCase().replace(/\s+/g, ' ') === 'incoming and outgoing'
        ? 'Both'
        : parseEnumVar(env, 'SAAS_SECURITY_MIRROR_DIRECTION', MIRROR_DIRECTIONS, 'Both'),
    closeMirrored: parseBoolVar(env, 'SAAS_SECURITY_CLOSE_MIRRORED', false),
    subscriberBuffer: parseIntVar(env, 'SECGRAPH_SUBSCRIPTION_BUFFER', 1000, 1, 100_000),
    eventLogSize: parseIntVar(env, 'SECGRAPH_INCIDENT_EVENT_LOG_SIZE', DEFAULT_EVENT_LOG_SIZE, 100, 1_000_000),
    retentionMs: parseRetention(env, 'SECGRAPH_INCIDENT_RETENTION'),
  };
}

/** `90 days`, `12 weeks`, `1 year` (the spans SAAS_SECURITY_FIRST_FETCH takes); unset: keep everything. */
function parseRetention(env: Env, name: string): number | null {
  const raw = envValue(env, name);
  if (raw === undefined) return null;
  const span = /^(\d+) ?(hour|day|week|month|year)s?$/.exec(raw.toLowerCase().replace(/\s+/g, ' '));
  if (!span || Number(span[1]) < 1) throw new ConfigError(name, `expected a span such as "90 days", "12 weeks" or "1 year", got "${raw}"`);
  return Number(span[1]) * SPAN_UNITS_MS[span[2]!]!;
}
