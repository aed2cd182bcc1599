// What one GraphQL operation may ask for, and the stable codes of its rejections. graphql-armor bounds
// depth, aliases, cost, tokens and directives; each rejection gets its own `extensions.code` through armor's
// onReject hook. Parse and validation errors, and variables that do not coerce, get codes here too.
// With API keys configured, introspection and "Did you mean" suggestions (fields and enum values) are off
// unless SECGRAPH_INTROSPECTION=true: they would hand the schema to anyone who can reach the port.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, Kind, NoSchemaIntrospectionCustomRule, type ASTVisitor, type ExecutionResult, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { SecurityConfig } from '../config.js';

/** Codes of the operation-level rejections (see README "Errors"). */
export const LIMIT_CODES = {
  depth: 'QUERY_TOO_DEEP',
  aliases: 'TOO_MANY_ALIASES',
  cost: 'QUERY_TOO_COMPLEX',
  tokens: 'TOO_MANY_TOKENS',
  directives: 'TOO_MANY_DIRECTIVES',
  parse: 'GRAPHQL_PARSE_FAILED',
  validation: 'GRAPHQL_VALIDATION_FAILED',
  introspection: 'INTROSPECTION_DISABLED',
  variables: 'BAD_USER_INPUT',
} as const;

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** The same error with `code` set (kept if it has one) and, when asked, its suggestion cut. */
function withCode(error: GraphQLError, code: string, hideSuggestions: boolean): GraphQLError {
  const message = hideSuggestions ? error.message.replace(SUGGESTION, '') : error.message;
  if (error.extensions['code'] && message === error.message) return error;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: error.extensions['code'] ?? code },
  });
}

const reject = (code: string) => [
  (_ctx: ValidationContext | null, error: GraphQLError) => {
    // armor reports the same object it hands us: stamping it here is what reaches the client.
    (error.extensions as Record<string, unknown>)['code'] = code;
    // armor words its limits as syntax errors ("Syntax Error: Query Cost limit of 20000 exceeded"); the
    // document was well-formed, and the code says which limit it passed.
    error.message = error.message.replace(/^Syntax Error: /, '');
  },
];

function argumentLengthRule(max: number) {
  return (context: ValidationContext): ASTVisitor => ({
    Argument(node) {
      const value = node.value;
      if (value.kind === Kind.STRING && value.value.length > max) {
        context.reportError(
          new GraphQLError(`Argument "${node.name.value}" is longer than ${max} characters`, {
            nodes: node,
            extensions: { code: 'BAD_USER_INPUT', argument: node.name.value },
          }),
        );
      }
    },
  });
}

/** The first variable holding a string longer than `max`, looked for inside lists and input objects too. */
function tooLongVariable(values: Record<string, unknown> | null | undefined, max: number): string | null {
  const tooLong = (v: unknown, depth: number): boolean => {
    if (typeof v === 'string') return v.length > max;
    if (depth > 10 || v === null || typeof v !== 'object') return false;
    return Object.values(v as Record<string, unknown>).some((x) => tooLong(x, depth + 1));
  };
  for (const [name, value] of Object.entries(values ?? {})) if (tooLong(value, 0)) return name;
  return null;
}

function codeResult(result: ExecutionResult, hideSuggestions: boolean): ExecutionResult {
  if (!result.errors?.length) return result;
  // Errors with no path and no data arose before execution: variables that did not coerce.
  const beforeExecution = result.data === undefined;
  return {
    ...result,
    errors: result.errors.map((e) =>
      beforeExecution || hideSuggestions ? withCode(e, LIMIT_CODES.variables, hideSuggestions) : e,
    ),
  };
}

export function useOperationLimits(security: SecurityConfig): Array<Plugin<any>> {
  const hide = !security.introspection;
  const armor = EnvelopArmorPlugin({
    maxDepth: { n: 12, onReject: reject(LIMIT_CODES.depth) },
    maxAliases: { n: 30, onReject: reject(LIMIT_CODES.aliases) },
    costLimit: { maxCost: 20_000, onReject: reject(LIMIT_CODES.cost) },
    maxTokens: { n: 5_000, onReject: reject(LIMIT_CODES.tokens) },
    maxDirectives: { n: 50, onReject: reject(LIMIT_CODES.directives) },
    // Suggestions are cut below, enum values included (armor's mask misses "Did you mean the enum value").
    blockFieldSuggestion: { enabled: false },
  });
  const max = security.maxArgumentLength;
  /** The result refusing variables that hold an over-long string, or null. */
  const longVariableRefusal = (values: Record<string, unknown> | null | undefined): ExecutionResult | null => {
    const variable = tooLongVariable(values, max);
    if (!variable) return null;
    return { errors: [new GraphQLError(`Variable "$${variable}" holds a string longer than ${max} characters`, { extensions: { code: 'BAD_USER_INPUT', argument: variable } })] };
  };
  // One hook object for every operation; results without errors are left as they are.
  const codeExecuteErrors = {
    onExecuteDone: ({ result, setResult }: { result: ExecutionResult | AsyncIterable<unknown>; setResult: (r: ExecutionResult) => void }) => {
      if (!isAsyncIterable(result) && result.errors?.length) setResult(codeResult(result, hide));
    },
  };
  const codes: Plugin = {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof GraphQLError) {
          const code = result.message.includes('Token limit') ? LIMIT_CODES.tokens : LIMIT_CODES.parse;
          replaceParseResult(withCode(result, code, hide));
        }
      };
    },
    onValidate({ addValidationRule }) {
      if (hide) addValidationRule(NoSchemaIntrospectionCustomRule);
      addValidationRule(argumentLengthRule(security.maxArgumentLength));
      return ({ result, setResult, valid }) => {
        if (valid) return;
        setResult(
          (result as GraphQLError[]).map((e) =>
            withCode(e, /introspection has been disabled/.test(e.message) ? LIMIT_CODES.introspection : LIMIT_CODES.validation, hide),
          ),
        );
      };
    },
    onExecute({ args, setResultAndStopExecution }) {
      const refusal = longVariableRefusal(args.variableValues);
      if (refusal) return setResultAndStopExecution(refusal);
      return codeExecuteErrors;
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = longVariableRefusal(args.variableValues);
      if (refusal) return setResultAndStopExecution(refusal);
      return { onSubscribeResult: ({ result, setResult }) => { if (!isAsyncIterable(result)) setResult(codeResult(result, hide)); } };
    },
  };
  return [armor, codes];
}

const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> =>
  typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
