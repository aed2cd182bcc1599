// Per-operation guards that need the authenticated context: the per-key operation budget, and the
// whole-request deadline that bounds every upstream call and retry a query or mutation makes (subscriptions
// live on, so they get no deadline). Authentication and its failure throttle came before the document was
// read, on every transport (src/security/auth-gate.ts).
import type { Plugin } from 'graphql-yoga';
import type { SecurityConfig } from '../config.js';
import type { Context } from '../context.js';
import { GatewayError } from '../errors.js';
import { currentScope, runInScope, scopeWithDeadline } from '../request-scope.js';
import type { RateLimits } from './rate-limits.js';

export interface GuardDeps {
  limits: RateLimits;
  security: SecurityConfig;
}

/** What the guards read of an operation's context (a subscription joining a shared one has only these). */
export type GuardedContext = Pick<Context, 'principal' | 'authFailure' | 'clientAddress' | 'logger'>;

/** The refusal for this operation's context, or null to let it run. */
export async function guardRefusal(ctx: GuardedContext, limits: RateLimits): Promise<GatewayError | null> {
  if (ctx.principal && ctx.principal.kind !== 'OPEN') {
    const wait = await limits.takeOperation(ctx.principal.id);
    if (wait !== null) {
      ctx.logger.info({ retryAfter: wait }, 'operation refused: rate limit of the caller reached');
      return new GatewayError('RATE_LIMITED', `Rate limit reached for this ${ctx.principal.kind === 'USER' ? 'user' : 'API key'} (SECGRAPH_RATE_LIMIT_PER_MINUTE); retry in ${wait} s`, { retryAfter: wait });
    }
  }
  return null;
}

/** An open gateway (no API keys, loopback only) has nothing to count: no promise to wait for. */
const nothingToGuard = (ctx: Context) => !ctx.principal || ctx.principal.kind === 'OPEN';

export function useRequestGuards({ limits, security }: GuardDeps): Plugin<any> {
  return {
    onExecute({ args, executeFn, setExecuteFn, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context;
      const run = () => {
        const scope = scopeWithDeadline(currentScope()?.requestId ?? ctx.requestId, security.requestDeadlineMs);
        setExecuteFn((a) => runInScope(scope, () => executeFn(a)));
      };
      if (nothingToGuard(ctx)) return run();
      return guardRefusal(ctx, limits).then((refusal) => (refusal ? setResultAndStopExecution({ errors: [refusal] }) : run()));
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = await guardRefusal(args.contextValue as Context, limits);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };
}
