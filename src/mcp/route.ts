// The yoga plugin that serves /mcp and the protected-resource metadata. The MCP SDK and the tool catalogue
// are loaded at the first request to these paths, not at start (start-up time, issue 12; most gateways
// never see an assistant).
import type { Plugin } from 'graphql-yoga';
import type { McpEndpoint, McpEndpointDeps } from './endpoint.js';

const MCP_PATHS = new Set(['/mcp', '/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']);

export function useMcp(deps: McpEndpointDeps): Plugin {
  let endpoint: Promise<McpEndpoint> | null = null;
  const load = () =>
    (endpoint ??= import('./endpoint.js')
      .then((m) => m.createMcpEndpoint(deps))
      .catch((e: unknown) => {
        // A tool document the schema no longer accepts (test/mcp.test.ts catches that first): said once in the
        // log with the file's name, and /mcp answers 503 rather than a masked 500 on every request.
        deps.services.logger.error({ err: e }, 'the MCP endpoint could not start');
        throw e;
      }));
  return {
    onRequest({ url, request, serverContext, endResponse }) {
      if (!MCP_PATHS.has(url.pathname)) return;
      return load().then(
        (e) => e.handle(request, serverContext).then(endResponse),
        () => endResponse(Response.json({ error: { code: 'NOT_CONFIGURED', message: 'The MCP endpoint could not start: see the gateway log' } }, { status: 503 })),
      );
    },
  };
}
