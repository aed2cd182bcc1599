// Queries compiled with graphql-jit (@envelop/graphql-jit): about 1.3–2× more cached reads per second in
// `npm run bench`. Only queries: subscriptions and mutations stay on graphql-js, whose subscription
// semantics the tests pin down.
//
// graphql-jit reports field errors without their AST nodes (only `locations`, which yoga's error
// serialisation rebuilds from the nodes, so clients saw none); graphql-js gives each the field it happened
// in. This plugin puts the nodes back, so a query answers the same whether it ran compiled or not: for each
// error with a path and no nodes, the field is found again in the operation by following the path's
// response keys through selections and fragments (list indices skipped).
import {
  GraphQLError,
  Kind,
  getOperationAST,
  type ExecutionArgs,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { getVariableValues } from 'graphql/execution/values.js';
import type { Plugin } from 'graphql-yoga';

/**
 * Queries only, and only when their variables coerce: graphql-jit reports a bad variable as an untyped error
 * (masked as INTERNAL_SERVER_ERROR), graphql-js as the BAD_USER_INPUT clients expect. Coercing a query's few
 * variables twice costs next to nothing.
 */
function compilable(args: ExecutionArgs): boolean {
  const op = getOperationAST(args.document, args.operationName);
  if (op?.operation !== 'query') return false;
  if (!op.variableDefinitions?.length) return true;
  const coerced = getVariableValues(args.schema, op.variableDefinitions, args.variableValues ?? {});
  return !coerced.errors;
}

/** The plugins that compile queries, for app.ts (SECGRAPH_GRAPHQL_JIT). */
export function useCompiledQueries(): Plugin[] {
  // @envelop/graphql-jit is typed for envelop's bare context; yoga's plugins take its initial context.
  const jit = useGraphQlJit({}, { enableIf: compilable }) as Plugin;
  return [jit, useJitErrorLocations()];
}

function fieldAt(set: SelectionSetNode, key: string, fragments: Map<string, FragmentDefinitionNode>): FieldNode | null {
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if ((sel.alias ?? sel.name).value === key) return sel;
    } else {
      const inner = sel.kind === Kind.INLINE_FRAGMENT ? sel.selectionSet : fragments.get(sel.name.value)?.selectionSet;
      const hit = inner ? fieldAt(inner, key, fragments) : null;
      if (hit) return hit;
    }
  }
  return null;
}

export function fieldNodeOf(document: DocumentNode, operationName: string | null | undefined, path: ReadonlyArray<string | number>): FieldNode | null {
  const op = getOperationAST(document, operationName);
  if (!op) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let set: SelectionSetNode | undefined = op.selectionSet;
  let field: FieldNode | null = null;
  for (const key of path) {
    if (typeof key === 'number') continue;
    if (!set) return null;
    field = fieldAt(set, key, fragments);
    if (!field) return null;
    set = field.selectionSet;
  }
  return field;
}

export function useJitErrorLocations(): Plugin {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || !result.errors?.some((e) => !e.nodes && e.path)) return;
          const errors = result.errors.map((e) => {
            if (e.nodes || !e.path) return e;
            const node = fieldNodeOf(args.document, args.operationName, e.path);
            if (!node) return e;
            return new GraphQLError(e.message, { nodes: [node], path: e.path, extensions: e.extensions, ...(e.originalError ? { originalError: e.originalError } : {}) });
          });
          setResult({ ...result, errors });
        },
      };
    },
  };
}
