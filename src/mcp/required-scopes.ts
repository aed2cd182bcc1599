// The scopes a tool needs, read from the schema rather than declared a second time: every field and type an
// operation selects carries Pothos's `authScopes` (src/schema/*.ts), and the tool needs what each of them
// needs. A Pothos scope map passes when ANY of its scopes does (`$all` nests a map that needs every one), so
// a requirement is a set of alternatives; the tool needs every requirement met. A scope given as a function
// is decided per request and cannot be read here: the operation is then left to GraphQL's own check.
import { getNamedType, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Scope } from '../config.js';

/** At least one of these scopes. */
export type ScopeAlternatives = readonly Scope[];

// Any other key of a scope map is a scope name (AuthScopes in src/schema/builder.ts).
const isScope = (s: string): s is Scope => !s.startsWith('$');

/** A Pothos scope map as requirements: `{read: true}` → [[read]]; `{read: true, respond: true}` → [[read, respond]]. */
function requirementsOf(map: unknown): ScopeAlternatives[] {
  if (!map || typeof map !== 'object') return [];
  const entries = Object.entries(map as Record<string, unknown>);
  const any: Scope[] = [];
  const all: ScopeAlternatives[] = [];
  for (const [key, value] of entries) {
    if (key === '$all' && value && typeof value === 'object') for (const [k, v] of Object.entries(value)) all.push(...requirementsOf({ [k]: v }));
    else if (key === '$any') any.push(...requirementsOf(value).flat());
    else if (value === true && isScope(key)) any.push(key);
  }
  return any.length ? [any, ...all] : all;
}

function pothosScopes(extensions: unknown): ScopeAlternatives[] {
  const options = (extensions as { pothosOptions?: { authScopes?: unknown } } | null | undefined)?.pothosOptions;
  return requirementsOf(options?.authScopes);
}

/** Every requirement of the fields and object types the document selects, deduplicated. */
export function requiredScopesOf(schema: GraphQLSchema, document: DocumentNode): ScopeAlternatives[] {
  const seen = new Map<string, ScopeAlternatives>();
  const add = (reqs: ScopeAlternatives[]) => {
    for (const r of reqs) seen.set([...r].sort().join('|'), r);
  };
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const field = typeInfo.getFieldDef();
        if (!field) return;
        add(pothosScopes(field.extensions));
        add(pothosScopes(getNamedType(field.type).extensions));
      },
    }),
  );
  return [...seen.values()];
}

export function scopesAllow(held: ReadonlySet<Scope>, requirements: readonly ScopeAlternatives[]): boolean {
  return requirements.every((alternatives) => alternatives.some((s) => held.has(s)));
}

/** For descriptions and docs: `read`, `respond`, `read or audit`. */
export function describeScopes(requirements: readonly ScopeAlternatives[]): string[] {
  return requirements.map((r) => r.join(' or '));
}
