// The GraphQL request body limit on a real port (src/http/body-size-limit.ts, yoga's limit and errors): a
// body declared over it is refused from its header alone, a chunked body is counted as it streams and
// refused past the limit, and bodies within it, declared or chunked, are served.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHQL_MAX_BODY_BYTES } from '../src/http/body-size-limit.js';
import { startServedGateway, type ServedGateway } from './helpers/server.js';

let served: ServedGateway;
beforeAll(async () => {
  served = await startServedGateway({ SAAS_SECURITY_FETCH: 'false' });
});
afterAll(async () => {
  await served?.close();
});

/** POSTs to /graphql: `declared` sets Content-Length (else the body is sent chunked), `chunks` are written one by one. */
function post(opts: { declared?: number; chunks: Array<string | Buffer> }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${served.gateway.url}/graphql`, {
      method: 'POST',
      agent: false, // a connection each: one refused mid-body is not reused
      headers: { 'content-type': 'application/json', ...(opts.declared !== undefined ? { 'content-length': String(opts.declared) } : {}) },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        resolve({ status: res.statusCode!, body });
        req.destroy();
      });
    });
    req.on('error', reject);
    void (async () => {
      for (const c of opts.chunks) {
        if (req.destroyed) return;
        if (!req.write(c)) await new Promise((r) => req.once('drain', r));
      }
      if (!req.destroyed) req.end();
    })();
  });
}

const QUERY = JSON.stringify({ query: '{ gateway { version } }' });

describe('GraphQL request body limit', () => {
  it('serves bodies within the limit, with a Content-Length or chunked', async () => {
    const declared = await post({ declared: Buffer.byteLength(QUERY), chunks: [QUERY] });
    expect(declared.status).toBe(200);
    expect(JSON.parse(declared.body).data.gateway.version).toEqual(expect.any(String));
    const chunked = await post({ chunks: [QUERY.slice(0, 10), QUERY.slice(10)] });
    expect(chunked.status).toBe(200);
    expect(JSON.parse(chunked.body).data.gateway.version).toEqual(expect.any(String));
  });

  it('refuses a body declared over the limit from its Content-Length (413), before reading it', async () => {
    const r = await post({ declared: GRAPHQL_MAX_BODY_BYTES + 1, chunks: ['{"query":"'] });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).errors[0]).toMatchObject({ message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } });
  });

  it('counts a chunked body as it streams and refuses it past the limit (413)', async () => {
    const mb = Buffer.alloc(1024 * 1024, 0x20);
    const chunks: Array<string | Buffer> = ['{"query":"{ gateway { version } }","padding":"', ...Array.from({ length: Math.ceil(GRAPHQL_MAX_BODY_BYTES / mb.length) + 1 }, () => mb), '"}'];
    const r = await post({ chunks });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });
});
