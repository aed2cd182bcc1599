// What every upstream emulator shares: a node:http server on loopback, a log of the requests it saw (so
// tests can assert the wire shape the real API requires), and switchable faults: 429 with Retry-After,
// 5xx, 4xx rejections, slow answers, dropped connections and malformed bodies.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Raw query string, without `?`, exactly as sent. */
  rawQuery: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Fault =
  | { kind: 'rate-limit'; retryAfterSeconds: number }
  | { kind: 'server-error'; status: number }
  | { kind: 'reject'; status: number; message: string }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'drop-connection' }
  | { kind: 'malformed-json' };

interface ArmedFault {
  fault: Fault;
  remaining: number;
  /** Only requests whose path matches are affected. */
  path?: RegExp;
  method?: string;
}

export interface EmulatorResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type EmulatorHandler = (req: RecordedRequest) => EmulatorResponse | Promise<EmulatorResponse>;

export abstract class HttpEmulator {
  readonly requests: RecordedRequest[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private faults: ArmedFault[] = [];
  /** Paths the faults never touch unless a fault names them (e.g. the token endpoint). */
  protected faultExemptPaths: RegExp[] = [];

  protected abstract handle(req: RecordedRequest): EmulatorResponse | Promise<EmulatorResponse>;

  /** Arms a fault for the next `times` matching requests. */
  injectFault(fault: Fault, options: { times?: number; path?: RegExp; method?: string } = {}): void {
    this.faults.push({ fault, remaining: options.times ?? 1, ...(options.path ? { path: options.path } : {}), ...(options.method ? { method: options.method } : {}) });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Requests seen, optionally only those to a path. */
  requestsTo(path: string | RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter(
      (r) => (typeof path === 'string' ? r.path === path : path.test(r.path)) && (!method || r.method === method),
    );
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    if (!addr) throw new Error('emulator is not listening');
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${addr.port}`;
  }

  private tls = false;

  /** Listens on loopback; with `tls` (a PEM key and certificate) it speaks HTTPS, as the real APIs do. */
  async start(port = 0, host = '127.0.0.1', tls?: { key: string; cert: string }): Promise<string> {
    this.tls = Boolean(tls);
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.onRequest(req, res);
    this.server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }, handler) : createServer(handler);
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private takeFault(req: RecordedRequest): Fault | null {
    const exempt = this.faultExemptPaths.some((p) => p.test(req.path));
    const armed = this.faults.find(
      (f) => f.remaining > 0 && (f.path ? f.path.test(req.path) : !exempt) && (!f.method || f.method === req.method),
    );
    if (!armed) return null;
    armed.remaining -= 1;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return armed.fault;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://emulator');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      rawQuery: url.search.replace(/^\?/, ''),
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(recorded);
    const fault = this.takeFault(recorded);
    if (fault?.kind === 'drop-connection') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.kind === 'rate-limit') {
      return send(res, { status: 429, headers: { 'retry-after': String(fault.retryAfterSeconds) }, body: { message: 'Too Many Requests' } });
    }
    if (fault?.kind === 'server-error') return send(res, { status: fault.status, body: { message: 'Service Unavailable' } });
    if (fault?.kind === 'reject') return send(res, { status: fault.status, body: { message: fault.message } });
    if (fault?.kind === 'malformed-json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"resources": [');
      return;
    }
    let response: EmulatorResponse;
    try {
      response = await this.handle(recorded);
    } catch (error) {
      response = { status: 500, body: { message: error instanceof Error ? error.message : 'internal error' } };
    }
    if (!res.destroyed) send(res, response);
  }
}

function send(res: ServerResponse, r: EmulatorResponse): void {
  const headers: Record<string, string> = { ...r.headers };
  let payload = '';
  if (r.body !== undefined) {
    payload = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(r.status, headers);
  res.end(payload);
}

export const json = (status: number, body: unknown): EmulatorResponse => ({ status, body });
