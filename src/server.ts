// Entry point: HTTP and WebSocket wiring only. GraphiQL and SSE on /graphql, graphql-ws on the same path,
// /health and /ready. SIGTERM stops accepting, lets in-flight requests finish, then closes every socket.
import { createServer, type Server } from 'node:http';
import { createApp, createSharedSubscriptions, loadCompiledQueries } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import type { Services } from './context.js';
import { rejectHost } from './http/browser-rules.js';
import { limitConnectionsPerAddress } from './http/connection-limits.js';
import { startWebSocketGateway } from './http/websocket.js';
import { createLogger, registerSecret, type Logger } from './logger.js';
import { requestIdFrom, runInScope } from './request-scope.js';
import { connectRateLimits } from './security/rate-limits.js';
import { AuthGate } from './security/auth-gate.js';
import { startServices } from './services.js';
import type { SharedSubscriptions } from './subscriptions/shared-execution.js';

/** How long SIGTERM waits for in-flight HTTP requests before cutting connections. */
const DRAIN_TIMEOUT_MS = 10_000;

export interface RunningGateway {
  server: Server;
  url: string;
  /** For in-process harnesses (benchmarks, tests) that publish or drive background jobs directly. */
  services: Services;
  /** The shared subscription executions (their stats), for the same harnesses. */
  shared: SharedSubscriptions;
  /** Settles when the sandbox data prepared after listening is in (see RunningServices.seedSandboxes). */
  seeded: Promise<void>;
  stop(): Promise<void>;
}

export async function startGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  for (const key of config.apiKeys.keys()) registerSecret(key);
  const running = await startServices(config, logger);
  const { authenticator } = running.services;
  const limits = await connectRateLimits(config.security, config.redisUrl);
  const shared = createSharedSubscriptions(running.services);
  // One gate for HTTP and WebSocket: the same throttle, one log line per throttled address.
  const gate = new AuthGate(authenticator, limits, logger);
  const yoga = createApp({ services: running.services, limits, gate, shared, compiledQueries: await loadCompiledQueries(config) });

  const { http } = config.security;
  const server = createServer({
    // node:http's bounds on receiving a request: its headers, then all of it (a header-less or slowloris
    // connection gets 408 and is closed). Neither applies once the request is in, so a long SSE response or
    // an upgraded WebSocket is never cut by them. Checked every connectionsCheckingInterval (node: 30 s).
    headersTimeout: http.headersTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionsCheckingInterval: connectionsCheckingInterval(http.headersTimeoutMs),
  }, (req, res) => {
    // DNS rebinding: an open gateway answers only to loopback names, before anything else runs.
    const refused = rejectHost(req, authenticator.open);
    if (refused) {
      res.writeHead(refused.status, { 'content-type': 'text/plain; charset=utf-8' }).end(refused.body);
      return;
    }
    // One id for the whole request: yoga reads it back from the header, log lines from the scope.
    const requestId = requestIdFrom(req.headers['x-request-id'] as string | undefined);
    req.headers['x-request-id'] = requestId;
    runInScope({ requestId }, () => void yoga(req, res));
  });
  limitConnectionsPerAddress(server, { caps: http, logger, onRefused: (reason) => running.services.metrics.connectionRefused(reason) });
  const ws = startWebSocketGateway({ server, yoga, shared, metrics: running.services.metrics, authenticator, trustedDocuments: running.services.trustedDocuments, limits, gate, security: config.security, logger });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  // After listening, so /health answers while the sandbox's CloudTrail tree is still being ingested.
  const seeded = running.seedSandboxes().catch((e: unknown) => logger.error({ err: e }, 'preparing the sandbox data failed'));

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await ws.dispose();
      const closed = new Promise<void>((r) => server.close(() => r()));
      // Keep-alive connections become idle as their last response is sent: close each as soon as it is.
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      const timer = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
      server.closeIdleConnections();
      await closed;
      clearInterval(idle);
      clearTimeout(timer);
      await running.close();
      await limits.close();
    })());
  return { server, url, services: running.services, shared, seeded, stop };
}

/** A tenth of the header timeout, between 25 ms and 1 s: a connection is cut at most 10% past its timeout. */
const connectionsCheckingInterval = (headersTimeoutMs: number) => Math.min(1_000, Math.max(25, Math.floor(headersTimeoutMs / 10)));

/** How callers authenticate, for the start-up line: `api-keys`, `oidc`, both, or open. */
function authModes(config: Config): string {
  const modes = [config.apiKeys.size ? 'api-keys' : null, config.oidc ? `oidc (${config.oidc.issuer})` : null].filter(Boolean);
  return modes.length ? modes.join(' + ') : 'open (loopback only)';
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
    { url: gateway.url, graphiql: `${gateway.url}/graphql`, auth: authModes(config) },
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

/** The command line's entry: `node dist/server.js`, or scripts/start.mjs (`npm start`) in its own process. */
export function runServer(): void {
  main().catch((error: unknown) => {
    // The stack too: where in src/ it failed (mapped by Node's source maps, as npm start runs the bundle).
    process.stderr.write(`secgraph failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) runServer();
