// Proxy and TLS settings against real servers on loopback: a CONNECT proxy (test/helpers/connect-proxy.ts)
// that the upstream calls must go through, and HTTPS emulators with a self-signed certificate that is trusted
// only through *_CA_FILE or *_INSECURE.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { bypassesProxy } from '../src/connectors/transport.js';
import { SaasSecurityEmulator } from '../src/emulators/saas-security/emulator.js';
import { StaEmulator } from '../src/emulators/sta/emulator.js';
import { startConnectProxy, type ConnectProxy } from './helpers/connect-proxy.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { selfSignedCertificate, type SelfSigned } from './helpers/self-signed.js';

let cert: SelfSigned;
beforeAll(() => {
  cert = selfSignedCertificate();
});
afterAll(() => cert.cleanup());

let gw: TestGateway | null = null;
let proxy: ConnectProxy | null = null;
const emulators: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await gw?.close();
  gw = null;
  await proxy?.close();
  proxy = null;
  for (const e of emulators.splice(0)) await e.stop();
});

const INCIDENTS = `{ incidents(first: 5) { edges { node { incidentId } } } }`;
const STA_USER = `{ staUser(userName: "alice.moreau") { userName } }`;
const hostOf = (url: string) => new URL(url).host;

/** An STA emulator over HTTPS with the self-signed certificate, and the env pointing the gateway at it. */
async function httpsSta(): Promise<{ sta: StaEmulator; env: Record<string, string> }> {
  const sta = new StaEmulator();
  emulators.push(sta);
  const url = await sta.start(0, '127.0.0.1', { key: cert.key, cert: cert.cert });
  expect(url).toMatch(/^https:/);
  return { sta, env: { STA_URL: url, STA_TENANT_CODE: sta.tenantCode, STA_API_KEY: sta.apiKey } };
}

describe('proxies', () => {
  it('sends calls to an http:// SaaS Security through HTTP_PROXY in absolute form, not a tunnel, and logs the proxy without credentials', async () => {
    proxy = await startConnectProxy();
    gw = await startTestGateway({ fixtures: true, env: { HTTP_PROXY: proxy.url } });
    const { body } = await gw.gql(INCIDENTS);
    expect(body.errors).toBeUndefined();
    expect(body.data.incidents.edges).toHaveLength(5);
    expect(proxy.forwarded.length).toBeGreaterThan(0);
    expect(new Set(proxy.forwarded.map((u) => new URL(u).origin))).toEqual(new Set([new URL(gw.emulator.url).origin]));
    expect(proxy.tunnels).toEqual([]);
    expect(gw.logs.text).toContain('SaaS Security: connecting through a proxy');
  });

  it('goes direct for a host in NO_PROXY', async () => {
    proxy = await startConnectProxy();
    gw = await startTestGateway({ fixtures: true, env: { HTTP_PROXY: proxy.url, NO_PROXY: 'example.com,127.0.0.1' } });
    const { body } = await gw.gql(INCIDENTS);
    expect(body.errors).toBeUndefined();
    expect(proxy.tunnels).toEqual([]);
    expect(proxy.forwarded).toEqual([]);
  });

  it('STA_PROXY applies to STA only, with credentials that never reach the logs', async () => {
    proxy = await startConnectProxy({ user: 'gateway', password: 'pr0xy-s3cret' });
    const withAuth = proxy.url.replace('http://', 'http://gateway:pr0xy-s3cret@');
    gw = await startTestGateway({ fixtures: true, sta: true, env: { STA_PROXY: withAuth } });
    expect((await gw.gql(STA_USER)).body.data.staUser).toEqual({ userName: 'alice.moreau' });
    expect((await gw.gql(INCIDENTS)).body.errors).toBeUndefined();
    expect(new Set(proxy.forwarded.map((u) => new URL(u).host))).toEqual(new Set([hostOf(gw.sta!.url)]));
    expect(proxy.refused).toBe(0);
    expect(gw.logs.text).not.toContain('pr0xy-s3cret');
  });

  it('a proxy that refuses the credentials is UPSTREAM_UNAVAILABLE, for a forwarded request (407) as for a tunnel', async () => {
    proxy = await startConnectProxy({ user: 'gateway', password: 'right' });
    gw = await startTestGateway({ fixtures: true, env: { SAAS_SECURITY_PROXY: proxy.url.replace('http://', 'http://gateway:wr0ng-pa55@') } });
    const { body } = await gw.gql(INCIDENTS);
    expect(body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(body.errors?.[0]?.message).toContain('proxy refused');
    expect(proxy.refused).toBeGreaterThan(0);
    expect(gw.logs.text).not.toContain('wr0ng-pa55');
  });

  it.each([
    ['127.0.0.1', 'https://127.0.0.1:8443/x', true],
    ['.example.com', 'https://api.example.com/', true],
    ['example.com', 'https://api.example.com/', true],
    ['example.com', 'https://notexample.com/', false],
    ['example.com:8443', 'https://example.com/', false],
    ['example.com:443', 'https://example.com/', true],
    ['*', 'https://anything.test/', true],
  ])('NO_PROXY %s for %s: %s', (entry, url, bypass) => {
    expect(bypassesProxy(new URL(url), [entry])).toBe(bypass);
  });
});

describe('TLS', () => {
  it('refuses a self-signed STA certificate by default', async () => {
    const { env } = await httpsSta();
    gw = await startTestGateway({ env });
    const { body } = await gw.gql(STA_USER);
    expect(body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('trusts it with STA_CA_FILE', async () => {
    const { env } = await httpsSta();
    gw = await startTestGateway({ env: { ...env, STA_CA_FILE: cert.certFile } });
    expect((await gw.gql(STA_USER)).body.data.staUser).toEqual({ userName: 'alice.moreau' });
  });

  it('accepts it with STA_INSECURE, warned at start', async () => {
    const { env } = await httpsSta();
    gw = await startTestGateway({ env: { ...env, STA_INSECURE: 'true' } });
    expect((await gw.gql(STA_USER)).body.data.staUser).toEqual({ userName: 'alice.moreau' });
    const warning = gw.logs.lines.map((l) => JSON.parse(l)).find((l) => l.variable === 'STA_INSECURE');
    expect(warning).toMatchObject({ level: 40 });
    expect(warning.msg).toContain('NOT verified');
  });

  it('reaches a self-signed HTTPS SaaS Security through HTTPS_PROXY with SAAS_SECURITY_CA_FILE', async () => {
    const emulator = new SaasSecurityEmulator();
    emulators.push(emulator);
    await emulator.start(0, '127.0.0.1', { key: cert.key, cert: cert.cert });
    emulator.createIncident();
    proxy = await startConnectProxy();
    gw = await startTestGateway({ sharedEmulator: emulator, env: { HTTPS_PROXY: proxy.url, SAAS_SECURITY_CA_FILE: cert.certFile } });
    const { body } = await gw.gql(INCIDENTS);
    expect(body.errors).toBeUndefined();
    expect(body.data.incidents.edges).toHaveLength(1);
    expect(new Set(proxy.tunnels)).toEqual(new Set([hostOf(emulator.url)]));
  });

  it('refuses an unreadable CA file or one without a certificate at start, naming the variable', () => {
    expect(() => loadConfig({ STA_CA_FILE: '/nonexistent/ca.pem' })).toThrow('STA_CA_FILE');
    expect(() => loadConfig({ SAAS_SECURITY_CA_FILE: '/etc/hostname' })).toThrow('SAAS_SECURITY_CA_FILE');
    expect(() => loadConfig({ HTTPS_PROXY: 'ftp://proxy' })).toThrow('HTTPS_PROXY');
  });
});

describe('per STA tenant (SECGRAPH_CONFIG sta.instances)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'secgraph-tenant-transport-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, body: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, body);
    return f;
  };
  const instance = (name: string, sta: StaEmulator, extra = '') =>
    `    - name: "${name}"\n      url: ${sta.url}\n      tenantCode: ${sta.tenantCode}\n      apiKey: "${sta.apiKey}"\n${extra}`;
  const staUserIn = (instanceName: string) => `{ staUser(userName: "alice.moreau", instance: "${instanceName}") { userName } }`;

  it("gives each tenant its own proxy and CA: one self-signed tenant through a proxy, the other direct", async () => {
    const { sta: secure } = await httpsSta();
    const plain = new StaEmulator({ tenantCode: 'PLAINTEN01', apiKey: 'key-of-the-plain-tenant' });
    emulators.push(plain);
    await plain.start();
    proxy = await startConnectProxy();
    const config = file(
      'two-tenants.yaml',
      `sta:\n  instances:\n${instance('secure', secure, `      proxy: ${proxy.url}\n      caFile: ${cert.certFile}\n`)}\n${instance('plain', plain)}\n`,
    );
    gw = await startTestGateway({ env: { SECGRAPH_CONFIG: config } });
    expect((await gw.gql(staUserIn('secure'))).body).toEqual({ data: { staUser: { userName: 'alice.moreau' } } });
    expect((await gw.gql(staUserIn('plain'))).body).toEqual({ data: { staUser: { userName: 'alice.moreau' } } });
    // Only the secure tenant went through the proxy; the plain one, without settings of its own, went direct.
    expect(new Set(proxy.tunnels)).toEqual(new Set([hostOf(secure.url)]));
    expect(plain.requests.length).toBeGreaterThan(0);
  });

  it("does not lend one tenant's CA to another: a self-signed tenant without its own caFile is refused", async () => {
    const { sta: trusted } = await httpsSta();
    const { sta: untrusted } = await httpsSta();
    const config = file('one-trusted.yaml', `sta:\n  instances:\n${instance('trusted', trusted, `      caFile: ${cert.certFile}\n`)}\n${instance('untrusted', untrusted)}\n`);
    gw = await startTestGateway({ env: { SECGRAPH_CONFIG: config } });
    expect((await gw.gql(staUserIn('trusted'))).body.data.staUser).toEqual({ userName: 'alice.moreau' });
    expect((await gw.gql(staUserIn('untrusted'))).body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it("checks a tenant's settings as the STA_* variables are checked, naming the file's key; its insecure is warned under that key", () => {
    const sta = new StaEmulator();
    const at = (extra: string) => ({ SECGRAPH_CONFIG: file('bad.yaml', `sta:\n  instances:\n    - name: "t"\n      url: https://sta.example\n      tenantCode: ${sta.tenantCode}\n      apiKey: "k-123456"\n${extra}`) });
    expect(() => loadConfig(at('      timeoutMs: 5\n'))).toThrow(/^SECGRAPH_CONFIG sta\.instances\.0\.timeoutMs: /);
    expect(() => loadConfig(at('      caFile: /nonexistent/ca.pem\n'))).toThrow(/SECGRAPH_CONFIG sta\.instances\.0\.caFile: cannot read/);
    expect(() => loadConfig(at('      proxy: ftp://proxy\n'))).toThrow(/SECGRAPH_CONFIG sta\.instances\.0\.proxy: a proxy must be http/);
    const config = loadConfig(at('      insecure: true\n      timeoutMs: 2500\n'));
    expect(config.sta.instances[0]!.http).toMatchObject({ timeoutMs: 2500, transport: { insecure: true } });
    expect(config.warnings.map((w) => w.variable)).toContain('SECGRAPH_CONFIG sta.instances.0.insecure');
  });
});
