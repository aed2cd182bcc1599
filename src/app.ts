// Builds the yoga app from its dependencies. No ports here: tests call `yoga.fetch` directly, and
// server.ts hands the same app to node:http and graphql-ws.
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { AuthResult } from './auth.js';
import type { Authenticator } from './identity/authenticator.js';
import type { Config } from './config.js';
import { CONSOLE_DIST, useConsole } from './console-route.js';
import { createContext, type Context, type Services } from './context.js';
import { EXAMPLE_TABS, OPEN_INCIDENTS } from './graphiql-examples.js';
import { localGraphiQLRenderer, useGraphiQLAssets } from './graphiql.js';
import { corsOptions, useBrowserCsrfPrevention, useStreamCsrfGuard } from './http/browser-rules.js';
import { requestIdOf, useRequestId } from './http/request-id.js';
import { useSharedSse } from './http/shared-sse.js';
import { useSseLiveJoin } from './http/sse-live-join.js';
import { GRAPHQL_MAX_BODY_BYTES, useBodySizeLimit } from './http/body-size-limit.js';
import { useGraphQLSseHandler } from './http/graphql-sse-handler.js';
import { useReadiness } from './http/readiness.js';
import { useDistinctStreamsOnYoga, isDistinctStreamRequest } from './http/graphql-sse-distinct.js';
import { useAuditJsonl } from './audit/audit-jsonl-http.js';
import { useCloudTrailIngest } from './ingest/cloudtrail-http.js';
import { executeThroughYoga } from './mcp/execute.js';
import { useMcp } from './mcp/route.js';
import { useErrorLog } from './observability/use-error-log.js';
import { requestIdFrom } from './request-scope.js';
import { schema } from './schema/index.js';
import { useOperationLimits } from './security/operation-limits.js';
import { createRateLimits, type RateLimits } from './security/rate-limits.js';
import { useRequestGuards } from './security/use-request-guards.js';
import { AuthGate } from './security/auth-gate.js';
import { useAuthenticateFirst } from './security/use-authenticate-first.js';
import { useCredentialExpiry } from './identity/credential-expiry.js';
import { isSharedMember } from './subscriptions/shared-member.js';
import { useTrustedDocuments } from './trusted-documents/use-trusted-documents.js';
import { sharedSubscriptions, type SharedSubscriptions } from './subscriptions/shared-execution.js';
import type { ServerContext } from './http/server-context.js';

export type { ServerContext } from './http/server-context.js';

/** graphql-sse (single-connection and distinct-connections modes). */
export const GRAPHQL_SSE_PATH = '/graphql/stream';

export type GatewayYoga = YogaServerInstance<ServerContext, Context>;

export interface AppDeps {
  services: Services;
  /** Default: the services' own (services.authenticator). */
  authenticator?: Authenticator;
  /** Rate limits shared with the WebSocket server; in-memory ones when not given (in-process tests). */
  limits?: RateLimits;
  /** Authentication under the failure throttle, shared with the WebSocket server; made here when not given. */
  gate?: AuthGate;
  /** Shared subscription executions, which the WebSocket server joins too; made here when not given. */
  shared?: SharedSubscriptions;
  /** graphql-jit's plugins (loadCompiledQueries); queries run on graphql-js when not given. */
  compiledQueries?: Plugin[];
}

/**
 * graphql-jit's plugins when SECGRAPH_GRAPHQL_JIT is on, else none. Imported only then: graphql-jit brings
 * ajv and fast-json-stringify, about 0.07 s of every start otherwise (issue 12).
 */
export async function loadCompiledQueries(config: Config): Promise<Plugin[]> {
  return config.graphqlJit ? (await import('./graphql-jit.js')).useCompiledQueries() : [];
}

/** The live subscription fields that identical subscribers share (see shared-execution.ts). */
export function createSharedSubscriptions(services: Services): SharedSubscriptions {
  return sharedSubscriptions(services.config.incidentFetch.subscriberBuffer, ['incidentEvents', 'samlDetectionEvents', 'staAlertEvents']);
}


export function createApp({ services, authenticator = services.authenticator, limits, gate: given, shared = createSharedSubscriptions(services), compiledQueries = [] }: AppDeps): GatewayYoga {
  const { logger } = services;
  const { security } = services.config;
  const rateLimits = limits ?? createRateLimits(security, null);
  // Every route authenticates through it, under the failed-authentication throttle (src/security/auth-gate.ts).
  const gate = given ?? new AuthGate(authenticator, rateLimits, logger);
  const sandboxLabel = services.sandboxes.length ? ` (SANDBOX: ${services.sandboxes.join(', ')})` : '';
  const yoga: GatewayYoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    // The same limit, from useBodySizeLimit (last plugin): yoga's own keeps ~10 KB per open SSE stream.
    maxRequestBodySize: false,
    healthCheckEndpoint: '/health',
    landingPage: false,
    graphiql: { title: `secgraph${sandboxLabel}`, subscriptionsProtocol: 'WS', defaultQuery: OPEN_INCIDENTS },
    renderGraphiQL: localGraphiQLRenderer({ sandboxes: services.sandboxes, tabs: EXAMPLE_TABS }),
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error(args.map(String).join(' ')),
    },
    cors: corsOptions(security.corsOrigins),
    context: ({ request, connectionParams, req }) => {
      // Over WebSocket there is no per-operation request: the server passes the operation's key as connectionParams.
      const authorization = request ? request.headers.get('authorization') : connectionParams?.['authorization'];
      const requestId = request ? requestIdOf(request) : requestIdFrom(null);
      const make = (auth: AuthResult) => {
        const ctx = createContext(services, auth, requestId, req?.socket?.remoteAddress ?? null);
        // graphql-ws closes the whole socket at the token's expiry (4401, src/http/websocket.ts); its operations
        // must not end first on their own (src/identity/credential-expiry.ts), or the client sees a completed
        // subscription instead of the close that tells it to renew.
        if (!request) ctx.credentialExpiresAt = null;
        return ctx;
      };
      // HTTP requests were admitted before parsing (useAuthenticateFirst); over WebSocket the server admitted the
      // operation's key. A key is answered at once; a token is verified asynchronously (yoga awaits a context promise).
      const auth = gate.admittedAs(request) ?? authenticator.authenticate(authorization ?? undefined);
      return auth instanceof Promise ? auth.then(make) : make(auth);
    },
    plugins: [
      useRequestId(),
      // Documents named by id become their text before anything reads the query; SECGRAPH_ARBITRARY_DOCUMENTS
      // is applied at parse, on every transport (src/trusted-documents/).
      useTrustedDocuments(services.trustedDocuments, services.config.trustedDocuments.arbitrary),
      ...services.metrics.plugins(),
      // Queries compiled with graphql-jit (src/graphql-jit.ts); subscriptions and mutations on graphql-js.
      ...compiledQueries,
      useGraphiQLAssets(),
      // The console and, at /console/config.json, how it signs in (the identity provider and its public client).
      useConsole(CONSOLE_DIST, {
        oidc: services.config.oidc?.clientId ? { issuer: services.config.oidc.issuer, clientId: services.config.oidc.clientId, scopes: services.config.oidc.consoleScopes } : null,
      }),
      useCloudTrailIngest({ services, gate }),
      useAuditJsonl({ services, gate }),
      // MCP for AI assistants: tools are trusted operations run through this same pipeline (src/mcp/).
      useMcp({ services, schema, gate, oidcIssuer: services.config.oidc?.issuer ?? null, execute: (body, caller) => executeThroughYoga(yoga, body, caller) }),
      // Identical subscriptions share one execution per event (src/subscriptions/shared-execution.ts).
      shared.plugin,
      // Their SSE streams on /graphql get a lighter writer with one serialisation per event (src/http/shared-sse.ts).
      useSharedSse(shared),
      // A subscription started with a token ends when the token does (graphql-ws closes its socket instead).
      useCredentialExpiry(isSharedMember),
      // Equal SSE subscriptions join a live shared one without the envelop (src/http/sse-live-join.ts).
      useSseLiveJoin({ shared, limits: rateLimits, metrics: services.metrics, logger, gate }),
      useBrowserCsrfPrevention(isDistinctStreamRequest),
      // Authentication before the body is parsed and the document validated (after CSRF prevention, which
      // refuses a cross-site form before any credential is looked at).
      useAuthenticateFirst(gate),
      // graphql-sse's protocol, both modes (single connection: PUT reserves a stream, GET listens, POSTs
      // carry operations), next to yoga's own SSE on /graphql.
      useStreamCsrfGuard(GRAPHQL_SSE_PATH),
      // Its distinct-connections requests are served by yoga's SSE, as on /graphql (src/http/graphql-sse-distinct.ts).
      useDistinctStreamsOnYoga(GRAPHQL_SSE_PATH),
      // The rest (single-connection mode) by graphql-sse's own handler (src/http/graphql-sse-handler.ts).
      useGraphQLSseHandler(GRAPHQL_SSE_PATH, GRAPHQL_MAX_BODY_BYTES, services.trustedDocuments, gate),
      ...useOperationLimits(security),
      useRequestGuards({ limits: rateLimits, security }),
      // Client errors at debug, bounded; bugs in full (src/observability/use-error-log.ts).
      useErrorLog(logger),
      useReadiness(services),
      // After every request parser has registered (yoga's own limit ran after them too).
      useBodySizeLimit(),
    ],
  });
  return yoga;
}
