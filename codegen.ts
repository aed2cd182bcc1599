// `npm run codegen`: prints schema.graphql from the code-first schema (committed; test/schema-drift.test.ts
// fails when it is stale) and generates typed documents for the tests from test/documents/*.graphql.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: './src/schema/index.ts',
  documents: ['test/documents/**/*.graphql'],
  ignoreNoDocuments: true,
  emitLegacyCommonJSImports: false,
  generates: {
    'schema.graphql': { plugins: ['schema-ast'], config: { includeDirectives: false, sort: true } },
    'test/gql/': { preset: 'client', config: { useTypeImports: true, enumsAsTypes: true }, presetConfig: { fragmentMasking: false } },
  },
};
export default config;
