// MCP sessions (Mcp-Session-Id) of this instance: one SDK server and transport per session, bound to the
// principal that opened it, so another credential cannot ride on a leaked session id. Bounded: at most
// MAX_SESSIONS, the least recently used closed first, and a session idle for IDLE_MS is closed at the next
// sweep (done when a session opens: no timer to stop at shutdown). Sessions live in memory: behind a load
// balancer, route a client to one instance (README "AI assistants (MCP)").
import { randomUUID } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';

export const MAX_SESSIONS = 1000;
export const IDLE_MS = 60 * 60 * 1000;

export interface McpSession {
  id: string;
  /** The principal that initialised it; every later request must be that principal's. */
  principalId: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  lastUsed: number;
}

export class McpSessions {
  private readonly sessions = new Map<string, McpSession>();

  constructor(
    private readonly createServer: () => Server,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** The session for this id and principal; undefined when unknown, closed, or someone else's. */
  get(id: string, principalId: string): McpSession | undefined {
    const session = this.sessions.get(id);
    if (!session || session.principalId !== principalId) return undefined;
    session.lastUsed = this.now();
    // Map order is recency order: the first entry is the least recently used.
    this.sessions.delete(id);
    this.sessions.set(id, session);
    return session;
  }

  /**
   * A transport for a request that carries no session id. It becomes a session only if the request is a
   * valid `initialize` (the SDK then calls onsessioninitialized); otherwise call `discard`.
   */
  async open(principalId: string): Promise<{ transport: WebStandardStreamableHTTPServerTransport; discard(): Promise<void> }> {
    this.sweep();
    const server = this.createServer();
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      // Answers as JSON: no server-initiated messages, so no stream to hold open per request.
      enableJsonResponse: true,
      onsessioninitialized: (id) => {
        this.sessions.set(id, { id, principalId, transport, server, lastUsed: this.now() });
        while (this.sessions.size > MAX_SESSIONS) void this.close(this.sessions.keys().next().value!);
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
      },
    });
    await server.connect(transport);
    return { transport, discard: () => server.close() };
  }

  async close(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    await session.server.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.close(id)));
  }

  private sweep(): void {
    const oldest = this.now() - IDLE_MS;
    for (const session of this.sessions.values()) {
      if (session.lastUsed >= oldest) break;
      void this.close(session.id);
    }
  }
}
