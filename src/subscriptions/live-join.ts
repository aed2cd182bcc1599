// A subscription request joining a live shared execution without yoga's envelop (shared-execution.ts
// joinLive), the same way for graphql-ws (src/http/websocket.ts) and SSE (src/http/sse-live-join.ts).
// The request key (scopes, operation name, query text, variables) holds everything parsing, validation,
// the operation limits and scope checks depend on, so their outcome is the live execution's. What the
// envelop does per operation and not per document is done here: the per-key rate limit and failed-auth
// throttling (guardRefusal, with its refusal as the same single result) and the subscription metrics.
import type { DocumentNode, ExecutionResult } from 'graphql';
import type { Principal } from '../auth.js';
import type { Logger } from '../logger.js';
import { lazyChild } from '../logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RateLimits } from '../security/rate-limits.js';
import { guardRefusal } from '../security/use-request-guards.js';
import { requestKey, type SharedSubscriptions } from './shared-execution.js';
import type { DirectSink, SharedMember } from './shared-member.js';

export interface LiveJoinDeps {
  shared: SharedSubscriptions;
  limits: RateLimits;
  metrics: GatewayMetrics;
  logger: Logger;
}

export interface LiveJoinRequest {
  principal: Principal;
  clientAddress: string;
  operationName: string | null | undefined;
  query: string;
  variables: unknown;
  /** The transport's writer, when it has one now (SSE attaches its own at response time). */
  sink: DirectSink | null;
  /** The HTTP request (SSE): the shared-SSE writer finds the member by it. */
  request?: object;
  /** When the joiner's token expires (epoch ms); absent for keys. */
  expiresAt?: number;
}

/** What the transport answers with: the member to stream, or the refusal as a single result. */
export interface LiveJoined {
  document: DocumentNode;
  result: SharedMember | ExecutionResult;
}

/** The request key of a subscription request, for joinLive and for the envelop's REQUEST_KEY. */
export const keyOf = (r: Pick<LiveJoinRequest, 'principal' | 'operationName' | 'query' | 'variables'>): string =>
  requestKey(r.principal.scopes, r.operationName, r.query, r.variables);

/** Joins the live execution equal to this request, or null when none is (the envelop then handles it). */
export async function joinLiveSubscription({ shared, limits, metrics, logger }: LiveJoinDeps, r: LiveJoinRequest): Promise<LiveJoined | null> {
  const key = keyOf(r);
  const document = shared.liveDocument(key);
  if (!document) return null;
  const principalId = r.principal.id;
  const refusal = await guardRefusal({ principal: r.principal, authFailure: null, clientAddress: r.clientAddress, logger: lazyChild(logger, { principal: principalId }) }, limits);
  const ended = metrics.subscriptionJoined(r.operationName);
  if (refusal) {
    ended();
    return { document, result: { errors: [refusal] } };
  }
  const member = shared.joinLive(key, {
    sink: r.sink,
    request: r.request,
    onDrop: (reason, field) => logger.warn({ principal: principalId, reason, shared: true }, `${field} subscription ended`),
    onLeave: ended,
    expiresAt: r.expiresAt,
  });
  if (!member) {
    // It ended while the rate limit was read: the envelop starts a new one (and counts the operation again).
    ended();
    return null;
  }
  return { document, result: member };
}
