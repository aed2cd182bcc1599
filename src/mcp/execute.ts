// A tool's operation goes through the gateway's own yoga pipeline in-process (yoga.fetch), as a client's
// POST /graphql would: the caller's Authorization, the MCP request's id (one id in the logs for both) and
// the caller's address (failed-authentication throttling), so authentication, scopes, rate limits, operation
// limits, deadlines and audit all apply to an assistant exactly as to anyone else.
import type { ServerContext } from '../http/server-context.js';
import type { GraphQLRequestBody, GraphQLResponseBody, ToolCaller } from './run-tool.js';

interface FetchesGraphQL {
  fetch(input: string, init: RequestInit, serverContext: ServerContext): Response | Promise<Response>;
}

export async function executeThroughYoga(yoga: FetchesGraphQL, body: GraphQLRequestBody, caller: Omit<ToolCaller, 'client'>): Promise<GraphQLResponseBody> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'x-request-id': caller.requestId };
  if (caller.authorization) headers['authorization'] = caller.authorization;
  const req = (caller.serverContext as ServerContext | undefined)?.req;
  const response = await yoga.fetch('http://secgraph.internal/graphql', { method: 'POST', headers, body: JSON.stringify(body) }, req ? { req } : {});
  return (await response.json()) as GraphQLResponseBody;
}
