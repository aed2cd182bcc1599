// A tool's inputSchema, generated from its operation's variables: one property per variable, named as the
// variable (which follows the GraphQL argument it feeds), GraphQL's types mapped to JSON Schema (2020-12, the
// MCP default dialect). Non-null variables without a default are required; input objects become closed
// objects with their own required fields; enums list their values; descriptions come from the tool file's
// @arg line, else the argument the variable feeds, else the type. Recursive input types end in an open
// object at the second visit rather than an infinite schema.
import {
  astFromValue,
  getNamedType,
  isSpecifiedScalarType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  TypeInfo,
  typeFromAST,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  Kind,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type DocumentNode,
} from 'graphql';

export type JsonSchema = { [key: string]: unknown };

export interface ObjectJsonSchema extends JsonSchema {
  type: 'object';
  properties: Record<string, JsonSchema>;
  required?: string[];
}

/** JSON Schema for the scalars the schema has; an unknown custom scalar accepts any value. */
function scalarSchema(type: GraphQLScalarType): JsonSchema {
  switch (type.name) {
    case 'String':
      return { type: 'string' };
    case 'ID':
      return { type: 'string' };
    case 'Int':
      return { type: 'integer', minimum: -2147483648, maximum: 2147483647 };
    case 'Float':
      return { type: 'number' };
    case 'Boolean':
      return { type: 'boolean' };
    case 'DateTime':
      return { type: 'string', format: 'date-time' };
    default:
      // JSON and any other custom scalar: whatever its parser takes.
      return {};
  }
}

function withDescription(schema: JsonSchema, description: string | null | undefined): JsonSchema {
  return description ? { ...schema, description } : schema;
}

/** A type's own description; none for GraphQL's built-in scalars ("The `Boolean` scalar type represents …" says nothing). */
function typeDescription(type: GraphQLNamedType): string | null | undefined {
  return isSpecifiedScalarType(type) ? null : type.description;
}

function typeSchema(type: GraphQLInputType, seen: ReadonlySet<string>): JsonSchema {
  if (type instanceof GraphQLNonNull) return typeSchema(type.ofType, seen);
  if (type instanceof GraphQLList) return { type: 'array', items: typeSchema(type.ofType, seen) };
  if (type instanceof GraphQLScalarType) return withDescription(scalarSchema(type), typeDescription(type));
  if (type instanceof GraphQLEnumType) {
    const values = type.getValues();
    const described = values.filter((v) => v.description).map((v) => `${v.name}: ${v.description}`);
    const description = [type.description, ...described].filter(Boolean).join('; ');
    return withDescription({ type: 'string', enum: values.map((v) => v.name) }, description);
  }
  // An input object.
  const input = type as GraphQLInputObjectType;
  if (seen.has(input.name)) return withDescription({ type: 'object' }, input.description);
  const inner = new Set(seen).add(input.name);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const field of Object.values(input.getFields())) {
    let schema = withDescription(typeSchema(field.type, inner), field.description ?? typeDescription(getNamedType(field.type)));
    // The default as the client would write it (an enum's name, not its internal value).
    const defaultAst = field.defaultValue === undefined ? null : astFromValue(field.defaultValue, field.type);
    if (defaultAst) schema = { ...schema, default: valueFromASTUntyped(defaultAst) };
    properties[field.name] = schema;
    if (field.type instanceof GraphQLNonNull && field.defaultValue === undefined) required.push(field.name);
  }
  return withDescription({ type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false }, input.description);
}

/** The description of the argument each variable feeds directly (`incident(id: $id)` → incident's `id`). */
function argumentDescriptions(schema: GraphQLSchema, document: DocumentNode): Map<string, string> {
  const found = new Map<string, string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const description = typeInfo.getArgument()?.description;
        if (node.value.kind === Kind.VARIABLE && description && !found.has(node.value.name.value)) found.set(node.value.name.value, description);
      },
    }),
  );
  return found;
}

export function inputSchemaOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, argDescriptions: Record<string, string> = {}): ObjectJsonSchema {
  const fromArguments = argumentDescriptions(schema, document);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type as never) as GraphQLInputType | undefined;
    if (!type) throw new Error(`$${name}: unknown type`);
    const description = argDescriptions[name] ?? fromArguments.get(name) ?? typeDescription(getNamedType(type));
    let property = withDescription(typeSchema(type, new Set()), description);
    if (definition.defaultValue) property = { ...property, default: valueFromASTUntyped(definition.defaultValue) };
    properties[name] = property;
    if (type instanceof GraphQLNonNull && !definition.defaultValue) required.push(name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false };
}
