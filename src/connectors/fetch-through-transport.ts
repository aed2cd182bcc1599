// A WHATWG fetch for libraries that take one (oauth4webapi's discovery, jose's key set) that goes the way every
// connector goes: got with the upstream's proxy (its own, else HTTPS_PROXY/HTTP_PROXY with NO_PROXY) and TLS
// trust (its CA file, or insecure) from transport.ts. Node's own fetch knows none of those settings, so an
// identity provider reachable only through the SOC's egress proxy, or signed by its private CA, was unreachable.
// Bodies are small JSON documents: buffered, not streamed. No retries (the callers have their own policy).
import got, { type Method } from 'got';
import { transportOptions, type UpstreamTransport } from './transport.js';

export function fetchThroughTransport(transport: UpstreamTransport): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).forEach((v, k) => (headers[k] = v));
    const body = init?.body ?? undefined;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof URLSearchParams) && !(body instanceof Uint8Array)) {
      throw new TypeError('fetchThroughTransport sends only string, URLSearchParams or byte bodies');
    }
    const res = await got(url, {
      method: ((init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()) as Method,
      headers,
      ...(body === undefined || body === null ? {} : { body: body instanceof URLSearchParams ? body.toString() : (body as string | Uint8Array) }),
      ...(init?.signal ? { signal: init.signal } : {}),
      throwHttpErrors: false,
      followRedirect: init?.redirect !== 'manual',
      retry: { limit: 0 },
      responseType: 'buffer',
      decompress: true,
      ...transportOptions(url, transport),
    });
    const responseHeaders = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined || k === 'content-encoding' || k === 'content-length' || k === 'transfer-encoding') continue;
      for (const one of Array.isArray(v) ? v : [v]) responseHeaders.append(k, one);
    }
    const empty = res.statusCode === 204 || res.statusCode === 304 || (init?.method ?? 'GET').toUpperCase() === 'HEAD';
    return new Response(empty ? null : new Uint8Array(res.body), { status: res.statusCode, statusText: res.statusMessage ?? '', headers: responseHeaders });
  };
}
