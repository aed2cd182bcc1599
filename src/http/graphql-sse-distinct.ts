// graphql-sse's distinct-connections mode on /graphql/stream, served by yoga's own GraphQL-over-SSE handling
// (the one /graphql uses), so shared subscriptions get the light writer of src/http/shared-sse.ts there too.
// Yoga's SSE already speaks that mode's wire (a `:` comment, `event: next` / `data: <result>` per result,
// `event: complete` / `data:` at the end, a `:` ping every 12 s); graphql-sse's handler (then behind yoga's graphql-sse plugin) wrote
// each event through a per-stream message queue and web stream, one JSON.stringify per subscriber.
//
// Handed over: exactly the requests graphql-sse's handler would serve in that mode, i.e. `Accept` is exactly
// `text/event-stream` (its own test) and no stream token names a single-connection reservation (header
// x-graphql-event-stream-token or query `token`); and only a GET, or a POST with a JSON body (the two it
// parses; it answers anything else 415, and still does). Single-connection mode (PUT, DELETE, token-carrying
// requests) stays on graphql-sse's handler.
//
// What the protocol asks (graphql-sse PROTOCOL.md, distinct connections) and yoga's handling differs on:
// - errors found before execution (parse, validation, limits, auth, rate limits) MUST come as `next` events on
//   an accepted (200) stream: yoga answers some with their error's status (401, 403, 429, 400), so the status
//   of an event stream is set to 200 here (the body, and headers such as retry-after, stay);
// - Content-Type is graphql-sse's `text/event-stream; charset=utf-8`.
// Same request and server context: yoga's context, CSRF, limits and the shared-SSE writer (which needs node's
// ServerResponse from the server context) all apply as on /graphql. yoga's CSRF prevention is not run on these
// requests: useStreamCsrfGuard (app.ts, before this plugin) is /graphql/stream's rule and already ran.
import type { Plugin, YogaServerInstance } from 'graphql-yoga';

// graphql-sse's TOKEN_HEADER_KEY and TOKEN_QUERY_KEY.
const TOKEN_HEADER = 'x-graphql-event-stream-token';
const TOKEN_QUERY = 'token';
/** graphql-sse's Content-Type for event streams. */
export const DISTINCT_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

/** Requests handed to yoga's handling: its CSRF prevention leaves them to useStreamCsrfGuard. */
const handedOver = new WeakSet<Request>();
export const isDistinctStreamRequest = (request: Request): boolean => handedOver.has(request);

/** True when graphql-sse's handler would serve this request in distinct-connections mode and yoga can. */
export function isDistinctConnectionsRequest(request: Request, url: URL): boolean {
  if (request.headers.get('accept') !== 'text/event-stream') return false;
  if (request.headers.get(TOKEN_HEADER) || url.searchParams.get(TOKEN_QUERY)) return false;
  if (request.method === 'GET') return true;
  return request.method === 'POST' && (request.headers.get('content-type') ?? '').includes('application/json');
}

/** Before useGraphQLSseHandler (graphql-sse-handler.ts), which answers everything else on `endpoint`. */
export function useDistinctStreamsOnYoga(endpoint: string): Plugin {
  let yoga: YogaServerInstance<Record<string, unknown>, Record<string, unknown>> | null = null;
  return {
    onYogaInit({ yoga: y }) {
      yoga = y as never;
    },
    onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint || !yoga || !isDistinctConnectionsRequest(request, url)) return;
      handedOver.add(request);
      return Promise.resolve(yoga.handle(request, serverContext as never)).then((response) => {
        const type = response.headers.get('content-type') ?? '';
        // The shared-SSE writer sets both itself (its body is piped as it is, not re-wrapped).
        if (!type.startsWith('text/event-stream') || (type === DISTINCT_CONTENT_TYPE && response.status === 200)) return endResponse(response);
        // yoga's SSE writer: same body (a single result's error, or the live stream), graphql-sse's status and type.
        const headers = new fetchAPI.Headers(response.headers);
        headers.set('content-type', DISTINCT_CONTENT_TYPE);
        endResponse(new fetchAPI.Response(response.body, { status: 200, statusText: 'OK', headers }));
      });
    },
  };
}
