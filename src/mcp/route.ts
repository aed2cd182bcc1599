// The yoga plugin that serves /mcp and the protected-resource metadata. The MCP SDK and the tool catalogue
// are loaded at the first request to these paths, not at start (start-up time, issue 12; most gateways
// never see an assistant).
import type { Plugin } from 'graphql-yoga';
import type { McpEndpoint, McpEndpointDeps } from './endpoint.js';

const MCP_PATHS = new Set(['/mcp', '/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']);

export function useMcp(deps: McpEndpointDeps): Plugin {
  let endpoint: Promise<McpEndpoint> | null = null;
  return {
    onRequest({ url, request, serverContext, endResponse }) {
      if (!MCP_PATHS.has(url.pathname)) return;
      endpoint ??= import('./endpoint.js').then((m) => m.createMcpEndpoint(deps));
      return endpoint.then((e) => e.handle(request, serverContext)).then(endResponse);
    },
  };
}
