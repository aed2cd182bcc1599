// What a browser may make this gateway do. Three rules, shared by HTTP and the WebSocket upgrade:
// - CSRF: an operation runs only on a request a browser would have preflighted (JSON body, or a custom
//   header), so a cross-site form or <img> never executes one (yoga's CSRF prevention plugin).
// - CORS: no Access-Control-* headers unless SECGRAPH_CORS_ORIGINS lists the page's origin; WebSockets, which
//   CORS does not cover, get the same Origin check.
// - DNS rebinding: an open gateway (no API keys) answers only to Host localhost, 127.0.0.1 or [::1], so a page
//   on a name that resolves to 127.0.0.1 cannot read it as its own origin.
import type { IncomingMessage } from 'node:http';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createGraphQLError, type CORSOptions, type Plugin } from 'graphql-yoga';
import { isLoopbackHost } from '../net.js';

/** The header a non-JSON client (a GET, a multipart upload) sends to show it is not a cross-site form. */
export const CSRF_HEADER = 'x-graphql-csrf';


/** The Host header's name part, lowercased: `[::1]:4000` → `[::1]`, `LOCALHOST:80` → `localhost`. */
export function hostnameOf(host: string | undefined): string | null {
  if (!host) return null;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(host.trim().toLowerCase());
  return m ? m[1]! : null;
}

/**
 * An open gateway serves loopback names only (localhost, [::1], 127.x.y.z literals: no DNS name can be
 * rebound onto those); a gateway with keys serves any Host (the key is the defence).
 */
export function hostAllowed(host: string | undefined, open: boolean): boolean {
  if (!open) return true;
  const name = hostnameOf(host);
  return name !== null && isLoopbackHost(name);
}

/**
 * A browser's Origin is accepted when it is this gateway itself (same scheme-less host and port as the
 * request's Host) or listed in SECGRAPH_CORS_ORIGINS. No Origin at all: not a browser, nothing to check.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowList: readonly string[]): boolean {
  if (!origin) return true;
  if (allowList.includes(origin)) return true;
  try {
    return new URL(origin).host.toLowerCase() === (host ?? '').toLowerCase();
  } catch {
    return false;
  }
}

/** Rejects, before yoga sees it, a request whose Host an open gateway must not serve. Null: go on. */
export function rejectHost(req: IncomingMessage, open: boolean): { status: number; body: string } | null {
  if (hostAllowed(req.headers.host, open)) return null;
  return {
    status: 421,
    body: 'This gateway has no API keys, so it answers only to Host localhost, 127.x.y.z or [::1].\n',
  };
}

/** yoga's cors option: off (same origin only) unless origins are listed; never with credentials (no cookies here). */
export function corsOptions(allowList: readonly string[]): CORSOptions {
  if (allowList.length === 0) return false;
  return {
    origin: [...allowList],
    credentials: false,
    // The mcp-* headers and DELETE: a browser-based MCP client on /mcp (src/mcp/).
    allowedHeaders: ['content-type', 'authorization', 'x-request-id', CSRF_HEADER, 'mcp-session-id', 'mcp-protocol-version'],
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    exposedHeaders: ['x-request-id', 'retry-after', 'mcp-session-id', 'www-authenticate'],
  };
}

/**
 * yoga's CSRF prevention, its refusal carrying our stable code. `exempt`: requests another rule of this file
 * already judged (graphql-sse's distinct-connections requests, by useStreamCsrfGuard).
 */
export function useBrowserCsrfPrevention(exempt: (request: Request) => boolean = () => false): Plugin {
  const inner = useCSRFPrevention({ requestHeaders: [CSRF_HEADER, 'x-graphql-yoga-csrf'] });
  return {
    onRequestParse(payload) {
      if (exempt(payload.request)) return;
      try {
        return inner.onRequestParse?.(payload);
      } catch {
        throw createGraphQLError(
          `Refused: a request without a JSON body must carry the ${CSRF_HEADER} header (CSRF prevention)`,
          { extensions: { code: 'CSRF_REJECTED', http: { status: 403 } } },
        );
      }
    },
  };
}

/**
 * True for a request a browser may send cross-site without a preflight: no Authorization header, no CSRF
 * header, and a form-like or missing content type. For routes outside GraphQL (CloudTrail ingest).
 */
export function isSimpleCrossSiteRequest(request: Request): boolean {
  if (request.headers.has('authorization') || request.headers.has(CSRF_HEADER)) return false;
  const type = (request.headers.get('content-type') ?? '').toLowerCase();
  return type === '' || ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'].some((t) => type.startsWith(t));
}

/**
 * The graphql-sse endpoint answers before yoga's request parsing, so the CSRF rule is applied here: a request
 * a browser can send cross-site unpreflighted is refused, except the single-connection mode's event stream
 * (a GET naming its reservation token, which a cross-site page cannot know, nor read the answer of).
 */
export function useStreamCsrfGuard(endpoint: string): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      const streamToken = url.searchParams.has('token') || request.headers.has('x-graphql-event-stream-token');
      if (request.method === 'GET' && streamToken) return;
      if (!isSimpleCrossSiteRequest(request) || request.method === 'PUT' || request.method === 'DELETE') return;
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message: `Refused: send JSON or the ${CSRF_HEADER} header (CSRF prevention)`, extensions: { code: 'CSRF_REJECTED' } }] }), {
          status: 403,
          headers: { 'content-type': 'application/json' },
        }),
      );
    },
  };
}
