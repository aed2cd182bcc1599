// Upstream calls through a real forward proxy: Debian's Squid with its default access rules
// (test/helpers/squid.ts), which allow CONNECT to TLS ports only. An http:// upstream must therefore be
// requested in absolute form (`GET http://host/path`), as curl and Python's requests do; an https:// one goes
// through a CONNECT tunnel. Squid's access log tells which way each call came.
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StaEmulator } from '../src/emulators/sta/emulator.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { selfSignedCertificate, type SelfSigned } from './helpers/self-signed.js';
import { startSquid, type SquidEntry, type TestSquid } from './helpers/squid.js';

const INCIDENTS = `{ incidents(first: 5) { edges { node { incidentId } } } }`;
const STA_USER = `{ staUser(userName: "alice.moreau") { userName } }`;

let cert: SelfSigned;
beforeAll(() => {
  cert = selfSignedCertificate();
});
afterAll(() => cert.cleanup());

let gw: TestGateway | null = null;
let squid: TestSquid | null = null;
const emulators: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await gw?.close();
  gw = null;
  await squid?.stop();
  squid = null;
  for (const e of emulators.splice(0)) await e.stop();
});

/** Squid logs a request when it is done with it (a tunnel when it closes): wait for the entries a test expects. */
async function entriesWhen(s: TestSquid, done: (entries: SquidEntry[]) => boolean): Promise<SquidEntry[]> {
  for (let i = 0; i < 100 && !done(s.entries()); i++) await new Promise((r) => setTimeout(r, 50));
  return s.entries();
}

/** What Squid answers a CONNECT to `target` (`host:port`): the way an http:// upstream went before absolute form. */
function connectStatus(proxyUrl: string, target: string): Promise<number> {
  const proxy = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: target, headers: { host: target } });
    req.once('connect', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

describe('through Squid with its default rules', () => {
  it('requests an http:// upstream in absolute form, which Squid forwards (a CONNECT to its port it refuses)', async () => {
    squid = await startSquid();
    gw = await startTestGateway({ fixtures: true, env: { HTTP_PROXY: squid.url } });
    const { body } = await gw.gql(INCIDENTS);
    expect(body.errors).toBeUndefined();
    expect(body.data.incidents.edges).toHaveLength(5);

    const origin = new URL(gw.emulator.url).origin;
    const entries = await entriesWhen(squid, (e) => e.some((x) => x.url.startsWith(`${origin}/incident/`)));
    // The token (a POST with a body) and the incident calls, each as one forwarded absolute-form request.
    expect(entries).toContainEqual({ method: 'POST', url: `${origin}/oauth/token`, status: 200, user: '-' });
    expect(entries.filter((e) => e.url.startsWith(`${origin}/incident/`)).every((e) => e.method === 'GET' && e.status === 200)).toBe(true);
    expect(entries.filter((e) => e.method === 'CONNECT')).toEqual([]);
    // What a tunnel to the same upstream gets from these rules.
    expect(await connectStatus(squid.url, new URL(origin).host)).toBe(403);
  });

  it('reaches an https:// upstream through a CONNECT tunnel, trusting its CA as configured', async () => {
    const sta = new StaEmulator();
    emulators.push(sta);
    const url = await sta.start(0, '127.0.0.1', { key: cert.key, cert: cert.cert });
    const { host, port } = new URL(url);
    // Its port is an SSL port, as an administrator would add a TLS service on a non-standard port.
    squid = await startSquid({ sslPorts: [Number(port)] });
    gw = await startTestGateway({
      env: { STA_URL: url, STA_TENANT_CODE: sta.tenantCode, STA_API_KEY: sta.apiKey, HTTPS_PROXY: squid.url, STA_CA_FILE: cert.certFile },
    });
    expect((await gw.gql(STA_USER)).body).toEqual({ data: { staUser: { userName: 'alice.moreau' } } });
    expect(sta.requests.length).toBeGreaterThan(0);
    // A tunnel is logged when it closes; the gateway keeps its tunnel open for the next call.
    await squid.stop();
    const entries = squid.entries();
    expect(new Set(entries.map((e) => `${e.method} ${e.url} ${e.status}`))).toEqual(new Set([`CONNECT ${host} 200`]));
  });

  it('sends proxy credentials from the proxy URL, keeps them out of the logs, and a wrong password is UPSTREAM_UNAVAILABLE', async () => {
    squid = await startSquid({ user: 'gateway', password: 'squ1d-pa55' });
    const withAuth = (password: string) => squid!.url.replace('http://', `http://gateway:${password}@`);
    gw = await startTestGateway({ fixtures: true, sta: true, env: { STA_PROXY: withAuth('squ1d-pa55') } });
    expect((await gw.gql(STA_USER)).body).toEqual({ data: { staUser: { userName: 'alice.moreau' } } });
    const staOrigin = new URL(gw.sta!.url).origin;
    const entries = await entriesWhen(squid, (e) => e.some((x) => x.status === 200));
    expect(entries.filter((e) => e.status === 200).every((e) => e.user === 'gateway' && e.url.startsWith(`${staOrigin}/`))).toBe(true);
    expect(gw.logs.text).not.toContain('squ1d-pa55');
    await gw.close();

    gw = await startTestGateway({ fixtures: true, sta: true, env: { STA_PROXY: withAuth('wr0ng-pa55') } });
    const { body } = await gw.gql(STA_USER);
    expect(body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(body.errors?.[0]?.message).not.toContain('wr0ng-pa55');
    expect(squid.entries().some((e) => e.status === 407)).toBe(true);
    expect(gw.logs.text).not.toContain('wr0ng-pa55');
  });
});
