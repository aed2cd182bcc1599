// The tools this gateway offers, built once from the tool documents and the schema: each tool's MCP
// definition (input schema, annotations) and the scopes its operation needs. Optionally `graphql_query`, an
// arbitrary read-only query (SECGRAPH_MCP_ARBITRARY_QUERIES), whose own checks live in run-tool.ts.
import type { GraphQLSchema } from 'graphql';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { inputSchemaOf } from './input-schema.js';
import { describeScopes, requiredScopesOf, type ScopeAlternatives } from './required-scopes.js';
import { loadToolDocuments, type ToolDocument } from './tool-documents.js';

export const GRAPHQL_QUERY_TOOL = 'graphql_query';

export interface CatalogueTool {
  definition: Tool;
  /** The scopes the caller needs (each entry: one of these). */
  scopes: readonly ScopeAlternatives[];
  /** The operation it runs; null for graphql_query (the caller's). */
  document: ToolDocument | null;
}

export interface Catalogue {
  tools: ReadonlyMap<string, CatalogueTool>;
}

function toolOf(schema: GraphQLSchema, doc: ToolDocument): CatalogueTool {
  const scopes = requiredScopesOf(schema, doc.document);
  const readOnly = doc.kind === 'query';
  return {
    document: doc,
    scopes,
    definition: {
      name: doc.name,
      ...(doc.title ? { title: doc.title } : {}),
      description: `${doc.description} Needs the ${describeScopes(scopes).join(' and ') || 'no'} scope.`,
      inputSchema: inputSchemaOf(schema, doc.document, doc.operation, doc.argDescriptions) as Tool['inputSchema'],
      annotations: {
        ...(doc.title ? { title: doc.title } : {}),
        readOnlyHint: readOnly,
        destructiveHint: !readOnly && doc.destructive,
        idempotentHint: doc.idempotent,
        // Every tool reaches the gateway's upstreams (SaaS Security, STA) or its detections, never the open web.
        openWorldHint: false,
      },
    },
  };
}

const graphqlQueryTool: CatalogueTool = {
  document: null,
  scopes: [['read']],
  definition: {
    name: GRAPHQL_QUERY_TOOL,
    title: 'Run a read-only GraphQL query',
    description:
      'Runs one GraphQL query (never a mutation or subscription) against the secgraph schema and returns its data. ' +
      'Prefer the other tools; use this for what they do not cover. Needs the read scope.',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'A GraphQL document holding one query (or several, with operationName).' },
        variables: { type: 'object', description: "The query's variables." },
        operationName: { type: 'string', description: 'Which operation of the document to run.' },
      },
      required: ['query'],
      additionalProperties: false,
    },
    annotations: { title: 'Run a read-only GraphQL query', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
};

export function buildCatalogue(schema: GraphQLSchema, options: { arbitraryQueries: boolean }, documents: ToolDocument[] = loadToolDocuments(schema)): Catalogue {
  const tools = new Map<string, CatalogueTool>();
  for (const doc of documents) tools.set(doc.name, toolOf(schema, doc));
  if (options.arbitraryQueries) tools.set(GRAPHQL_QUERY_TOOL, graphqlQueryTool);
  return { tools };
}
