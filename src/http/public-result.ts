// What a client sees of a result. yoga leaves out its internal error extensions (`http`, the status it
// maps to, and `unexpected`, set on masked errors) when it writes HTTP and SSE responses; graphql-ws and
// graphql-sse's own handler write results themselves, so they pass them through here first, and a masked
// error reads the same on every transport.
import type { ExecutionResult, FormattedExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';

const INTERNAL = ['http', 'unexpected'];

function publicError(error: GraphQLError | GraphQLFormattedError): GraphQLFormattedError {
  const formatted = 'toJSON' in error && typeof error.toJSON === 'function' ? error.toJSON() : (error as GraphQLFormattedError);
  const extensions = formatted.extensions;
  if (!extensions || !INTERNAL.some((k) => k in extensions)) return formatted;
  const kept = Object.fromEntries(Object.entries(extensions).filter(([k]) => !INTERNAL.includes(k)));
  const { extensions: _dropped, ...rest } = formatted;
  return Object.keys(kept).length ? { ...rest, extensions: kept } : rest;
}

/** The result without internal extensions; results without errors are returned as they are. */
export function publicResult<R extends ExecutionResult>(result: R): R | FormattedExecutionResult {
  const { http: _http, ...extensions } = result.extensions ?? {};
  const hasHttp = result.extensions !== undefined && 'http' in result.extensions;
  if (!result.errors?.length && !hasHttp) return result;
  const { errors, extensions: _all, ...rest } = result;
  return {
    ...rest,
    ...(errors ? { errors: errors.map(publicError) } : {}),
    ...(Object.keys(extensions).length ? { extensions } : {}),
  };
}
