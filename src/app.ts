// Builds the yoga app from its dependencies. No ports here: tests call `yoga.fetch` directly, and
// server.ts hands the same app to node:http and graphql-ws.
import { randomUUID } from 'node:crypto';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createYoga, useErrorHandler, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import type { ApiKeyAuthenticator } from './auth.js';
import { createContext, type Context, type Services } from './context.js';
import { isGatewayError } from './errors.js';
import { renderLocalGraphiQL, useGraphiQLAssets } from './graphiql.js';
import { useCloudTrailIngest } from './ingest/cloudtrail-http.js';
import { schema } from './schema/index.js';

/** What the server adds to every yoga context: the HTTP request, or the WebSocket connection's params. */
export interface ServerContext {
  connectionParams?: Record<string, unknown>;
}

export type GatewayYoga = YogaServerInstance<ServerContext, Context>;

export interface AppDeps {
  services: Services;
  authenticator: ApiKeyAuthenticator;
}

const DEFAULT_QUERY = `# secgraph: one graph over SaaS Security, SafeNet Trusted Access and SAML detections.
query OpenIncidents {
  gateway { version sandboxes }
  incidents(first: 10, filter: { state: OPEN }) {
    edges { node { incidentId assetName severity status app { appName } assetOwnerEmail updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

export function createApp({ services, authenticator }: AppDeps): GatewayYoga {
  const { logger } = services;
  const sandboxLabel = services.sandboxes.length ? ` (SANDBOX: ${services.sandboxes.join(', ')})` : '';
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    graphiql: { title: `secgraph${sandboxLabel}`, subscriptionsProtocol: 'WS', defaultQuery: DEFAULT_QUERY },
    renderGraphiQL: renderLocalGraphiQL,
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error(args.map(String).join(' ')),
    },
    context: ({ request, connectionParams }) => {
      const authorization = request ? request.headers.get('authorization') : connectionParams?.['authorization'];
      return createContext(services, authenticator.authenticate(authorization ?? undefined), randomUUID());
    },
    plugins: [
      useGraphiQLAssets(),
      useCloudTrailIngest({ services, authenticator }),
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        maxAliases: { n: 30 },
        costLimit: { maxCost: 20_000 },
        maxTokens: { n: 5_000 },
      }),
      useErrorHandler(({ errors, context }) => {
        const log = (context as Partial<Context> | undefined)?.logger ?? logger;
        for (const e of errors) {
          const original = 'originalError' in e ? e.originalError : undefined;
          const path = 'path' in e ? e.path : undefined;
          const typed = isGatewayError(original) ? original : isGatewayError(e) ? e : null;
          if (typed) {
            // Upstream failures were logged where they arose, with the upstream's status; the client's own
            // mistakes (bad input, missing key or scope, unknown ids) get their line here.
            if (!typed.code.startsWith('UPSTREAM_')) log.info({ code: typed.code, path }, typed.message);
          } else if (original) {
            // Anything else is a bug: masked for the client, logged in full here.
            log.error({ err: original, path }, 'unexpected error in resolver');
          }
        }
      }),
      useReadinessCheck({
        endpoint: '/ready',
        check: async () => {
          const connectors = {
            saasSecurity: services.saasSecurity ? await services.saasSecurity.isReady() : null,
            // Every STA instance must have answered (several tenants: SECGRAPH_CONFIG sta.instances).
            sta: services.staInstances
              ? (await Promise.all(services.staInstances.list.map((i) => i.connector.isReady()))).every(Boolean)
              : services.sta
                ? await services.sta.isReady()
                : null,
          };
          const ready = Object.values(connectors).every((v) => v !== false);
          return new Response(JSON.stringify({ ready, connectors, sandboxes: services.sandboxes }), {
            status: ready ? 200 : 503,
            headers: { 'content-type': 'application/json' },
          });
        },
      }),
    ],
  });
}
