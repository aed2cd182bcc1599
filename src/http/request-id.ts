// x-request-id: a client's id is kept (when it is a sane token), otherwise one is made; either way it is
// echoed on the response and carried on every log line of the request (see logger.ts and request-scope.ts).
import type { Plugin } from 'graphql-yoga';
import { requestIdFrom } from '../request-scope.js';

const ids = new WeakMap<Request, string>();

export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (!id) {
    id = requestIdFrom(request.headers.get('x-request-id'));
    ids.set(request, id);
  }
  return id;
}

export function useRequestId(): Plugin {
  return {
    onRequest({ request }) {
      requestIdOf(request);
    },
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdOf(request));
    },
  };
}
