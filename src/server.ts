// Entry point: HTTP and WebSocket wiring only. GraphiQL and SSE on /graphql, graphql-ws on the same path,
// /health and /ready. SIGTERM stops accepting, lets in-flight requests finish, then closes every socket.
import { createServer, type Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createApp, type GatewayYoga } from './app.js';
import { ApiKeyAuthenticator } from './auth.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import type { Services } from './context.js';
import { createLogger, registerSecret, type Logger } from './logger.js';
import { startServices } from './services.js';

type EnvelopedRoot = Pick<ReturnType<GatewayYoga['getEnveloped']>, 'execute' | 'subscribe'>;

/** Server pings keep idle WebSocket connections alive through proxies and detect dead peers. */
const WS_KEEPALIVE_MS = 12_000;
/** How long SIGTERM waits for in-flight HTTP requests before cutting connections. */
const DRAIN_TIMEOUT_MS = 10_000;

export interface RunningGateway {
  server: Server;
  url: string;
  /** For in-process harnesses (benchmarks, tests) that publish or drive background jobs directly. */
  services: Services;
  stop(): Promise<void>;
}

export async function startGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  for (const key of config.apiKeys.keys()) registerSecret(key);
  const running = await startServices(config, logger);
  const yoga = createApp({ services: running.services, authenticator: new ApiKeyAuthenticator(config.apiKeys) });

  const server = createServer(yoga);
  const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const ws = useServer(
    {
      execute: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        // Same plugins (auth, armor, masking) as HTTP: the operation goes through yoga's envelop.
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          connectionParams: ctx.connectionParams,
        });
        const args: ExecutionArgs = {
          schema,
          operationName: params.operationName ?? null,
          document: parse(params.query),
          variableValues: params.variables ?? null,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
        const errors = validate(args.schema, args.document);
        return errors.length ? errors : args;
      },
    },
    wsServer,
    WS_KEEPALIVE_MS,
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await ws.dispose();
      await new Promise<void>((r) => wsServer.close(() => r()));
      const closed = new Promise<void>((r) => server.close(() => r()));
      // Keep-alive connections become idle as their last response is sent: close each as soon as it is.
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      const timer = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
      server.closeIdleConnections();
      await closed;
      clearInterval(idle);
      clearTimeout(timer);
      await running.close();
    })());
  return { server, url, services: running.services, stop };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`secgraph: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const gateway = await startGateway(config, logger);
  logger.info(
    { url: gateway.url, graphiql: `${gateway.url}/graphql`, auth: config.apiKeys.size ? 'api-keys' : 'open (loopback only)' },
    'secgraph is listening',
  );
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    void gateway.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`secgraph failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
