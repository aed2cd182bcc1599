// `npm run codegen`: prints schema.graphql from the code-first schema (committed; test/schema-drift.test.ts
// fails when it is stale) and generates typed documents for the tests from test/documents/*.graphql and for
// the console from console/src/graphql/*.graphql. The console's types come from the same schema, so a schema
// change that breaks a console document or its use fails `npm run typecheck` (and the console build validates
// its documents against the committed schema.graphql).
import type { CodegenConfig } from '@graphql-codegen/cli';

const typed = { preset: 'client', config: { useTypeImports: true, enumsAsTypes: true }, presetConfig: { fragmentMasking: false } } as const;

/**
 * The console's typed documents (test/console-documents.test.ts regenerates them to check they are current),
 * each with its `sha256:<hex>` id in `__meta__.hash`, and persisted-documents.json: the manifest the console's
 * build copies beside it, which the gateway trusts without configuration (src/trusted-documents/load.ts).
 */
export const consoleDocuments = {
  ...typed,
  documents: ['console/src/graphql/**/*.graphql'],
  config: { ...typed.config, scalars: { DateTime: 'string', JSON: 'unknown' } },
  presetConfig: { ...typed.presetConfig, persistedDocuments: true },
};

const config: CodegenConfig = {
  schema: './src/schema/index.ts',
  ignoreNoDocuments: true,
  emitLegacyCommonJSImports: false,
  generates: {
    'schema.graphql': { plugins: ['schema-ast'], config: { includeDirectives: false, sort: true } },
    'test/gql/': { ...typed, documents: ['test/documents/**/*.graphql'] },
    'console/src/gql/': consoleDocuments,
  },
};
export default config;
