// graphql-sse's protocol on /graphql/stream through graphql-sse's own handler (its single-connection mode:
// PUT reserves a stream, GET with the token listens, POSTs with the token carry operations, DELETE stops one;
// distinct-connections requests were handed to yoga before this plugin, see graphql-sse-distinct.ts).
//
// In place of @graphql-yoga/plugin-graphql-sse, which wires the same handler into yoga, because that
// plugin's operation hook answered the client badly, and the protocol asks otherwise:
// - a validation error (an unknown field, a refused scope, introspection off) became 400 "Unable to detect
//   operation AST": it returned `{ errors }` without `data`, which graphql-sse does not take for a result;
// - a syntax error or an operation-limit refusal became a 500 whose body was the error's text with its stack;
// - a POST's body was read whole whatever its size (yoga's body limit never runs: the handler reads it).
// Here such errors are results (`{ data: null, errors }`) delivered on the reserved stream with the
// gateway's codes, and a POST body is refused past the GraphQL body limit (413), as on /graphql.
import { getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/fetch';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import { addressOfServerContext, refusalResponse, type AuthGate } from '../security/auth-gate.js';
import type { TrustedDocuments } from '../trusted-documents/trusted-documents.js';
import { persistedIdOf, withTrustedDocument } from '../trusted-documents/use-trusted-documents.js';
import { publicResult } from './public-result.js';

/** Reads a POST body up to `limit` bytes; null when it is larger (the request is then refused with 413). */
async function boundedText(request: Request, limit: number): Promise<string | null> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const tooLarge = () =>
  new Response(JSON.stringify({ errors: [{ message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] }), {
    status: 413,
    // The rest of the body is not read: the connection cannot carry another request.
    headers: { 'content-type': 'application/json; charset=utf-8', connection: 'close' },
  });

const asResult = (e: unknown): ExecutionResult => ({ data: null, errors: [e instanceof GraphQLError ? e : new GraphQLError(String(e))] });

/**
 * graphql-sse's parser keeps query, operationName, variables and extensions only, and wants a query: a body
 * naming a trusted document by `documentId` keeps it in extensions (read back in onSubscribe), with an empty query.
 */
function keepDocumentId(text: string): string {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return text;
  }
  if (!data || typeof data !== 'object' || persistedIdOf(data) === null) return text;
  const extensions = { ...(data['extensions'] as object | undefined), ...(typeof data['documentId'] === 'string' ? { documentId: data['documentId'] } : {}) };
  return JSON.stringify({ ...data, query: typeof data['query'] === 'string' ? data['query'] : '', extensions });
}

export function useGraphQLSseHandler(endpoint: string, maxBodyBytes: number, trusted: TrustedDocuments, gate: AuthGate): Plugin {
  /** The server context (node's req/res) of each request the handler is serving, for yoga's context. */
  const serverContextOf = new WeakMap<Request, object>();
  let handler: ((request: Request) => Promise<Response>) | null = null;
  return {
    onYogaInit({ yoga }) {
      handler = createHandler(
        {
          // Masked errors read as they do over yoga's own SSE (public-result.ts).
          onNext: (_ctx, _req, result) => publicResult(result as ExecutionResult) as ExecutionResult,
          async onSubscribe(req, named) {
            const raw = req.raw as Request;
            // Every request was admitted before the handler saw it (onRequest below); yoga's context reads it back.
            if (!gate.open && !gate.admittedAs(raw)) return asResult(new GraphQLError('An API key is required', { extensions: { code: 'UNAUTHENTICATED' } }));
            let params = named;
            try {
              const documentId = (named.extensions as { documentId?: unknown } | undefined)?.documentId;
              params = withTrustedDocument(trusted, { ...named, documentId });
            } catch (e) {
              return asResult(e);
            }
            const enveloped = yoga.getEnveloped({ ...serverContextOf.get(raw), request: raw, params } as unknown as YogaInitialContext);
            let document;
            try {
              document = enveloped.parse(params.query);
            } catch (e) {
              return asResult(e);
            }
            const errors = enveloped.validate(enveloped.schema, document);
            if (errors.length > 0) return { data: null, errors };
            const contextValue = await enveloped.contextFactory();
            const args: ExecutionArgs = { schema: enveloped.schema, document, contextValue, variableValues: params.variables ?? null, operationName: params.operationName ?? null };
            const operation = getOperationAST(document, params.operationName);
            if (!operation) return asResult(new GraphQLError('Unable to detect the operation: name it with operationName', { extensions: { code: 'BAD_USER_INPUT' } }));
            return (operation.operation === 'subscription' ? enveloped.subscribe : enveloped.execute)(args) as never;
          },
        },
        yoga.fetchAPI,
      ) as unknown as (request: Request) => Promise<Response>;
    },
    onRequest({ request, url, serverContext, endResponse }) {
      if (url.pathname !== endpoint || !handler) return;
      const serve = handler;
      return (async () => {
        // Authenticated before anything else (as on /graphql, use-authenticate-first.ts): a keyless client can
        // neither reserve a stream nor have an operation read.
        const admission = gate.open ? null : await gate.admit(request.headers.get('authorization'), addressOfServerContext(serverContext));
        if (admission && !admission.principal) return endResponse(refusalResponse(admission));
        let forHandler = request;
        if (request.method === 'POST') {
          const text = await boundedText(request, maxBodyBytes);
          if (text === null) return endResponse(tooLarge());
          forHandler = new Request(request.url, { method: 'POST', headers: request.headers, body: keepDocumentId(text), signal: request.signal });
        }
        serverContextOf.set(forHandler, serverContext as object);
        if (admission) gate.remember(forHandler, admission);
        endResponse(await serve(forHandler));
      })();
    },
  };
}
