// What every piece of code running for one request can know without being handed it: the request id (for
// log lines) and the request's deadline signal (for upstream calls). AsyncLocalStorage carries it through
// resolvers, DataLoader batches and connector calls; background jobs run outside any scope.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';

export interface RequestScope {
  requestId: string;
  /** Aborts when the request's deadline (SECGRAPH_REQUEST_DEADLINE_MS) passes; absent outside operations. */
  deadline?: AbortSignal;
}

const storage = new AsyncLocalStorage<RequestScope>();

export const currentScope = (): RequestScope | undefined => storage.getStore();

/**
 * A scope whose deadline signal passes `ms` after this call. The signal is made on first use: a cached read
 * makes no upstream call, and an AbortSignal.timeout per operation was about 8% of such a read's CPU. Made
 * later, it still aborts at the same moment (the time already spent is taken off).
 */
export function scopeWithDeadline(requestId: string, ms: number): RequestScope {
  const startedAt = performance.now();
  let signal: AbortSignal | undefined;
  return {
    requestId,
    get deadline(): AbortSignal {
      if (!signal) {
        const left = Math.ceil(ms - (performance.now() - startedAt));
        signal = left > 0 ? AbortSignal.timeout(left) : AbortSignal.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
        // Every upstream request of the operation listens on this one signal, and a query fanning out (a page
        // of incidents with their owners, apps and STA joins) runs more than Node's default of 10 at once.
        setMaxListeners(1000, signal);
      }
      return signal;
    },
  };
}

export function runInScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** A client's x-request-id when it is a sane token (letters, digits, `._:-`, at most 128), else a new UUID. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && /^[\w.:-]{1,128}$/.test(header) ? header : randomUUID();
}
