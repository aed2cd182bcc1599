// The GraphQL request body limit (yoga's `maxRequestBodySize`, same limit, same errors), without wrapping
// bodies that declare their length. yoga's own limit pipes every body through a TransformStream into a
// second Request; on a long-lived request (an SSE subscription) those stay reachable for the life of the
// stream: about 10 KB per open SSE subscriber, a third of its memory (bench/subscription-fanout.bench.ts).
// A body with a valid Content-Length needs no counting: node's HTTP parser never delivers more than the
// declared length, so checking the header is the whole limit. Only a body without one (chunked) is counted
// as it streams, as yoga does.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** yoga's default `maxRequestBodySize`. */
export const GRAPHQL_MAX_BODY_BYTES = 25_000_000;

const DIGITS = /^\d+$/;

const tooLarge = () =>
  new GraphQLError('Request body too large', { extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' } });

function counted(request: Request, limit: number, fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream }): Request {
  let bytes = 0;
  const body = request.body!.pipeThrough(
    new fetchAPI.TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        if (bytes > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, signal: request.signal, body, duplex: 'half' } as RequestInit);
}

/** Replaces yoga's limit: createYoga gets `maxRequestBodySize: false` and this plugin last (after the parsers). */
export function useBodySizeLimit(limit = GRAPHQL_MAX_BODY_BYTES): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared != null) {
        // One non-negative integer only (a comma-joined list is a smuggling attempt).
        if (!DIGITS.test(declared)) throw new GraphQLError('Content-Length header is invalid.', { extensions: { http: { status: 400 }, code: 'BAD_REQUEST' } });
        if (Number(declared) > limit) throw tooLarge();
        return;
      }
      if (requestParser == null || request.body == null) return;
      const parse = requestParser;
      setRequestParser((req) => parse(counted(req, limit, fetchAPI as never)));
    },
  };
}
