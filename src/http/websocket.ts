// graphql-ws on the GraphQL path, with the same envelop (auth, limits, masking) as HTTP, and the rules a
// socket must follow when API keys are configured:
// - the key or token comes in connection_init (connectionParams.authorization), and only an authenticated
//   connection_init is acknowledged: none closes the socket at once (4401), a wrong key too (4403, with the
//   reason, counted by the failed-authentication throttle), an expired token too (4401); a socket that sends
//   no connection_init is closed by graphql-ws (4408) or at SECGRAPH_WS_AUTH_TIMEOUT_MS (4401). An
//   unacknowledged socket is served nothing and holds nothing but its TCP connection, for no longer than that;
// - an operation on an authenticated socket may carry its own key (payload.extensions.headers.authorization,
//   what stock GraphiQL sends): it runs as that key, admitted (and throttled) before its document is read;
// - a socket authenticated by a token is closed (4401) when the token expires: its client reconnects with a
//   fresh token and resumes its subscriptions with `after`;
// - sockets not yet authenticated count against a small per-address cap (the upgrade is refused with 429);
// - one key holds at most SECGRAPH_MAX_CONNECTIONS_PER_KEY sockets (4429 past that);
// - messages are at most SECGRAPH_WS_MAX_PAYLOAD bytes (ws closes 1009 past that);
// - a bad operation (syntax or validation error) errors that operation only; the socket stays.
// The upgrade follows the browser rules of HTTP: Host (open gateway) and Origin (CORS allow-list).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { GatewayYoga } from '../app.js';
import type { Principal } from '../auth.js';
import { OPEN_PRINCIPAL, type Authenticator } from '../identity/authenticator.js';
import { atExpiry } from '../identity/credential-expiry.js';
import type { SecurityConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { schema } from '../schema/index.js';
import type { RateLimits } from '../security/rate-limits.js';
import { AuthGate, isThrottled, type Refusal } from '../security/auth-gate.js';
import { joinLiveSubscription, keyOf } from '../subscriptions/live-join.js';
import { DIRECT_SINK, REQUEST_KEY, type SharedSubscriptions } from '../subscriptions/shared-execution.js';
import type { DirectSink } from '../subscriptions/shared-member.js';
import { hostAllowed, originAllowed } from './browser-rules.js';
import type { TrustedDocuments } from '../trusted-documents/trusted-documents.js';
import { withTrustedDocument } from '../trusted-documents/use-trusted-documents.js';
import { publicResult } from './public-result.js';

type EnvelopedRoot = Pick<ReturnType<GatewayYoga['getEnveloped']>, 'execute' | 'subscribe'>;

/** Server pings keep idle WebSocket connections alive through proxies and detect dead peers. */
const WS_KEEPALIVE_MS = 12_000;

export const WS_CLOSE = { unauthorized: 4401, forbidden: 4403, tooMany: 4429 } as const;

interface SocketState {
  /** The upgraded TCP connection itself, for shared events' frames (nextMessageSink). */
  tcp: Duplex;
  address: string;
  principal: Principal | null;
  /** The raw Authorization value that authenticated the socket: operations without their own use it. */
  authorization: string | undefined;
  timer: NodeJS.Timeout | null;
  /** Cancels the close at the expiry of the token that authenticated the socket. */
  expiry: (() => void) | null;
}

export interface WebSocketDeps {
  server: Server;
  yoga: GatewayYoga;
  /** The app's shared subscription executions: equal subscriptions join a live one directly (joinLive). */
  shared: SharedSubscriptions;
  metrics: GatewayMetrics;
  authenticator: Authenticator;
  /** Subscribe payloads may name a trusted document by id (`documentId` with an empty query, or Apollo's hash). */
  trustedDocuments: TrustedDocuments;
  limits: RateLimits;
  /** The app's authentication gate (one throttle log line per address for every transport); made here when not given. */
  gate?: AuthGate;
  security: SecurityConfig;
  logger: Logger;
}

export interface WebSocketGateway {
  /** Sockets open now, authenticated or not: for metrics. */
  readonly openSockets: number;
  dispose(): Promise<void>;
}

/**
 * Past this many bytes waiting in a socket, shared events are queued for it instead of written (so a peer
 * that stops reading is dropped under the subscriber-buffer policy rather than buffered without bound).
 */
const DIRECT_HIGH_WATER_BYTES = 256 * 1024;
const PAYLOAD_BYTES = Symbol('graphql-ws payload bytes');
const CLOSE_BRACE = 0x7d;

/**
 * Writes a shared event as this operation's graphql-ws `next` message, exactly as graphql-ws would
 * (`{"id":…,"type":"next","payload":…}`), around the event's one serialisation: one unmasked text frame
 * (RFC 6455 §5.2) built here and written to the connection's TCP socket in one write. ws's own sender would
 * cork, write the header and the message separately and allocate per call (about 15% of a 5,000-socket
 * fan-out, profiled). This is safe because the server never compresses (perMessageDeflate is off,
 * so ws writes every frame at once and never holds one back) and writes only while the socket is OPEN (no
 * frame after a close frame).
 */
function nextMessageSink(socket: WebSocket, tcp: Duplex, id: string): DirectSink {
  const head = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  return {
    next(event) {
      if (socket.readyState !== socket.OPEN || socket.bufferedAmount > DIRECT_HIGH_WATER_BYTES) return false;
      const payload = event.once(PAYLOAD_BYTES, (json) => Buffer.from(json));
      const length = head.length + payload.length + 1;
      const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
      const frame = Buffer.allocUnsafe(headerLength + length);
      frame[0] = 0x81; // FIN, text
      if (headerLength === 2) frame[1] = length;
      else if (headerLength === 4) {
        frame[1] = 126;
        frame.writeUInt16BE(length, 2);
      } else {
        frame[1] = 127;
        frame.writeBigUInt64BE(BigInt(length), 2);
      }
      head.copy(frame, headerLength);
      payload.copy(frame, headerLength + head.length);
      frame[frame.length - 1] = CLOSE_BRACE;
      tcp.write(frame);
      return true;
    },
  };
}

/** `Authorization` from an object whose keys may be in any case (HTTP header maps, connectionParams). */
function authorizationIn(record: unknown): string | undefined {
  if (!record || typeof record !== 'object') return undefined;
  for (const [k, v] of Object.entries(record)) if (k.toLowerCase() === 'authorization' && typeof v === 'string') return v;
  return undefined;
}

const addressOf = (req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown';

/** A close frame's reason holds at most 123 bytes. */
const closeReason = (s: string) => (Buffer.byteLength(s) <= 123 ? s : `${Buffer.from(s).subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '')}...`);

/** A refused operation's error as graphql-ws sends it (no HTTP status or headers to carry). */
const refusalError = (refusal: Refusal) =>
  new GraphQLError(refusal.message, { extensions: isThrottled(refusal) ? { code: 'RATE_LIMITED', retryAfter: refusal.retryAfter } : { code: 'UNAUTHENTICATED' } });

export function startWebSocketGateway({ server, yoga, shared, metrics, authenticator, trustedDocuments, limits, gate: given, security, logger }: WebSocketDeps): WebSocketGateway {
  const log = logger.child({ transport: 'graphql-ws' });
  // The same authentication and failure throttle as every other route (src/security/auth-gate.ts).
  const gate = given ?? new AuthGate(authenticator, limits, log);
  const joining = { shared, limits, metrics, logger: log };
  const open = authenticator.open;
  const states = new Map<WebSocket, SocketState>();
  const unauthenticatedByAddress = new Map<string, number>();
  const socketsByKey = new Map<string, number>();

  const bump = (m: Map<string, number>, k: string, by: number) => {
    const n = (m.get(k) ?? 0) + by;
    if (n <= 0) m.delete(k);
    else m.set(k, n);
  };

  const wsServer = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: security.wsMaxPayloadBytes,
    verifyClient: ({ req }, done) => {
      if (!hostAllowed(req.headers.host, open)) return done(false, 421, 'Misdirected Request');
      if (!originAllowed(req.headers.origin, req.headers.host, security.corsOrigins)) {
        log.warn({ origin: req.headers.origin }, 'WebSocket refused: Origin not allowed (SECGRAPH_CORS_ORIGINS)');
        return done(false, 403, 'Forbidden');
      }
      if (!open && (unauthenticatedByAddress.get(addressOf(req)) ?? 0) >= security.wsMaxUnauthenticatedPerAddress) {
        log.warn({ address: addressOf(req) }, 'WebSocket refused: too many unauthenticated sockets from this address');
        return done(false, 429, 'Too Many Requests');
      }
      done(true);
    },
  });

  /** Marks the socket authenticated by `principal`; false (and the socket closed) past the per-principal cap. */
  const bind = (socket: WebSocket, state: SocketState, principal: Principal, authorization: string | undefined, expiresAt: number | undefined): boolean => {
    if ((socketsByKey.get(principal.id) ?? 0) >= security.maxConnectionsPerKey) {
      log.warn({ principal: principal.id }, 'WebSocket closed: too many connections for this caller');
      socket.close(WS_CLOSE.tooMany, `Too many connections for this ${principal.kind === 'USER' ? 'user' : 'API key'}`);
      return false;
    }
    if (expiresAt !== undefined) {
      state.expiry = atExpiry(expiresAt, () => {
        log.info({ principal: principal.id }, 'WebSocket closed: its token expired');
        socket.close(WS_CLOSE.unauthorized, 'Unauthorized: the token has expired');
      });
    }
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    if (!state.principal) bump(unauthenticatedByAddress, state.address, -1);
    state.principal = principal;
    state.authorization = authorization;
    bump(socketsByKey, principal.id, 1);
    return true;
  };

  /**
   * A refused key or token (the gate counted it against the address): the socket is closed, 4401 for an expired
   * token (to be renewed), 4429 when the throttle refused it, 4403 otherwise.
   */
  const refuse = (socket: WebSocket, state: SocketState, failure: Refusal) => {
    if (isThrottled(failure)) {
      socket.close(WS_CLOSE.tooMany, closeReason(failure.message));
      return;
    }
    log.info({ address: state.address, code: 'UNAUTHENTICATED' }, `WebSocket closed: ${failure.message}`);
    if (failure.expired) socket.close(WS_CLOSE.unauthorized, closeReason(`Unauthorized: ${failure.message}`));
    else socket.close(WS_CLOSE.forbidden, closeReason(`Forbidden: ${failure.message}`));
  };

  wsServer.on('connection', (socket, req) => {
    const state: SocketState = { tcp: req.socket, address: addressOf(req), principal: null, authorization: undefined, timer: null, expiry: null };
    states.set(socket, state);
    if (open) {
      state.principal = OPEN_PRINCIPAL;
    } else {
      bump(unauthenticatedByAddress, state.address, 1);
      state.timer = setTimeout(() => {
        if (state.principal) return;
        log.info({ address: state.address }, 'WebSocket closed: no valid API key in time (SECGRAPH_WS_AUTH_TIMEOUT_MS)');
        socket.close(WS_CLOSE.unauthorized, 'Unauthorized: send an API key');
      }, security.wsAuthTimeoutMs);
    }
    socket.once('close', () => {
      if (state.timer) clearTimeout(state.timer);
      state.expiry?.();
      if (!open) {
        if (state.principal) bump(socketsByKey, state.principal.id, -1);
        else bump(unauthenticatedByAddress, state.address, -1);
      }
      states.delete(socket);
    });
  });

  const ws = useServer(
    {
      execute: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).subscribe(args),
      // Masked errors read as they do over HTTP and SSE (public-result.ts).
      onNext: (_ctx, _id, _payload, _args, result) => publicResult(result),
      onConnect: async (ctx) => {
        const state = states.get(ctx.extra.socket);
        if (!state || open) return true;
        const authorization = authorizationIn(ctx.connectionParams) ?? authorizationIn(ctx.connectionParams?.['headers']);
        // No key: not acknowledged (an acknowledged socket would be held until the auth timeout). A missing
        // key is not a guess, so, as over HTTP, it does not count toward the failed-authentication throttle.
        if (authorization === undefined) {
          log.info({ address: state.address, code: 'UNAUTHENTICATED' }, 'WebSocket closed: no API key or token in connection_init');
          ctx.extra.socket.close(WS_CLOSE.unauthorized, 'Unauthorized: send an API key or token in connectionParams.authorization');
          return false;
        }
        const auth = await gate.admit(authorization, state.address);
        if (!auth.principal) {
          refuse(ctx.extra.socket, state, auth);
          return false;
        }
        return bind(ctx.extra.socket, state, auth.principal, authorization, auth.expiresAt);
      },
      onSubscribe: async (ctx, id, named) => {
        const socket = ctx.extra.socket;
        let params = named;
        try {
          params = withTrustedDocument(trustedDocuments, named as typeof named & { documentId?: unknown });
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const state = states.get(socket);
        if (!state) return [new GraphQLError('connection closed', { extensions: { code: 'UNAUTHENTICATED' } })];
        // graphql-ws runs no subscribe before connection_ack, and only an authenticated socket is acknowledged.
        if (!state.principal) {
          socket.close(WS_CLOSE.unauthorized, 'Unauthorized: send an API key or token in connectionParams.authorization');
          return [new GraphQLError('An API key is required', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        const own = authorizationIn((params.extensions as Record<string, unknown> | undefined)?.['headers']);
        let principal: Principal = state.principal;
        if (own !== undefined && own !== state.authorization) {
          // An operation with its own key on an authenticated socket: admitted before its document is read.
          const auth = await gate.admit(own, state.address);
          if (!auth.principal) return [refusalError(auth)];
          principal = auth.principal;
        }
        // Equal to a live shared subscription: it joins it without the envelop (src/subscriptions/live-join.ts).
        const request = principal && { principal, clientAddress: state.address, operationName: params.operationName, query: params.query, variables: params.variables };
        if (request) {
          const joined = await joinLiveSubscription(joining, { ...request, sink: nextMessageSink(socket, state.tcp, id) });
          if (joined) {
            const answer = () => joined.result;
            return {
              schema,
              document: joined.document,
              operationName: params.operationName ?? null,
              variableValues: params.variables ?? null,
              rootValue: { execute: answer, subscribe: answer } satisfies EnvelopedRoot,
            };
          }
        }
        try {
          // Same plugins (auth, armor, masking, limits) as HTTP: the operation goes through yoga's envelop.
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
            ...ctx,
            req: ctx.extra.request,
            socket,
            params,
            // The operation's own key when it sent one, else the socket's.
            connectionParams: { ...ctx.connectionParams, authorization: own ?? state.authorization },
            // A shared subscription's events are written straight to this socket (shared-execution.ts).
            [DIRECT_SINK]: nextMessageSink(socket, state.tcp, id),
            // If it starts a shared execution, or joins one, later equal subscriptions can joinLive it.
            [REQUEST_KEY]: request ? keyOf(request) : undefined,
          });
          const document = parse(params.query);
          const args: ExecutionArgs = {
            schema,
            operationName: params.operationName ?? null,
            document,
            variableValues: params.variables ?? null,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe } satisfies EnvelopedRoot,
          };
          const errors = validate(args.schema, args.document);
          return errors.length ? errors : args;
        } catch (error) {
          // A syntax error (or any GraphQL error before execution) ends this operation, not the socket.
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
      },
    },
    wsServer,
    WS_KEEPALIVE_MS,
  );

  return {
    get openSockets() {
      return states.size;
    },
    async dispose() {
      await ws.dispose();
      await new Promise<void>((r) => wsServer.close(() => r()));
    },
  };
}
