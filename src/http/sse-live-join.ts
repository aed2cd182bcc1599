// SSE subscriptions (on /graphql, and graphql-sse's distinct-connections mode on /graphql/stream, which yoga
// serves the same way) equal to a live shared one join it without the envelop
// (src/subscriptions/live-join.ts). yoga's onParams hook runs once the request passed every HTTP rule
// (Host, CORS, CSRF, body size) and was parsed, and before any envelop is built: a joiner's result is set
// there, and the shared-SSE writer (shared-sse.ts) streams it as it streams every shared member. Requests
// that do not join get their request key on their context, so the execution they start or join is found by
// the next equal request.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { AuthGate } from '../security/auth-gate.js';
import { joinLiveSubscription, keyOf, type LiveJoinDeps } from '../subscriptions/live-join.js';
import { REQUEST_KEY } from '../subscriptions/shared-execution.js';
import { wantsEventStream } from './shared-sse.js';

export function useSseLiveJoin(deps: LiveJoinDeps & { gate: AuthGate }): Plugin {
  return {
    async onParams({ request, params, context, setResult }) {
      if (typeof params.query !== 'string' || !wantsEventStream(request)) return;
      // Only where the shared-SSE writer streams (node:http), as for every shared member.
      const { req, res } = context as { req?: IncomingMessage; res?: unknown };
      if (!(res instanceof ServerResponse)) return;
      // What the request was admitted as before it was parsed (use-authenticate-first.ts), as the envelop's context reads it.
      const auth = deps.gate.admittedAs(request) ?? (await deps.gate.authenticator.authenticate(request.headers.get('authorization') ?? undefined));
      if (!auth.principal) return;
      const joining = { principal: auth.principal, clientAddress: req?.socket.remoteAddress ?? 'unknown', operationName: params.operationName, query: params.query, variables: params.variables };
      const joined = await joinLiveSubscription(deps, { ...joining, sink: null, request, expiresAt: auth.expiresAt });
      if (joined) {
        setResult(joined.result);
        // whatwg-node reads the body with a 'data' listener it never removes; on a stream that stays open
        // for hours it keeps the whole fetch Request (headers, body chunks, parsed JSON) alive: about 2 KB
        // per subscriber. The body was read to its end (yoga parsed it), so no 'data' event can follow.
        if (req?.complete) req.removeAllListeners('data');
      }
      else (context as { [REQUEST_KEY]?: string })[REQUEST_KEY] = keyOf(joining);
    },
  };
}
