// The MCP tools are GraphQL operations kept as files, one per tool, in tools/ beside this module (the build
// copies the folder beside the bundle). A file is an operation named after the tool, preceded by comment
// lines: the description, then `@` lines that say what the operation cannot:
//   # @title <a human title>            # @destructive / @idempotent (mutations; queries are read-only)
//   # @target <kind>:$<variable>        the audit entry's target
//   # @arg <variable>: <description>    when the argument's own description is not enough
// Each document is validated against the schema when loaded, so a schema change that breaks a tool fails
// at start and in test/mcp.test.ts, not when an assistant calls it.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';

export interface ToolDocument {
  /** The tool's name: the operation's name, and the file's. */
  name: string;
  title: string | null;
  description: string;
  kind: 'query' | 'mutation';
  destructive: boolean;
  idempotent: boolean;
  /** `incident:$id` → the audit target, with the variable's value in place of `$id`. */
  target: string | null;
  /** Variable descriptions the file gives (they win over the argument's description). */
  argDescriptions: Record<string, string>;
  /** The document as registered with the trusted documents (printed, so its id does not depend on the file's comments). */
  source: string;
  /** Its trusted-document id (`sha256:<hex>`), once registered (endpoint.ts); calls then send the id, not the text. */
  documentId?: string;
  document: DocumentNode;
  operation: OperationDefinitionNode;
}

export const TOOLS_DIR = fileURLToPath(new URL('./tools/', import.meta.url));

/** Reads and checks every `tools/*.graphql`. Throws naming the file for any document that is wrong. */
export function loadToolDocuments(schema: GraphQLSchema, dir: string = TOOLS_DIR): ToolDocument[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.graphql')).sort();
  return files.map((file) => {
    try {
      return parseToolDocument(readFileSync(`${dir}/${file}`, 'utf8'), schema, file.replace(/\.graphql$/, ''));
    } catch (e) {
      throw new Error(`MCP tool ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}

export function parseToolDocument(text: string, schema: GraphQLSchema, expectedName?: string): ToolDocument {
  const document = parse(text, { noLocation: true });
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) throw new Error('a tool file holds exactly one operation (fragments beside it are fine)');
  const operation = operations[0]!;
  const name = operation.name?.value;
  if (!name) throw new Error('the operation needs a name: the tool name');
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(name)) throw new Error(`tool name "${name}" must be snake_case`);
  if (expectedName !== undefined && name !== expectedName) throw new Error(`the operation is "${name}": name it after the file`);
  if (operation.operation === 'subscription') throw new Error('subscriptions cannot be tools');
  const errors = validate(schema, document);
  if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));

  const header = leadingComments(text);
  const description = header.filter((l) => !l.startsWith('@')).join(' ').replace(/\s+/g, ' ').trim();
  if (!description) throw new Error('describe the tool in the comment lines above the operation');
  const directives = header.filter((l) => l.startsWith('@'));
  const value = (key: string) => directives.find((d) => d.startsWith(`@${key} `))?.slice(key.length + 2).trim() ?? null;
  const flag = (key: string) => directives.includes(`@${key}`);
  const argDescriptions: Record<string, string> = {};
  for (const d of directives.filter((l) => l.startsWith('@arg '))) {
    const m = /^@arg\s+\$?(\w+)\s*:\s*(.+)$/.exec(d);
    if (!m) throw new Error(`"${d}": expected "@arg <variable>: <description>"`);
    argDescriptions[m[1]!] = m[2]!.trim();
  }
  const variables = new Set(operation.variableDefinitions?.map((v) => v.variable.name.value));
  for (const v of Object.keys(argDescriptions)) if (!variables.has(v)) throw new Error(`@arg ${v}: the operation has no $${v}`);
  const target = value('target');
  for (const m of target?.matchAll(/\$(\w+)/g) ?? []) if (!variables.has(m[1]!)) throw new Error(`@target: the operation has no $${m[1]}`);
  const kind = operation.operation;
  if (kind === 'query' && (flag('destructive') || flag('idempotent'))) throw new Error('a query is read-only: @destructive and @idempotent are for mutations');
  return {
    name,
    title: value('title'),
    description,
    kind,
    destructive: flag('destructive'),
    idempotent: kind === 'query' || flag('idempotent'),
    target,
    argDescriptions,
    source: print(document),
    document,
    operation,
  };
}

/** The `#` lines before the first definition, without the `#` and surrounding blanks. */
function leadingComments(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith('#')) break;
    lines.push(line.replace(/^#+\s?/, '').trim());
  }
  return lines.filter(Boolean);
}

/** The audit target of a call: the @target pattern with the arguments' values, or null. */
export function targetOf(tool: Pick<ToolDocument, 'target'>, args: Record<string, unknown>): string | null {
  if (!tool.target) return null;
  let missing = false;
  const target = tool.target.replace(/\$(\w+)/g, (_, v: string) => {
    const value = args[v];
    if (value === undefined || value === null) missing = true;
    return Array.isArray(value) ? value.map(String).join(',') : String(value);
  });
  return missing ? null : target;
}
