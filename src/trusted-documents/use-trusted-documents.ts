// Trusted documents on every transport. Two steps, so each transport needs only the first:
// 1. A request that names its document by id (`documentId`, the GraphQL-over-HTTP persisted documents
//    proposal, or Apollo's `extensions.persistedQuery.sha256Hash`) gets the trusted document's text in place
//    of the id (withTrustedDocument), or PERSISTED_DOCUMENT_NOT_FOUND. yoga's HTTP requests (GET, POST, SSE,
//    graphql-sse's distinct connections) do it in onRequestParseDone, before any other plugin reads the
//    query; graphql-ws (src/http/websocket.ts) and graphql-sse's single connection
//    (src/http/graphql-sse-handler.ts) call withTrustedDocument on their own payloads.
// 2. SECGRAPH_ARBITRARY_DOCUMENTS decides, once the text is parsed (envelop's parse, which every transport
//    uses), whether a document that is not trusted may run: `allow` all, `queries` all but mutations, or
//    `deny` (PERSISTED_DOCUMENT_REQUIRED).
// Not @graphql-yoga/plugin-persisted-operations: it resolves ids in onParams only (not reached by graphql-ws
// or graphql-sse's single connection, and after the SSE live join read the query), and it decides on
// arbitrary documents from the request alone, before the operation's type (mutation or not) is known.
import { Kind, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ArbitraryDocuments } from '../config.js';
import { GatewayError } from '../errors.js';
import type { TrustedDocuments } from './trusted-documents.js';

interface DocumentParams {
  query?: string | null;
  documentId?: unknown;
  extensions?: unknown;
}

/** The id a request names its document by: `documentId`, or Apollo's persistedQuery.sha256Hash; null for none. */
export function persistedIdOf(params: DocumentParams): string | null {
  if (typeof params.documentId === 'string' && params.documentId) return params.documentId;
  const pq = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery;
  return typeof pq?.sha256Hash === 'string' && pq.sha256Hash ? pq.sha256Hash : null;
}

/** `params` with the named trusted document as its query (and no documentId); as they are when they name none. */
export function withTrustedDocument<P extends DocumentParams>(store: TrustedDocuments, params: P): P {
  const id = persistedIdOf(params);
  if (id === null) return params;
  const query = store.get(id);
  if (query === undefined) throw new GatewayError('PERSISTED_DOCUMENT_NOT_FOUND', 'No trusted document has this id: it is not in the console\'s manifest, SECGRAPH_TRUSTED_DOCUMENTS or the registered operations');
  const { documentId: _id, ...rest } = params;
  return { ...rest, query } as P;
}

const hasMutation = (document: DocumentNode) =>
  document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'mutation');

/** Why a document that is not trusted may not run under `mode`, or null when it may. */
export function arbitraryRefusal(mode: ArbitraryDocuments, document: DocumentNode): GatewayError | null {
  if (mode === 'deny') {
    return new GatewayError('PERSISTED_DOCUMENT_REQUIRED', 'This gateway runs trusted documents only (SECGRAPH_ARBITRARY_DOCUMENTS=deny): send the documentId of a trusted document');
  }
  if (mode === 'queries' && hasMutation(document)) {
    return new GatewayError('PERSISTED_DOCUMENT_REQUIRED', 'Mutations must be trusted documents on this gateway (SECGRAPH_ARBITRARY_DOCUMENTS=queries): send the documentId of a trusted document');
  }
  return null;
}

export function useTrustedDocuments(store: TrustedDocuments, mode: ArbitraryDocuments): Plugin {
  return {
    onRequestParse({ request, url }) {
      return {
        onRequestParseDone({ requestParserResult, setRequestParserResult }) {
          if (Array.isArray(requestParserResult)) return;
          // yoga's GET parser keeps query, operationName, variables and extensions only.
          const documentId = request.method === 'GET' ? url.searchParams.get('documentId') : null;
          const params = documentId ? { ...requestParserResult, documentId } : requestParserResult;
          const resolved = withTrustedDocument(store, params);
          if (resolved !== requestParserResult) setRequestParserResult(resolved);
        },
      };
    },
    onParse({ params: { source } }) {
      if (mode === 'allow') return;
      const text = typeof source === 'string' ? source : source.body;
      if (store.trusts(text)) return;
      return ({ result, replaceParseResult }) => {
        if (!result || result instanceof Error) return;
        const refusal = arbitraryRefusal(mode, result);
        if (refusal) replaceParseResult(refusal);
      };
    },
  };
}
