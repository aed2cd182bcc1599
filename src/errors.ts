// The error codes a client can see. Every failure that reaches a GraphQL response is a GatewayError with
// one of these stable `extensions.code` values; anything else is masked by yoga as an internal error.
import { GraphQLError } from 'graphql';
import { scrub } from './logger.js';

export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_RATE_LIMITED',
  'UPSTREAM_REJECTED',
  'NOT_CONFIGURED',
  'SUBSCRIPTION_OVERFLOW',
  'TIMEOUT',
  'RATE_LIMITED',
  'UPSTREAM_TIMEOUT',
  'CSRF_REJECTED',
  /** SECGRAPH_ARBITRARY_DOCUMENTS refuses this document: send a trusted document's id. */
  'PERSISTED_DOCUMENT_REQUIRED',
  /** The documentId (or Apollo sha256Hash) names no trusted document. */
  'PERSISTED_DOCUMENT_NOT_FOUND',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, RATE_LIMITED: 429 };

export interface GatewayErrorDetails {
  /** Which upstream failed, for UPSTREAM_* codes. */
  upstream?: string;
  /** The upstream HTTP status, when there was one. */
  upstreamStatus?: number;
  /** Seconds the upstream asked us to wait (429). */
  retryAfter?: number;
  /** The argument that was rejected, for BAD_USER_INPUT. */
  argument?: string;
}

// Keeps GraphQLError's name: yoga recognises client-safe errors by `name === 'GraphQLError'` and masks anything else.
export class GatewayError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    details: GatewayErrorDetails = {},
  ) {
    const status = HTTP_STATUS[code];
    // A client told to slow down also gets the standard Retry-After header; one without a valid credential the
    // challenge (RFC 6750 §3) saying which scheme to authenticate with.
    const headers: Record<string, string> | undefined =
      code === 'RATE_LIMITED' && details.retryAfter !== undefined ? { 'retry-after': String(details.retryAfter) }
      : code === 'UNAUTHENTICATED' ? { 'www-authenticate': 'Bearer' }
      : undefined;
    super(scrub(message), {
      extensions: { code, ...details, ...(status ? { http: { status, ...(headers ? { headers } : {}) } } : {}) },
    });
  }
}

export const badInput = (message: string, argument?: string) =>
  new GatewayError('BAD_USER_INPUT', message, argument ? { argument } : {});
export const notFound = (message: string) => new GatewayError('NOT_FOUND', message);
export const notConfigured = (what: string) =>
  new GatewayError('NOT_CONFIGURED', `${what} is not configured on this gateway`);

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}

export function errorCodeOf(e: unknown): ErrorCode | undefined {
  return isGatewayError(e) ? e.code : undefined;
}
