// A small forward proxy on loopback, built on node:http: it tunnels each CONNECT to its target and forwards
// each absolute-form request (`GET http://host/path`), recording both, so tests can assert which upstream calls
// went through it and how. Optionally requires Basic auth. Unlike Squid (test/helpers/squid.ts), it allows a
// CONNECT to any port, so it also shows a tunnel where a real proxy's rules would refuse one.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ConnectProxy {
  url: string;
  /** `host:port` of every CONNECT, in order. */
  tunnels: string[];
  /** The absolute URL of every request forwarded in absolute form, in order. */
  forwarded: string[];
  /** CONNECTs and requests refused for missing or wrong credentials. */
  refused: number;
  close(): Promise<void>;
}

export async function startConnectProxy(opts: { user?: string; password?: string } = {}): Promise<ConnectProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    if (!authorized(req)) {
      proxy.refused += 1;
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    // Only absolute form is proxied; an origin-form path is a request for the proxy itself.
    if (!/^https?:\/\//.test(req.url ?? '')) return void res.writeHead(400).end();
    proxy.forwarded.push(req.url!);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const out = request(req.url!, { method: req.method, headers }, (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      upstream.pipe(res);
    });
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  const proxy: ConnectProxy = {
    url: '',
    tunnels: [],
    forwarded: [],
    refused: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const expected = opts.user ? `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}` : null;
  const authorized = (req: IncomingMessage) => !expected || req.headers['proxy-authorization'] === expected;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    if (!authorized(req)) {
      proxy.refused += 1;
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const target = req.url ?? '';
    proxy.tunnels.push(target);
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    const upstream = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    const fail = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', fail);
    client.on('error', fail);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
