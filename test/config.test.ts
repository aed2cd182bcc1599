// Configuration: every wrong value stops the start with a message naming the variable.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, SAAS_SECURITY_REGIONS } from '../src/config.js';
import { configErrorOf } from './helpers/config.js';

const fails = (env: Record<string, string>, variable: string, message?: RegExp) => {
  const error = configErrorOf(env);
  expect(error.variable).toBe(variable);
  expect(error.message.startsWith(`${variable}:`)).toBe(true);
  if (message) expect(error.message).toMatch(message);
};

describe('configuration', () => {
  it('defaults to an open sandbox gateway on loopback:4000', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 4000, host: '127.0.0.1', logLevel: 'info', redisUrl: null });
    expect(c.saasSecurity.mode).toBe('sandbox');
    expect(c.apiKeys.size).toBe(0);
    expect(c.dataDir).toMatch(/\/data$/);
  });

  it('picks the documented host for each region, and takes an explicit URL', () => {
    const creds = { SAAS_SECURITY_CLIENT_ID: 'id', SAAS_SECURITY_CLIENT_SECRET: 'secret' };
    for (const region of ['US', 'EU', 'APAC'] as const) {
      const c = loadConfig({ ...creds, SAAS_SECURITY_REGION: region.toLowerCase() });
      expect(c.saasSecurity).toMatchObject({ mode: 'upstream', url: SAAS_SECURITY_REGIONS[region] });
    }
    expect(loadConfig(creds).saasSecurity).toMatchObject({ url: 'https://api.aperture.paloaltonetworks.com' });
    expect(loadConfig({ ...creds, SAAS_SECURITY_URL: 'http://127.0.0.1:9999/' }).saasSecurity).toMatchObject({ url: 'http://127.0.0.1:9999' });
  });

  it('names the variable in every error', () => {
    fails({ PORT: 'eighty' }, 'PORT', /whole number/);
    fails({ PORT: '70000' }, 'PORT');
    fails({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
    fails({ SAAS_SECURITY_REGION: 'MARS', SAAS_SECURITY_CLIENT_ID: 'a', SAAS_SECURITY_CLIENT_SECRET: 'b' }, 'SAAS_SECURITY_REGION');
    fails({ SAAS_SECURITY_URL: 'ftp://x', SAAS_SECURITY_CLIENT_ID: 'a', SAAS_SECURITY_CLIENT_SECRET: 'b' }, 'SAAS_SECURITY_URL');
    fails({ SAAS_SECURITY_URL: 'not a url' }, 'SAAS_SECURITY_URL');
    fails({ SAAS_SECURITY_CLIENT_ID: 'only-id' }, 'SAAS_SECURITY_CLIENT_SECRET');
    fails({ SAAS_SECURITY_CLIENT_SECRET: 'only-secret' }, 'SAAS_SECURITY_CLIENT_ID');
    fails({ SAAS_SECURITY_URL: 'https://x.example' }, 'SAAS_SECURITY_CLIENT_ID');
    fails({ SAAS_SECURITY_TIMEOUT_MS: '5' }, 'SAAS_SECURITY_TIMEOUT_MS');
    fails({ REDIS_URL: 'http://x' }, 'REDIS_URL');
  });

  it('parses API keys and refuses malformed entries without echoing the key', () => {
    const c = loadConfig({ SECGRAPH_API_KEYS: 'aaaaaaaa1=read+respond, bbbbbbbb2=ingest' });
    expect([...c.apiKeys.get('aaaaaaaa1')!.scopes]).toEqual(['read', 'respond']);
    expect(c.apiKeys.get('aaaaaaaa1')!.label).toBeNull();
    fails({ SECGRAPH_API_KEYS: 'secretkey123' }, 'SECGRAPH_API_KEYS', /entry 1/);
    fails({ SECGRAPH_API_KEYS: 'secretkey123=admin' }, 'SECGRAPH_API_KEYS', /unknown scope "admin"/);
    fails({ SECGRAPH_API_KEYS: 'short=read' }, 'SECGRAPH_API_KEYS', /at least 8/);
    fails({ SECGRAPH_API_KEYS: 'secretkey123=read,secretkey123=respond' }, 'SECGRAPH_API_KEYS', /repeats/);
    try {
      loadConfig({ SECGRAPH_API_KEYS: 'secretkey123=admin' });
    } catch (e) {
      expect((e as Error).message).not.toContain('secretkey123');
    }
  });

  it('labels an API key with the part before its first colon, and refuses repeated or reserved labels', () => {
    const c = loadConfig({ SECGRAPH_API_KEYS: 'ci-shipper:ingestkey123=ingest, readkey-0001=read' });
    expect(c.apiKeys.get('ingestkey123')).toEqual({ label: 'ci-shipper', scopes: new Set(['ingest']) });
    expect(c.apiKeys.get('readkey-0001')!.label).toBeNull();
    fails({ SECGRAPH_API_KEYS: 'a:secretkey123=read,a:secretkey456=read' }, 'SECGRAPH_API_KEYS', /repeats the label "a"/);
    fails({ SECGRAPH_API_KEYS: 'open:secretkey123=read' }, 'SECGRAPH_API_KEYS', /reserved/);
    fails({ SECGRAPH_API_KEYS: 'ci:short=read' }, 'SECGRAPH_API_KEYS', /at least 8/);
  });

  it('OIDC: issuer, audience and role mapping together; https unless loopback; the roles claim may be a dotted path', () => {
    const base = { SECGRAPH_OIDC_ISSUER: 'https://idp.example.com/realms/soc', SECGRAPH_OIDC_AUDIENCE: 'secgraph', SECGRAPH_OIDC_ROLE_SCOPES: 'soc-analysts=read+respond, soc-leads=read+respond+audit' };
    const c = loadConfig({ ...base, SECGRAPH_OIDC_ROLES_CLAIM: 'realm_access.roles', SECGRAPH_OIDC_CLIENT_ID: 'secgraph-console' });
    expect(c.oidc).toMatchObject({ issuer: 'https://idp.example.com/realms/soc', audience: ['secgraph'], rolesClaim: ['realm_access', 'roles'], clientId: 'secgraph-console', clockToleranceSec: 30 });
    expect([...c.oidc!.roleScopes.get('soc-leads')!]).toEqual(['read', 'respond', 'audit']);
    expect(loadConfig(base).oidc!.rolesClaim).toEqual(['groups']);
    expect(loadConfig({}).oidc).toBeNull();
    fails({ ...base, SECGRAPH_OIDC_ISSUER: 'http://idp.example.com' }, 'SECGRAPH_OIDC_ISSUER', /https/);
    expect(loadConfig({ ...base, SECGRAPH_OIDC_ISSUER: 'http://127.0.0.1:8080' }).oidc!.issuer).toBe('http://127.0.0.1:8080');
    fails({ ...base, SECGRAPH_OIDC_AUDIENCE: '' }, 'SECGRAPH_OIDC_AUDIENCE', /required/);
    fails({ ...base, SECGRAPH_OIDC_ROLE_SCOPES: '' }, 'SECGRAPH_OIDC_ROLE_SCOPES', /required/);
    fails({ ...base, SECGRAPH_OIDC_ROLE_SCOPES: 'soc=admin' }, 'SECGRAPH_OIDC_ROLE_SCOPES', /unknown scope "admin"/);
    fails({ ...base, SECGRAPH_OIDC_ROLES_CLAIM: 'realm_access..roles' }, 'SECGRAPH_OIDC_ROLES_CLAIM');
    fails({ SECGRAPH_OIDC_AUDIENCE: 'secgraph' }, 'SECGRAPH_OIDC_AUDIENCE', /SECGRAPH_OIDC_ISSUER is not/);
    // With OIDC and no keys the gateway is not open: it may listen beyond loopback, introspection is off.
    const closed = loadConfig({ ...base, HOST: '0.0.0.0' });
    expect(closed.security.introspection).toBe(false);
  });

  it('refuses an open gateway on a non-loopback host, and allows it with keys', () => {
    fails({ HOST: '0.0.0.0' }, 'HOST', /not a loopback address/);
    expect(loadConfig({ HOST: '0.0.0.0', SECGRAPH_API_KEYS: 'aaaaaaaa1=read' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: 'localhost' }).host).toBe('localhost');
    expect(loadConfig({ HOST: '::1' }).host).toBe('::1');
  });
});

describe('security settings', () => {
  it('defaults: CORS off, introspection only on an open gateway, the documented limits', () => {
    const open = loadConfig({}).security;
    expect(open).toMatchObject({ corsOrigins: [], introspection: true, wsAuthTimeoutMs: 10_000, wsMaxPayloadBytes: 1024 * 1024, rateLimitPerMinute: 600, rateLimitBurst: 600, requestDeadlineMs: 30_000, authFailuresPerMinute: 30, authFailuresPerCredential: 5 });
    expect(loadConfig({ SECGRAPH_AUTH_FAILURES_PER_CREDENTIAL: '2' }).security.authFailuresPerCredential).toBe(2);
    // The bucket holds a minute's budget unless SECGRAPH_RATE_LIMIT_BURST says otherwise.
    expect(loadConfig({ SECGRAPH_RATE_LIMIT_PER_MINUTE: '120' }).security).toMatchObject({ rateLimitPerMinute: 120, rateLimitBurst: 120 });
    expect(loadConfig({ SECGRAPH_RATE_LIMIT_PER_MINUTE: '120', SECGRAPH_RATE_LIMIT_BURST: '1000' }).security.rateLimitBurst).toBe(1000);
    expect(loadConfig({ SECGRAPH_API_KEYS: 'aaaaaaaa1=read' }).security.introspection).toBe(false);
    expect(loadConfig({ SECGRAPH_API_KEYS: 'aaaaaaaa1=read', SECGRAPH_INTROSPECTION: 'true' }).security.introspection).toBe(true);
  });

  it('takes origins as scheme://host[:port] only', () => {
    expect(loadConfig({ SECGRAPH_CORS_ORIGINS: 'https://soc.example.com, http://localhost:3000' }).security.corsOrigins).toEqual(['https://soc.example.com', 'http://localhost:3000']);
    fails({ SECGRAPH_CORS_ORIGINS: 'https://soc.example.com/console' }, 'SECGRAPH_CORS_ORIGINS', /no path/);
    fails({ SECGRAPH_CORS_ORIGINS: 'soc.example.com' }, 'SECGRAPH_CORS_ORIGINS');
    fails({ SECGRAPH_CORS_ORIGINS: 'ftp://soc.example.com' }, 'SECGRAPH_CORS_ORIGINS');
  });

  it('refuses out-of-range limits, naming the variable', () => {
    fails({ SECGRAPH_WS_MAX_PAYLOAD: '10' }, 'SECGRAPH_WS_MAX_PAYLOAD');
    fails({ SECGRAPH_REQUEST_DEADLINE_MS: 'soon' }, 'SECGRAPH_REQUEST_DEADLINE_MS');
    fails({ SECGRAPH_CACHE_MAX_MB: '0' }, 'SECGRAPH_CACHE_MAX_MB');
    fails({ SECGRAPH_BREAKER_FAILURES: '0' }, 'SECGRAPH_BREAKER_FAILURES');
    fails({ SECGRAPH_RATE_LIMIT_BURST: '0' }, 'SECGRAPH_RATE_LIMIT_BURST');
    fails({ SECGRAPH_AUTH_FAILURES_PER_CREDENTIAL: '0' }, 'SECGRAPH_AUTH_FAILURES_PER_CREDENTIAL');
  });
});

describe('SECGRAPH_CONFIG references to the environment', () => {
  it('reads ${NAME} the same in a flow mapping as in block style, and never parses a value as YAML', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'secgraph-config-refs-'));
    const file = path.join(dir, 'secgraph.yaml');
    writeFileSync(
      file,
      [
        'destinations:',
        '  - name: soc-mail',
        '    type: email',
        '    smtp: { host: 127.0.0.1, port: 587, starttls: true, user: secgraph, password: ${SMTP_PASSWORD} }',
        '    from: secgraph@example.com',
        '    to: [soc@example.com]',
        '  - name: soar',
        '    type: webhook',
        '    url: ${SOAR_URL}',
        '    secret: "${SOAR_SECRET}"',
        '',
      ].join('\n'),
    );
    // Values with YAML syntax in them stay the strings they are.
    const env = { SECGRAPH_CONFIG: file, SMTP_PASSWORD: 'p4ss: {not, yaml} #x', SOAR_URL: 'http://127.0.0.1:9/hook?a=1&b=2', SOAR_SECRET: '- [secret]' };
    const config = loadConfig(env);
    const [mail, soar] = config.destinations.list;
    expect(JSON.stringify(mail)).toContain(JSON.stringify(env.SMTP_PASSWORD).slice(1, -1));
    expect(JSON.stringify(soar)).toContain(env.SOAR_URL);
    expect(JSON.stringify(soar)).toContain(JSON.stringify(env.SOAR_SECRET).slice(1, -1));
    // An unset one still stops the start, naming the variable and where it was used.
    expect(() => loadConfig({ ...env, SMTP_PASSWORD: undefined as unknown as string })).toThrow(/destinations\[0\]\.smtp\.password: the environment variable SMTP_PASSWORD is not set/);
  });
});
