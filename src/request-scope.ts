// What every piece of code running for one request can know without being handed it: the request id (for
// log lines) and the request's deadline signal (for upstream calls). AsyncLocalStorage carries it through
// resolvers, DataLoader batches and connector calls; background jobs run outside any scope.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface RequestScope {
  requestId: string;
  /** Aborts when the request's deadline (SECGRAPH_REQUEST_DEADLINE_MS) passes; absent outside operations. */
  deadline?: AbortSignal;
}

const storage = new AsyncLocalStorage<RequestScope>();

export const currentScope = (): RequestScope | undefined => storage.getStore();

export function runInScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** A client's x-request-id when it is a sane token (letters, digits, `._:-`, at most 128), else a new UUID. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && /^[\w.:-]{1,128}$/.test(header) ? header : randomUUID();
}
