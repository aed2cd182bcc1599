// Destinations through a forward proxy: an HTTPS destination is reached through one CONNECT tunnel that later
// deliveries reuse (a keep-alive agent per proxy), not a new tunnel and TLS handshake per POST.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../src/destinations/http-post.js';
import { startConnectProxy, type ConnectProxy } from './helpers/connect-proxy.js';
import { selfSignedCertificate, type SelfSigned } from './helpers/self-signed.js';

describe('destination through a forward proxy', () => {
  let tls: SelfSigned;
  let server: Server;
  let url: string;
  let proxy: ConnectProxy;
  const bodies: string[] = [];
  beforeAll(async () => {
    tls = selfSignedCertificate();
    server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    proxy = await startConnectProxy();
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await proxy.close();
    tls.cleanup();
  });

  it('delivers every POST through one reused CONNECT tunnel', async () => {
    const target = { url, timeoutMs: 5_000, transport: { proxy: proxy.url, system: { httpsProxy: null, httpProxy: null, noProxy: [] }, ca: tls.cert, insecure: false } };
    for (let i = 0; i < 3; i++) {
      const outcome = await postJson(target, JSON.stringify({ n: i }), {});
      expect(outcome).toMatchObject({ result: 'delivered', status: 200 });
    }
    expect(bodies).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
    expect(proxy.tunnels).toEqual([new URL(url).host]);
  });
});
