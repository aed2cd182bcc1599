// Translates what got throws into the gateway's typed errors (upstream-guard.ts logs them, one line each).
// Bodies and headers of upstream responses are never copied whole into a message: they may echo tokens.
import { HTTPError, ParseError, RequestError, TimeoutError } from 'got';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';

const MAX_DETAIL = 200;

/** A short human reason from an upstream error body (`message`, `error_description`, `error`, `detail`). */
function upstreamReason(body: unknown): string | undefined {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() ? body.trim().slice(0, MAX_DETAIL) : undefined;
    }
  }
  if (parsed && typeof parsed === 'object') {
    const o = parsed as Record<string, unknown>;
    for (const k of ['message', 'error_description', 'error', 'detail', 'title']) {
      if (typeof o[k] === 'string' && o[k]) return (o[k] as string).slice(0, MAX_DETAIL);
    }
  }
  return undefined;
}

function retryAfterSeconds(header: string | string[] | undefined): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return n;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

export function toGatewayError(upstream: string, error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof HTTPError) {
    const status = error.response.statusCode;
    // Only a forward proxy answers 407 (to an http:// upstream requested in absolute form through it): the
    // upstream was never reached, as when the proxy refuses a CONNECT tunnel (a RequestError below).
    if (status === 407) {
      return new GatewayError('UPSTREAM_UNAVAILABLE', `${upstream} could not be reached: the proxy refused its credentials (HTTP 407)`, { upstream, upstreamStatus: status });
    }
    const reason = upstreamReason(error.response.body);
    const text = `${upstream} answered HTTP ${status}${reason ? `: ${reason}` : ''}`;
    if (status === 429) {
      const retryAfter = retryAfterSeconds(error.response.headers['retry-after']);
      return new GatewayError('UPSTREAM_RATE_LIMITED', text, { upstream, upstreamStatus: status, ...(retryAfter !== undefined ? { retryAfter } : {}) });
    }
    if (status >= 500) return new GatewayError('UPSTREAM_UNAVAILABLE', text, { upstream, upstreamStatus: status });
    if (status === 404) return new GatewayError('NOT_FOUND', text, { upstream, upstreamStatus: status });
    return new GatewayError('UPSTREAM_REJECTED', text, { upstream, upstreamStatus: status });
  }
  if (error instanceof TimeoutError) {
    return new GatewayError('UPSTREAM_UNAVAILABLE', `${upstream} did not answer in time (${error.event} timeout)`, { upstream });
  }
  if (error instanceof ParseError) {
    return new GatewayError('UPSTREAM_UNAVAILABLE', `${upstream} sent a response that is not valid JSON`, { upstream });
  }
  if (error instanceof RequestError) {
    return new GatewayError('UPSTREAM_UNAVAILABLE', `${upstream} could not be reached (${error.code ?? 'network error'})`, { upstream });
  }
  if (error instanceof SyntaxError) {
    return new GatewayError('UPSTREAM_UNAVAILABLE', `${upstream} sent a response that is not valid JSON`, { upstream });
  }
  return new GatewayError('UPSTREAM_UNAVAILABLE', `${upstream} call failed`, { upstream });
}
