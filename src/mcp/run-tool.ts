// One tool call: check the caller may, run the tool's operation through the gateway's own GraphQL pipeline
// with the caller's credentials (so authentication, scopes, rate limits, operation limits, deadlines and the
// mutations' own audit apply exactly as to any client), and record the call in the audit log as
// `mcp.<tool>` with the MCP client's name. Failures come back as tool errors (isError) carrying the gateway's
// `extensions.code`; a stack never leaves the gateway (yoga masks unexpected errors before we see them).
import { getOperationAST, GraphQLError, parse, type DocumentNode } from 'graphql';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../auth.js';
import { actorOf } from '../identity/actor.js';
import type { Logger } from '../logger.js';
import { GRAPHQL_QUERY_TOOL, type Catalogue, type CatalogueTool } from './catalogue.js';
import { describeScopes, scopesAllow } from './required-scopes.js';
import { targetOf } from './tool-documents.js';

/** Who calls, as the MCP endpoint authenticated them for this HTTP request. */
export interface ToolCaller {
  principal: Principal;
  /** The request's Authorization header, passed on to the GraphQL pipeline as it came. */
  authorization: string | null;
  requestId: string;
  /** The MCP client's name and version from `initialize` (`clientInfo`), for the audit log. */
  client: string | null;
  /** node:http's request, so the pipeline sees the caller's address (failed-authentication throttling). */
  serverContext: unknown;
}

/** A GraphQL-over-HTTP request: a trusted document by id, or (graphql_query) the caller's text. */
export type GraphQLRequestBody = { variables: Record<string, unknown>; operationName?: string } & ({ documentId: string } | { query: string });

export interface GraphQLResponseBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: ReadonlyArray<string | number>; extensions?: { code?: unknown } }>;
}

export interface ToolRunner {
  catalogue: Catalogue;
  audit: AuditLog;
  logger: Logger;
  /** Runs a GraphQL request through the gateway's pipeline as the caller. */
  execute(body: GraphQLRequestBody, caller: ToolCaller): Promise<GraphQLResponseBody>;
}

interface ToolFailure {
  code: string;
  message: string;
  path?: ReadonlyArray<string | number>;
}

export function toolError(errors: ToolFailure[], data?: Record<string, unknown> | null): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: errors.map((e) => `${e.code}: ${e.message}${e.path ? ` (at ${e.path.join('.')})` : ''}`).join('\n') }],
    structuredContent: { errors: errors.map((e) => ({ code: e.code, message: e.message, ...(e.path ? { path: e.path } : {}) })), ...(data ? { data } : {}) },
  };
}

const fail = (code: string, message: string) => toolError([{ code, message }]);

/** What the audit entry keeps of the arguments: everything, but long values summarised (a whole CloudTrail record is no detail). */
export function auditedArguments(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    const json = JSON.stringify(v) ?? 'null';
    out[k] = json.length <= 512 ? v : typeof v === 'string' ? `${v.slice(0, 200)}… (${v.length} characters)` : `(${json.length} characters of JSON)`;
  }
  return out;
}

/** The request a tool call becomes, or the reason it cannot be one. */
function requestOf(tool: CatalogueTool, args: Record<string, unknown>): GraphQLRequestBody | ToolFailure {
  if (tool.document) {
    const known = new Set(tool.document.operation.variableDefinitions?.map((v) => v.variable.name.value));
    const unknown = Object.keys(args).filter((a) => !known.has(a));
    if (unknown.length) return { code: 'BAD_USER_INPUT', message: `unknown argument${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; this tool takes ${[...known].join(', ') || 'none'}` };
    const document = tool.document.documentId ? { documentId: tool.document.documentId } : { query: tool.document.source };
    return { ...document, variables: args, operationName: tool.document.name };
  }
  // graphql_query: a query, never a mutation or subscription.
  const { query, variables, operationName } = args as { query?: unknown; variables?: unknown; operationName?: unknown };
  if (typeof query !== 'string' || !query.trim()) return { code: 'BAD_USER_INPUT', message: 'query: a GraphQL document is required' };
  if (variables !== undefined && (typeof variables !== 'object' || variables === null || Array.isArray(variables))) return { code: 'BAD_USER_INPUT', message: 'variables: an object is expected' };
  if (operationName !== undefined && typeof operationName !== 'string') return { code: 'BAD_USER_INPUT', message: 'operationName: a string is expected' };
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (e) {
    return { code: 'BAD_USER_INPUT', message: e instanceof GraphQLError ? e.message : 'the query does not parse' };
  }
  const operation = getOperationAST(document, operationName);
  if (!operation) return { code: 'BAD_USER_INPUT', message: operationName ? `no operation named ${operationName}` : 'the document holds several operations: give operationName' };
  if (operation.operation !== 'query') return { code: 'FORBIDDEN', message: `${GRAPHQL_QUERY_TOOL} runs queries only, not a ${operation.operation}: use the tool made for it` };
  return { query, variables: (variables as Record<string, unknown> | undefined) ?? {}, ...(operationName ? { operationName } : {}) };
}

export async function runTool(runner: ToolRunner, name: string, rawArgs: Record<string, unknown> | undefined, caller: ToolCaller): Promise<CallToolResult> {
  const args = rawArgs ?? {};
  const tool = runner.catalogue.tools.get(name);
  const start = {
    actor: actorOf(caller.principal),
    action: `mcp.${name}`,
    target: tool?.document ? targetOf(tool.document, args) : null,
    requestId: caller.requestId,
    details: { client: caller.client, arguments: auditedArguments(args) },
  };
  const refuse = async (code: string, message: string) => {
    await runner.audit.record({ ...start, outcome: 'FAILED', errorCode: code });
    return fail(code, message);
  };
  if (!tool) return refuse('NOT_FOUND', `there is no tool ${name}`);
  // Not listed for this caller either (mcp-server.ts): refused here without reaching the pipeline.
  if (!scopesAllow(caller.principal.scopes, tool.scopes)) {
    return refuse('FORBIDDEN', `${name} needs the ${describeScopes(tool.scopes).join(' and ')} scope, which this credential does not have`);
  }
  const request = requestOf(tool, args);
  if ('code' in request) return refuse(request.code, request.message);

  const entry = await runner.audit.begin(start);
  let response: GraphQLResponseBody;
  try {
    response = await runner.execute(request, caller);
  } catch (e) {
    // The pipeline answers errors as GraphQL errors; a throw here is a bug of ours: logged, not shown.
    runner.logger.error({ err: e, tool: name }, 'MCP tool call failed unexpectedly');
    await entry.failed('INTERNAL');
    return fail('INTERNAL', 'the gateway failed to run this tool');
  }
  if (response.errors?.length) {
    const errors = response.errors.map((e) => ({
      code: typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL',
      message: e.message,
      ...(e.path ? { path: e.path } : {}),
    }));
    await entry.failed(errors[0]!.code, { errors: errors.map((e) => e.code) });
    return toolError(errors, response.data);
  }
  await entry.succeeded();
  const data = response.data ?? {};
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}
