// A subscription outlives the request that started it; the identity provider's token it was started with does
// not. graphql-ws closes its socket with 4401 when the token expires (src/http/websocket.ts). SSE has no close
// code, so a stream started with a token ends the way a dropped subscriber's does (bounded-subscription.ts):
// what was already queued, then one final result with an UNAUTHENTICATED error, then the end. The client
// renews its token and subscribes again with `after` set to the last event id it received, missing nothing.
// API keys carry no expiry: their streams are untouched.
//
// Two places apply it: members of a shared execution (shared-member.ts, whose SSE writer must keep seeing the
// member itself), and every other subscription through useCredentialExpiry below.
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { GatewayError } from '../errors.js';

/** setTimeout's longest delay (about 24.8 days); a later expiry is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function credentialExpiredError(): GatewayError {
  return new GatewayError(
    'UNAUTHENTICATED',
    'The token this subscription was started with has expired: renew it and subscribe again, with `after` set to the id of the last event received to continue.',
  );
}

/** Calls `fire` once at `expiresAt` (epoch ms; at once if past). Returns the cancel. The timer keeps no process alive. */
export function atExpiry(expiresAt: number, fire: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) return fire();
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}

/**
 * `source`, ended at `expiresAt` with credentialExpiredError as its last result. A result already being waited
 * for when the token expires is abandoned (the source is returned), so the stream ends even if nothing else
 * is ever published.
 */
export function endingAtExpiry(source: AsyncIterable<ExecutionResult>, expiresAt: number): AsyncIterableIterator<ExecutionResult> {
  const inner = source[Symbol.asyncIterator]();
  let expired = false;
  let finished = false;
  let wake: (() => void) | null = null;
  const cancel = atExpiry(expiresAt, () => {
    expired = true;
    wake?.();
  });
  const finish = async (): Promise<IteratorResult<ExecutionResult>> => {
    finished = true;
    cancel();
    await inner.return?.();
    return { done: true, value: undefined };
  };
  const it: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      if (finished) return { done: true, value: undefined };
      if (expired) {
        await finish();
        return { done: false, value: { errors: [credentialExpiredError()] } };
      }
      const expiry = new Promise<'expired'>((resolve) => (wake = () => resolve('expired')));
      const winner = await Promise.race([inner.next(), expiry]);
      wake = null;
      if (winner === 'expired') return it.next();
      if (winner.done) {
        finished = true;
        cancel();
      }
      return winner;
    },
    return: finish,
    async throw(e) {
      cancel();
      finished = true;
      if (inner.throw) return inner.throw(e);
      throw e;
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

const isAsyncIterable = (v: unknown): v is AsyncIterable<ExecutionResult> => typeof v === 'object' && v !== null && Symbol.asyncIterator in v;

/**
 * Ends every subscription started with an expiring credential at its expiry. `isShared` recognises the shared
 * members, which end themselves (their transports' writers look for the member object, so it is not wrapped).
 */
export function useCredentialExpiry(isShared: (result: unknown) => boolean): Plugin {
  return {
    onSubscribe({ args }) {
      // The context's credentialExpiresAt (src/context.ts).
      const expiresAt = (args.contextValue as { credentialExpiresAt?: number | null }).credentialExpiresAt;
      if (expiresAt === null || expiresAt === undefined) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result) && !isShared(result)) setResult(endingAtExpiry(result, expiresAt));
        },
      };
    },
  };
}
