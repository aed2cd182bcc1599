// The got instance every connector starts from: per-request timeout, retries of idempotent calls on
// 429/502/503/504 and network errors with capped exponential backoff, and Retry-After honoured (up to the
// cap; a longer wait fails fast as UPSTREAM_RATE_LIMITED instead of holding the client).
// POST is retried only when the request provably never reached the server (connection refused, DNS).
import got, { type Got, type Hooks } from 'got';
import type { UpstreamHttpConfig } from '../config.js';
import { registerSecret, type Logger } from '../logger.js';
import { currentScope } from '../request-scope.js';
import { describeProxy, proxyFor, transportOptions } from './transport.js';

/** Network errors after which a request may be sent again. */
const RETRYABLE_ERROR_CODES = [
  'ETIMEDOUT',
  'ECONNRESET',
  'EADDRINUSE',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'ENETUNREACH',
  'EAI_AGAIN',
];

/** Errors that prove the request never left this process, so even a POST is safe to send again. */
const NEVER_SENT_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH']);

export interface UpstreamHttpOptions {
  /** Name used in logs and error messages, e.g. "SaaS Security". */
  upstream: string;
  prefixUrl: string;
  http: UpstreamHttpConfig;
  logger: Logger;
  hooks?: Partial<Hooks>;
  headers?: Record<string, string>;
  /** Told of every retry (metrics). */
  onRetry?: (upstream: string) => void;
}

export function createUpstreamHttp(opts: UpstreamHttpOptions): Got {
  const { http, logger, upstream } = opts;
  const proxy = http.transport ? proxyFor(new URL(opts.prefixUrl), http.transport) : null;
  // A proxy's password is a secret like any other: scrubbed from every log line and error.
  if (proxy) registerSecret(decodeURIComponent(new URL(proxy).password) || null);
  if (proxy) logger.info({ upstream, proxy: describeProxy(proxy) }, `${upstream}: connecting through a proxy`);
  return got.extend({
    prefixUrl: opts.prefixUrl,
    // Proxy agents and TLS trust (transport.ts).
    ...transportOptions(opts.prefixUrl, http.transport),
    headers: opts.headers ?? {},
    timeout: { request: http.timeoutMs },
    // A request made for a client operation is aborted, retries included, when that operation's deadline passes.
    handlers: [
      (options, next) => {
        const deadline = currentScope()?.deadline;
        if (deadline && !options.signal) options.signal = deadline;
        return next(options);
      },
    ],
    retry: {
      limit: http.retryLimit,
      methods: ['GET', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'POST', 'PATCH'],
      statusCodes: [429, 502, 503, 504],
      errorCodes: RETRYABLE_ERROR_CODES,
      maxRetryAfter: http.maxRetryDelayMs,
      backoffLimit: http.maxRetryDelayMs,
      calculateDelay: ({ attemptCount, error, retryAfter, computedValue }) => {
        if (computedValue === 0 || error.options.signal?.aborted) return 0;
        const method = error.options.method;
        const mayResend = !['POST', 'PATCH'].includes(method) || NEVER_SENT_ERROR_CODES.has(error.code);
        if (!mayResend) return 0;
        // got already turned a Retry-After within the cap into computedValue.
        if (retryAfter !== undefined) return computedValue;
        const exp = http.retryBaseDelayMs * 2 ** (attemptCount - 1);
        return Math.min(exp, http.maxRetryDelayMs) + Math.random() * http.retryBaseDelayMs * 0.1;
      },
    },
    hooks: {
      ...opts.hooks,
      beforeRetry: [
        (error, retryCount) => {
          logger.warn(
            {
              upstream,
              method: error.options.method,
              path: error.options.url instanceof URL ? error.options.url.pathname : undefined,
              status: error.response?.statusCode,
              code: error.code,
              retry: retryCount,
            },
            `${upstream}: retrying request`,
          );
          opts.onRetry?.(upstream);
        },
        ...(opts.hooks?.beforeRetry ?? []),
      ],
    },
  });
}
