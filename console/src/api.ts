// How the console talks to the gateway: the signed-in user's access token (sign-in.ts) or the API key (both in
// sessionStorage only: never the URL, never a cookie), the urql client for queries and mutations (POST with a
// JSON body: same origin, CSRF-safe) and one graphql-ws client for the live streams, each of which
// resubscribes by itself after a drop (with `after`: nothing is lost).
import { Client, fetchExchange, makeOperation, mapExchange, stringifyDocument, type AnyVariables, type CombinedError, type DocumentInput, type TypedDocumentNode } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient, type ExecutionResult } from 'graphql-ws';
import { accessToken, onRenewed } from './sign-in.js';

const KEY = 'secgraph.apiKey';

export const keyStore = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

const authHeader = (): Record<string, string> => {
  const credential = accessToken() ?? keyStore.get();
  return credential ? { authorization: `Bearer ${credential}` } : {};
};

export const graphqlUrl = new URL('/graphql', location.href).toString();

/** A document's trusted-document id (`sha256:<hex>`, set by codegen in `__meta__.hash`); null for none. */
function documentIdOf(doc: DocumentInput<unknown, AnyVariables>): string | null {
  const hash = (doc as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  return typeof hash === 'string' ? hash : null;
}

/**
 * The console's documents go by id (the GraphQL-over-HTTP persisted documents proposal): the gateway serving
 * this build trusts them from the manifest its build wrote, so a deployment may refuse every other document
 * (SECGRAPH_ARBITRARY_DOCUMENTS). urql sends `documentId` for a document that has one and no definitions.
 */
const byDocumentId = mapExchange({
  onOperation(operation) {
    const documentId = documentIdOf(operation.query);
    if (!documentId) return operation;
    const query = { kind: 'Document', definitions: [], documentId } as unknown as typeof operation.query;
    return makeOperation(operation.kind, { ...operation, query }, operation.context);
  },
});

export const client = new Client({
  url: graphqlUrl,
  exchanges: [byDocumentId, fetchExchange],
  preferGetMethod: false,
  requestPolicy: 'network-only',
  // JSON POSTs are never "simple" requests; the header also satisfies yoga's CSRF prevention should it ask for one.
  fetchOptions: () => ({ headers: { ...authHeader(), 'x-graphql-yoga-csrf': 'secgraph-console' }, credentials: 'same-origin' }),
});

let ws: WsClient | null = null;
let socketOpen = false;
function wsClient(): WsClient {
  if (ws) return ws;
  ws = createWsClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    connectionParams: () => authHeader(),
    lazy: true,
    // Reconnection is done per stream (below), so that each resumes with fresh variables (e.g. `after`).
    retryAttempts: 0,
    keepAlive: 0,
  });
  ws.on('connected', () => (socketOpen = true));
  ws.on('closed', () => (socketOpen = false));
  return ws;
}

// A renewed token: the socket authenticated by the old one is ended now (before the gateway closes it at the
// old token's expiry); every live stream sees the drop and resubscribes, with `after`, on a socket that
// carries the new token. Not dispose(): that would complete the streams instead of resubscribing them.
onRenewed(() => ws?.terminate());

/** Forget the socket (its connectionParams carry the key): the next stream opens a new one. */
export function resetConnections(): void {
  void ws?.dispose();
  ws = null;
  socketOpen = false;
}

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

export interface StreamHandlers<T> {
  data(result: T): void;
  /** A GraphQL error in the stream (the subscription has ended); return true to resubscribe. */
  error?(errors: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>): boolean;
  status?(s: StreamStatus): void;
  /** The server ended the stream on purpose (e.g. a remediation finished): do not resubscribe. */
  complete?(): void;
  /** Called before every (re)subscription after the first: re-read what the stream cannot replay. */
  resync?(): Promise<void> | void;
}

/** A subscription that lives until disposed (or, with `complete`, until the server completes it): after a
 * dropped socket it waits (1 s doubling to 15 s) and subscribes again with `variables()` evaluated afresh. */
export function liveStream<T, V extends AnyVariables>(doc: TypedDocumentNode<T, V>, variables: () => V, h: StreamHandlers<T>): () => void {
  let stopped = false;
  let dispose: (() => void) | null = null;
  let offConnected: (() => void) | null = null;
  let delay = 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // By id when it has one (graphql-ws wants a query string: an empty one beside the id).
  const documentId = documentIdOf(doc);
  const query = documentId ? '' : stringifyDocument(doc);
  const retry = () => {
    if (stopped) return;
    h.status?.('reconnecting');
    timer = setTimeout(() => void start(true), delay);
    delay = Math.min(delay * 2, 15_000);
  };
  const start = async (again: boolean) => {
    if (stopped) return;
    if (again && h.resync) await Promise.resolve(h.resync()).catch(() => undefined);
    if (stopped) return;
    h.status?.(again ? 'reconnecting' : 'connecting');
    let ended = false;
    offConnected?.();
    // The socket is up (and the server has accepted its connectionParams): the stream is live.
    offConnected = wsClient().on('connected', () => h.status?.('live'));
    if (socketOpen) h.status?.('live');
    dispose = wsClient().subscribe<T>(
      { query, ...(documentId ? { documentId } : {}), variables: variables() as Record<string, unknown> },
      {
        next: (r: ExecutionResult<T>) => {
          delay = 1000;
          h.status?.('live');
          if (r.errors?.length) {
            ended = true;
            if (h.error ? h.error(r.errors as never) : true) retry();
          } else if (r.data) h.data(r.data);
        },
        error: () => {
          if (!ended) retry();
        },
        complete: () => {
          if (ended || stopped) return;
          if (h.complete) h.complete();
          else retry();
        },
      },
    );
  };
  void start(false);
  return () => {
    stopped = true;
    clearTimeout(timer);
    offConnected?.();
    dispose?.();
  };
}

/** The first error's message with its code, for the user. */
export function describeError(error: CombinedError | undefined): string | null {
  if (!error) return null;
  const g = error.graphQLErrors[0];
  if (g) {
    const code = g.extensions?.['code'];
    return code ? `${g.message} (${String(code)})` : g.message;
  }
  return error.networkError ? `The gateway cannot be reached: ${error.networkError.message}` : error.message;
}

export const errorCode = (error: CombinedError | undefined): string | undefined => {
  const code = error?.graphQLErrors[0]?.extensions?.['code'];
  return typeof code === 'string' ? code : undefined;
};
