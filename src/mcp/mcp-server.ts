// The MCP server of one session (the SDK's low-level Server: our tools' input schemas are JSON Schema made
// from GraphQL, not zod). Stateless beyond the session: who calls is read from each HTTP request's
// authentication (authInfo), so tools/list shows a caller only the tools its scopes allow, and a call is
// made with the credentials of the request that carries it.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  CallToolRequestSchema,
  ErrorCode as McpErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { GATEWAY_VERSION } from '../version.js';
import { PROMPTS, promptResult } from './prompts.js';
import { scopesAllow } from './required-scopes.js';
import { runTool, type ToolCaller, type ToolRunner } from './run-tool.js';

export const INSTRUCTIONS =
  'secgraph is a SOC gateway over Palo Alto SaaS Security (incidents, assets), SafeNet Trusted Access (users, ' +
  "groups, sessions, access logs, alert playbooks) and Panther's AWS SAML activity detection over CloudTrail. " +
  'Read tools never change anything. Tools marked destructive act on the real upstreams (close an incident, ' +
  'quarantine an asset, end sessions): confirm with the analyst before calling them. Every call is audited.';

/** What the endpoint puts in authInfo.extra for each HTTP request (see endpoint.ts). */
export interface RequestCaller {
  caller: Omit<ToolCaller, 'client'>;
}

function callerOf(authInfo: AuthInfo | undefined, server: Server): ToolCaller {
  const found = (authInfo?.extra as RequestCaller | undefined)?.caller;
  // The endpoint authenticates every request before the transport sees it: no caller is a bug.
  if (!found) throw new McpError(McpErrorCode.InternalError, 'unauthenticated request reached the MCP server');
  const info = server.getClientVersion();
  return { ...found, client: info ? `${info.name}${info.version ? `/${info.version}` : ''}` : null };
}

export function createMcpServer(runner: ToolRunner): Server {
  const server = new Server({ name: 'secgraph', title: 'secgraph SOC gateway', version: GATEWAY_VERSION }, { capabilities: { tools: {}, prompts: {} }, instructions: INSTRUCTIONS });

  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    const { principal } = callerOf(extra.authInfo, server);
    const tools = [...runner.catalogue.tools.values()].filter((t) => scopesAllow(principal.scopes, t.scopes)).map((t) => t.definition);
    return { tools };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) =>
    runTool(runner, request.params.name, request.params.arguments, callerOf(extra.authInfo, server)),
  );

  server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: PROMPTS.map((p) => p.prompt) }));

  server.setRequestHandler(GetPromptRequestSchema, async (request, extra) => {
    const definition = PROMPTS.find((p) => p.prompt.name === request.params.name);
    if (!definition) throw new McpError(McpErrorCode.InvalidParams, `there is no prompt ${request.params.name}`);
    const args = request.params.arguments ?? {};
    const missing = (definition.prompt.arguments ?? []).filter((a) => a.required && !args[a.name]).map((a) => a.name);
    if (missing.length) throw new McpError(McpErrorCode.InvalidParams, `missing argument${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
    const caller = callerOf(extra.authInfo, server);
    const results = [];
    for (const call of definition.calls(args)) results.push({ tool: call.tool, result: await runTool(runner, call.tool, call.args, caller) });
    return promptResult(definition, args, results);
  });

  return server;
}
