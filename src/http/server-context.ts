// What the server adds to every yoga context. Its own module so that rooms yoga calls back into (the MCP
// endpoint runs tools through yoga.fetch) can name it without importing the app that builds them.
import type { IncomingMessage } from 'node:http';

/** What the server adds to every yoga context: the HTTP request, or the WebSocket connection's params. */
export interface ServerContext {
  connectionParams?: Record<string, unknown>;
  /** node:http's request (HTTP and WebSocket upgrade): the client's address. */
  req?: IncomingMessage;
}
