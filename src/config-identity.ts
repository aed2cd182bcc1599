// Who may call the gateway: API keys (optionally labelled), the identity provider whose tokens it accepts
// (OIDC), and the documents it runs (trusted documents). Parsed here, called by loadConfig (config.ts).
import { isLoopbackHost } from './net.js';
import { readFileSync } from 'node:fs';
import { ConfigError, envValue, listItems, parseDurationVar, parseEnumVar, type Env } from './config-vars.js';
import { parseManifest } from './trusted-documents/trusted-documents.js';
import type { UpstreamTransport } from './connectors/transport.js';

export const SCOPES = ['read', 'respond', 'ingest', 'audit'] as const;
export type Scope = (typeof SCOPES)[number];

/** One API key: its scopes, and the label that names its caller (null: the key's short hash does). */
export interface ApiKeyGrant {
  label: string | null;
  scopes: ReadonlySet<Scope>;
}

/** Tokens of one OpenID provider (README "Access control"). */
export interface OidcConfig {
  /** SECGRAPH_OIDC_ISSUER, exactly as the tokens' `iss` carries it. */
  issuer: string;
  /** SECGRAPH_OIDC_AUDIENCE: a token's `aud` must hold one of these. */
  audience: string[];
  /** SECGRAPH_OIDC_ROLES_CLAIM as a path: `groups` → ['groups'], `realm_access.roles` → ['realm_access', 'roles']. */
  rolesClaim: string[];
  /** SECGRAPH_OIDC_ROLE_SCOPES: role or group → scopes; `*` is every signed-in user. */
  roleScopes: ReadonlyMap<string, ReadonlySet<Scope>>;
  /** SECGRAPH_OIDC_CLIENT_ID: the console's public client; null: the console offers key entry only. */
  clientId: string | null;
  /** SECGRAPH_OIDC_SCOPES: what the console asks the provider for when it signs in. */
  consoleScopes: string;
  /** SECGRAPH_OIDC_CLOCK_TOLERANCE: leeway on exp and nbf, seconds. */
  clockToleranceSec: number;
  /** SECGRAPH_OIDC_JWKS_COOLDOWN: an unknown key id refetches the key set at most this often, ms. */
  jwksCooldownMs: number;
  /** SECGRAPH_OIDC_PROXY / _CA_FILE / _INSECURE and the system proxy: how discovery and the key set are fetched. */
  transport: UpstreamTransport;
}

const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

function parseScopes(raw: string, variable: string, where: string): Set<Scope> {
  const scopes = raw
    .split('+')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (scopes.length === 0) throw new ConfigError(variable, `${where} has no scope`);
  for (const s of scopes) {
    if (!(SCOPES as readonly string[]).includes(s)) throw new ConfigError(variable, `${where}: unknown scope "${s}" (scopes: ${SCOPES.join(', ')})`);
  }
  return new Set(scopes as Scope[]);
}

/**
 * `key=scope+scope,label:key2=scope` → Map. A label (letters, digits, `_.@-`, before the first `:`) names the
 * key's caller in logs, limits and the audit log; a key that itself contains `:` therefore needs a label.
 * Keys are secrets: they never appear in error messages.
 */
export function parseApiKeys(raw: string | undefined): Map<string, ApiKeyGrant> {
  const keys = new Map<string, ApiKeyGrant>();
  const labels = new Set<string>();
  if (!raw) return keys;
  raw.split(',').forEach((entry, index) => {
    const trimmed = entry.trim();
    if (!trimmed) return;
    const eq = trimmed.lastIndexOf('=');
    const where = `entry ${index + 1}`;
    if (eq <= 0) throw new ConfigError('SECGRAPH_API_KEYS', `${where} must look like key=scope+scope or label:key=scope+scope`);
    let key = trimmed.slice(0, eq).trim();
    let label: string | null = null;
    const colon = key.indexOf(':');
    if (colon > 0 && LABEL.test(key.slice(0, colon))) {
      label = key.slice(0, colon);
      key = key.slice(colon + 1).trim();
      if (label === 'open' || label === 'key') throw new ConfigError('SECGRAPH_API_KEYS', `${where}: the label "${label}" is reserved`);
      if (labels.has(label)) throw new ConfigError('SECGRAPH_API_KEYS', `${where} repeats the label "${label}"`);
      labels.add(label);
    }
    if (key.length < 8) throw new ConfigError('SECGRAPH_API_KEYS', `${where}: a key must be at least 8 characters`);
    const scopes = parseScopes(trimmed.slice(eq + 1), 'SECGRAPH_API_KEYS', where);
    if (keys.has(key)) throw new ConfigError('SECGRAPH_API_KEYS', `${where} repeats a key`);
    keys.set(key, { label, scopes });
  });
  return keys;
}

/** `soc-analysts=read+respond,soc-leads=read+respond+audit` (the last `=` splits, so a role may hold one). */
export function parseRoleScopes(env: Env, name: string): Map<string, ReadonlySet<Scope>> {
  const map = new Map<string, ReadonlySet<Scope>>();
  listItems(env, name).forEach((item, index) => {
    const eq = item.lastIndexOf('=');
    const where = `entry ${index + 1}`;
    if (eq <= 0) throw new ConfigError(name, `${where} must look like role=scope+scope, got "${item}"`);
    const role = item.slice(0, eq).trim();
    if (map.has(role)) throw new ConfigError(name, `${where} repeats the role "${role}"`);
    map.set(role, parseScopes(item.slice(eq + 1), name, where));
  });
  return map;
}

/** An issuer: https, or http on a loopback host (a provider on the same machine, tests). Kept as written. */
function parseIssuer(env: Env, name: string): string | null {
  const raw = envValue(env, name);
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a valid URL: "${raw}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ConfigError(name, `must be an https:// URL (http:// only on loopback), got "${raw}"`);
  }
  if (url.search || url.hash) throw new ConfigError(name, 'an issuer has no query or fragment');
  return raw;
}

/** `transportOf(prefix)` parses <prefix>_PROXY / _CA_FILE / _INSECURE as for every upstream (config.ts). */
export function parseOidc(env: Env, transportOf: (prefix: string) => UpstreamTransport): OidcConfig | null {
  const issuer = parseIssuer(env, 'SECGRAPH_OIDC_ISSUER');
  const dependents = ['SECGRAPH_OIDC_AUDIENCE', 'SECGRAPH_OIDC_ROLE_SCOPES', 'SECGRAPH_OIDC_CLIENT_ID', 'SECGRAPH_OIDC_ROLES_CLAIM', 'SECGRAPH_OIDC_PROXY', 'SECGRAPH_OIDC_CA_FILE', 'SECGRAPH_OIDC_INSECURE'];
  if (!issuer) {
    const stray = dependents.find((n) => envValue(env, n) !== undefined);
    if (stray) throw new ConfigError(stray, 'is set but SECGRAPH_OIDC_ISSUER is not');
    return null;
  }
  const audience = listItems(env, 'SECGRAPH_OIDC_AUDIENCE');
  if (audience.length === 0) {
    throw new ConfigError('SECGRAPH_OIDC_AUDIENCE', "is required with SECGRAPH_OIDC_ISSUER: the audience the provider puts in tokens for secgraph (tokens for other applications are refused)");
  }
  const roleScopes = parseRoleScopes(env, 'SECGRAPH_OIDC_ROLE_SCOPES');
  if (roleScopes.size === 0) {
    throw new ConfigError('SECGRAPH_OIDC_ROLE_SCOPES', 'is required with SECGRAPH_OIDC_ISSUER: which roles or groups get which scopes, e.g. soc-analysts=read+respond,soc-leads=read+respond+audit');
  }
  const claim = envValue(env, 'SECGRAPH_OIDC_ROLES_CLAIM') ?? 'groups';
  const rolesClaim = claim.split('.').map((s) => s.trim());
  if (rolesClaim.some((s) => !s)) throw new ConfigError('SECGRAPH_OIDC_ROLES_CLAIM', `expected a claim name or a dotted path such as realm_access.roles, got "${claim}"`);
  return {
    issuer,
    audience,
    rolesClaim,
    roleScopes,
    clientId: envValue(env, 'SECGRAPH_OIDC_CLIENT_ID') ?? null,
    consoleScopes: envValue(env, 'SECGRAPH_OIDC_SCOPES') ?? 'openid profile email offline_access',
    clockToleranceSec: Math.round(parseDurationVar(env, 'SECGRAPH_OIDC_CLOCK_TOLERANCE', 30_000, 0, 300_000) / 1000),
    jwksCooldownMs: parseDurationVar(env, 'SECGRAPH_OIDC_JWKS_COOLDOWN', 30_000, 0, 3_600_000),
    transport: transportOf('SECGRAPH_OIDC'),
  };
}

export const ARBITRARY_DOCUMENTS = ['allow', 'queries', 'deny'] as const;
export type ArbitraryDocuments = (typeof ARBITRARY_DOCUMENTS)[number];

/** Which documents run (README "Access control", trusted documents). */
export interface TrustedDocumentsConfig {
  /** SECGRAPH_TRUSTED_DOCUMENTS: the manifest file; null when unset (the console's own manifest is trusted regardless). */
  file: string | null;
  /** Its documents by id (read and checked at start). */
  manifest: ReadonlyMap<string, string>;
  /** SECGRAPH_ARBITRARY_DOCUMENTS: what happens to a document that is not trusted. */
  arbitrary: ArbitraryDocuments;
}

export function parseTrustedDocuments(env: Env): TrustedDocumentsConfig {
  const file = envValue(env, 'SECGRAPH_TRUSTED_DOCUMENTS') ?? null;
  let manifest = new Map<string, string>();
  if (file !== null) {
    let json: string;
    try {
      json = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError('SECGRAPH_TRUSTED_DOCUMENTS', `cannot read "${file}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    try {
      manifest = parseManifest(json, `"${file}"`);
    } catch (e) {
      throw new ConfigError('SECGRAPH_TRUSTED_DOCUMENTS', e instanceof Error ? e.message : String(e));
    }
  }
  return { file, manifest, arbitrary: parseEnumVar(env, 'SECGRAPH_ARBITRARY_DOCUMENTS', ARBITRARY_DOCUMENTS, 'allow') };
}
