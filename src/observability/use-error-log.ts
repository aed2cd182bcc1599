// One log line per error a GraphQL result carries, sized by whose fault it is:
// - the client's (a document that does not validate, variables that do not coerce, BAD_USER_INPUT): at debug,
//   its message cut to CLIENT_MESSAGE_CHARS, no stack and no variables. Only callers with a valid credential
//   get this far (use-authenticate-first.ts), each within its rate limit; still, a client can make as many of
//   these as it likes, so at the default level they cost no disk (issue 28: a keyless bad variable wrote a
//   1.35 KB line with a stack, at error level);
// - the gateway's other typed refusals (NOT_FOUND, FORBIDDEN, RATE_LIMITED, …): at info, message bounded too;
// - upstream failures were logged where they arose, with the upstream's status: nothing here;
// - anything else is a bug: masked for the client, logged in full here (stack included), at error.
import { useErrorHandler, type Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { isGatewayError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';

/** Longest message a client error's log line carries (a validation message can quote the client's document). */
export const CLIENT_MESSAGE_CHARS = 200;

const CLIENT_CODES: ReadonlySet<string> = new Set<ErrorCode | 'GRAPHQL_VALIDATION_FAILED' | 'GRAPHQL_PARSE_FAILED'>(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']);

const clip = (message: string) => (message.length > CLIENT_MESSAGE_CHARS ? `${message.slice(0, CLIENT_MESSAGE_CHARS)}…` : message);

/** graphql-js's own errors (validation, variable coercion) by name, as yoga tells them: its copies may be two modules (ESM and CJS). */
const isGraphQLError = (e: unknown): e is Error => e instanceof Error && e.name === 'GraphQLError';

export function useErrorLog(logger: Logger): Plugin {
  return useErrorHandler(({ errors, context }) => {
    const log = (context as Partial<Context> | undefined)?.logger ?? logger;
    for (const e of errors) {
      const original = 'originalError' in e ? e.originalError : undefined;
      const path = 'path' in e ? e.path : undefined;
      const typed = isGatewayError(original) ? original : isGatewayError(e) ? e : null;
      const code = typed?.code ?? ((e as { extensions?: { code?: unknown } }).extensions?.code as string | undefined);
      if (typed?.code.startsWith('UPSTREAM_')) continue;
      if ((code !== undefined && CLIENT_CODES.has(code)) || (!typed && isGraphQLError(e) && (!original || isGraphQLError(original)))) {
        log.debug({ code: code ?? (original ? 'BAD_USER_INPUT' : 'GRAPHQL_VALIDATION_FAILED'), path }, clip(e.message));
      } else if (typed) {
        log.info({ code: typed.code, path }, clip(typed.message));
      } else if (original) {
        log.error({ err: original, path }, 'unexpected error in resolver');
      }
    }
  });
}
