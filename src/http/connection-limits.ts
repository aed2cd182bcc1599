// Bounds on the TCP connections one client address may hold on the HTTP server (GraphQL, SSE, WebSocket
// upgrades, ingest): node:http itself bounds how long a connection may take to send its headers
// (headersTimeout) and its whole request (requestTimeout), but not how many connections an address opens.
// Two caps, counted from the 'connection' event, before a byte is parsed:
// - pending: connections that have not yet delivered a request's headers (or an upgrade). A real client
//   sends its request right after connecting, so few are pending at once even behind a SOC's one NAT
//   address; thousands of idle sockets are a slowloris. Tight.
// - all: every open connection, live SSE responses and WebSockets included: generous, so a SOC behind one
//   address with many live views is not refused.
// A connection past either cap is destroyed at once (nothing was parsed, so there is nothing to answer).
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logger.js';

export interface ConnectionCaps {
  /** Connections one address may hold at once; 0: no cap. */
  maxPerAddress: number;
  /** Connections one address may hold that have not yet sent a request's headers; 0: no cap. */
  maxPendingPerAddress: number;
}

export type RefusalReason = 'per_address' | 'pending_per_address';

export interface ConnectionLimitsDeps {
  caps: ConnectionCaps;
  logger: Logger;
  /** Called for each refused connection (the metric). */
  onRefused?: (reason: RefusalReason) => void;
}

/** A flood of refusals writes one log line a second per reason, with how many were refused since the last. */
const LOG_EVERY_MS = 1_000;

interface Counts {
  open: number;
  pending: number;
}

/** Applies the caps to `server`; returns the counts now (for tests and metrics). */
export function limitConnectionsPerAddress(server: Server, { caps, logger, onRefused }: ConnectionLimitsDeps): { counts(address: string): Counts } {
  const byAddress = new Map<string, Counts>();
  const pending = new WeakSet<Socket | Duplex>();
  // Per reason: refused since its last log line, and when that was.
  const logged = { per_address: { refused: 0, at: 0 }, pending_per_address: { refused: 0, at: 0 } };

  const release = (address: string, counts: Counts) => {
    if (counts.open === 0) byAddress.delete(address);
  };

  const refuse = (socket: Socket, address: string, reason: RefusalReason) => {
    socket.destroy();
    onRefused?.(reason);
    const log = logged[reason];
    log.refused += 1;
    const now = Date.now();
    if (now - log.at >= LOG_EVERY_MS) {
      logger.warn(
        { address, reason, refused: log.refused, limit: reason === 'per_address' ? caps.maxPerAddress : caps.maxPendingPerAddress },
        reason === 'per_address'
          ? 'connection refused: too many connections from this address (SECGRAPH_MAX_CONNECTIONS_PER_ADDRESS)'
          : 'connection refused: too many connections from this address that have sent no request yet (SECGRAPH_MAX_PENDING_CONNECTIONS_PER_ADDRESS)',
      );
      log.at = now;
      log.refused = 0;
    }
  };

  /** The connection delivered a request's headers (or an upgrade): no longer pending. */
  const active = (socket: Socket | Duplex) => {
    if (!pending.delete(socket)) return;
    const address = (socket as Socket).remoteAddress ?? 'unknown';
    const counts = byAddress.get(address);
    if (counts) counts.pending -= 1;
  };

  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const counts = byAddress.get(address) ?? { open: 0, pending: 0 };
    if (caps.maxPerAddress > 0 && counts.open >= caps.maxPerAddress) return refuse(socket, address, 'per_address');
    if (caps.maxPendingPerAddress > 0 && counts.pending >= caps.maxPendingPerAddress) return refuse(socket, address, 'pending_per_address');
    counts.open += 1;
    counts.pending += 1;
    byAddress.set(address, counts);
    pending.add(socket);
    socket.once('close', () => {
      counts.open -= 1;
      if (pending.delete(socket)) counts.pending -= 1;
      release(address, counts);
    });
  });
  // Listeners only: node:http and ws handle the request and the upgrade as before.
  server.on('request', (req: IncomingMessage) => active(req.socket));
  server.on('upgrade', (req: IncomingMessage) => active(req.socket));

  return {
    counts: (address) => ({ ...(byAddress.get(address) ?? { open: 0, pending: 0 }) }),
  };
}
