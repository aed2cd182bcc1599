// POST/DELETE /mcp: MCP over Streamable HTTP (the SDK's web-standard transport), behind the same
// authentication as /graphql: `Authorization: Bearer` with an API key (or the identity provider's token),
// the same failed-authentication throttle, and, when an identity provider is configured, the OAuth
// protected-resource metadata (RFC 9728) that the MCP authorization spec points clients to on a 401.
// GET /mcp (a stream for server-initiated messages) answers 405, which the protocol allows: this server
// sends none.
import type { GraphQLSchema } from 'graphql';
import type { AuthFailure } from '../auth.js';
import type { Services } from '../context.js';
import { originAllowed } from '../http/browser-rules.js';
import { requestIdOf } from '../http/request-id.js';
import { addressOfServerContext, isThrottled, type AuthGate } from '../security/auth-gate.js';
import { buildCatalogue, type Catalogue } from './catalogue.js';
import { createMcpServer, type RequestCaller } from './mcp-server.js';
import type { GraphQLRequestBody, GraphQLResponseBody, ToolCaller } from './run-tool.js';
import { McpSessions } from './sessions.js';

export const MCP_PATH = '/mcp';
export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';

export interface McpEndpointDeps {
  services: Services;
  /** The gateway's schema, which the tool documents are checked against (passed in: importing it here would
   *  move the schema's modules out of the main bundle into a chunk shared with this lazily loaded one). */
  schema: GraphQLSchema;
  /** Authentication under the failed-authentication throttle, as on every route (src/security/auth-gate.ts). */
  gate: Pick<AuthGate, 'admit'>;
  /** Runs a GraphQL request through the gateway's own pipeline (yoga.fetch) as the caller. */
  execute(body: GraphQLRequestBody, caller: Omit<ToolCaller, 'client'>): Promise<GraphQLResponseBody>;
  /** The identity provider's issuer (SECGRAPH_OIDC_ISSUER); null: API keys only, no metadata published. */
  oidcIssuer: string | null;
}

export interface McpEndpoint {
  catalogue: Catalogue;
  sessions: McpSessions;
  handle(request: Request, serverContext: unknown): Promise<Response>;
}

const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A JSON-RPC error outside any request (the transport's own shape), with the gateway's code in data. */
const rpcError = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  jsonResponse(status, { jsonrpc: '2.0', error: { code: -32000, message, data: { code } }, id: null }, headers);

export function createMcpEndpoint(deps: McpEndpointDeps): McpEndpoint {
  const { services, schema, gate, oidcIssuer } = deps;
  // graphql_query would only meet PERSISTED_DOCUMENT_REQUIRED on a gateway that runs trusted documents only.
  const arbitraryQueries = services.config.mcp.arbitraryQueries && services.config.trustedDocuments.arbitrary !== 'deny';
  const catalogue = buildCatalogue(schema, { arbitraryQueries });
  // The tools' operations are trusted documents (src/trusted-documents/): calls name them by id, so they run
  // whatever SECGRAPH_ARBITRARY_DOCUMENTS says of other documents. Registered here, when the endpoint first
  // loads, rather than at start: reading and validating the files takes ~50 ms that a start without
  // assistants would pay for nothing.
  for (const tool of catalogue.tools.values()) if (tool.document) tool.document.documentId = services.trustedDocuments.register(tool.document.source);
  const runner = { catalogue, audit: services.audit, logger: services.logger.child({ route: MCP_PATH }), execute: deps.execute };
  const sessions = new McpSessions(() => createMcpServer(runner));

  const resourceOf = (request: Request) => `${new URL(request.url).origin}${MCP_PATH}`;
  const metadataUrlOf = (request: Request) => `${new URL(request.url).origin}${PROTECTED_RESOURCE_PATH}${MCP_PATH}`;

  // RFC 6750 and the MCP authorization spec: the challenge points at the metadata, which names the issuer.
  const unauthenticated = (request: Request, failure: AuthFailure) => {
    const challenge = oidcIssuer
      ? `Bearer resource_metadata="${metadataUrlOf(request)}"${failure.reason === 'invalid' ? `, error="invalid_token"` : ''}`
      : 'Bearer';
    return rpcError(401, 'UNAUTHENTICATED', failure.message, { 'www-authenticate': challenge });
  };

  async function handleMcp(request: Request, serverContext: unknown): Promise<Response> {
    const address = addressOfServerContext(serverContext);
    // DNS rebinding and cross-site pages: a browser's Origin must be this gateway or a configured one.
    if (!originAllowed(request.headers.get('origin') ?? undefined, request.headers.get('host') ?? undefined, services.config.security.corsOrigins)) {
      return rpcError(403, 'FORBIDDEN', 'This Origin may not call the MCP endpoint (SECGRAPH_CORS_ORIGINS)');
    }
    const authorization = request.headers.get('authorization');
    const auth = await gate.admit(authorization, address);
    if (isThrottled(auth)) return rpcError(429, 'RATE_LIMITED', auth.message, { 'retry-after': String(auth.retryAfter) });
    if (!auth.principal) return unauthenticated(request, auth);
    const principal = auth.principal;
    const caller: RequestCaller['caller'] = { principal, authorization, requestId: requestIdOf(request), serverContext };
    const expiresAt = 'expiresAt' in auth && auth.expiresAt !== undefined ? Math.floor(auth.expiresAt / 1000) : undefined;
    const authInfo = { token: '', clientId: principal.id, scopes: [...principal.scopes], ...(expiresAt ? { expiresAt } : {}), extra: { caller } satisfies RequestCaller };

    if (request.method === 'GET') return rpcError(405, 'BAD_USER_INPUT', 'This server sends no server-initiated messages: POST requests only', { allow: 'POST, DELETE' });
    if (request.method !== 'POST' && request.method !== 'DELETE') return rpcError(405, 'BAD_USER_INPUT', 'Use POST (or DELETE to end a session)', { allow: 'POST, DELETE' });

    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const session = sessions.get(sessionId, principal.id);
      // Unknown, expired or another principal's: the protocol's 404 tells the client to initialise again.
      if (!session) return rpcError(404, 'NOT_FOUND', 'Session not found');
      return session.transport.handleRequest(request, { authInfo });
    }
    if (request.method !== 'POST') return rpcError(400, 'BAD_USER_INPUT', 'Mcp-Session-Id header is required');
    const opened = await sessions.open(principal.id);
    const response = await opened.transport.handleRequest(request, { authInfo });
    // Anything but a valid initialize leaves the transport without a session: nothing to keep.
    if (!opened.transport.sessionId) await opened.discard();
    return response;
  }

  return {
    catalogue,
    sessions,
    async handle(request, serverContext) {
      const { pathname } = new URL(request.url);
      if (pathname === MCP_PATH) return handleMcp(request, serverContext);
      // RFC 9728: the metadata of the resource `/mcp` is at the well-known path with `/mcp` appended; the
      // bare well-known path answers too (clients of earlier drafts ask there).
      if (!oidcIssuer) return jsonResponse(404, { error: 'no identity provider is configured (SECGRAPH_OIDC_ISSUER): use an API key' });
      if (request.method !== 'GET' && request.method !== 'HEAD') return jsonResponse(405, { error: 'use GET' }, { allow: 'GET' });
      return jsonResponse(200, {
        resource: resourceOf(request),
        authorization_servers: [oidcIssuer],
        bearer_methods_supported: ['header'],
        resource_name: 'secgraph',
      });
    },
  };
}
