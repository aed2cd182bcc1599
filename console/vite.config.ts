// Builds the console (console/) into dist/console, served by the gateway at /console (src/console-route.ts).
// Every GraphQL document the console sends is validated against the committed schema.graphql first, so a
// schema change that breaks the console fails the build as well as `npm run typecheck`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, parse, validate, type DefinitionNode } from 'graphql';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const documentsDir = path.join(here, 'src', 'graphql');

function validateDocuments(): Plugin {
  return {
    name: 'secgraph-validate-documents',
    buildStart() {
      const schema = buildSchema(readFileSync(path.join(here, '..', 'schema.graphql'), 'utf8'));
      const files = readdirSync(documentsDir).filter((f) => f.endsWith('.graphql'));
      // Fragments are shared across files: validate all documents as one.
      const definitions: DefinitionNode[] = files.flatMap((f) => parse(readFileSync(path.join(documentsDir, f), 'utf8')).definitions);
      const errors = validate(schema, { kind: 'Document' as never, definitions });
      if (errors.length) this.error(`console GraphQL documents do not match schema.graphql:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
    },
  };
}

/**
 * The console's trusted documents (console/src/gql/persisted-documents.json, written by `npm run codegen`) go
 * into the build beside index.html: the gateway serving this build trusts them without configuration, and
 * the console sends only their ids (src/trusted-documents/).
 */
function trustedDocumentsManifest(): Plugin {
  return {
    name: 'secgraph-trusted-documents',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'persisted-documents.json', source: readFileSync(path.join(here, 'src', 'gql', 'persisted-documents.json'), 'utf8') });
    },
  };
}

export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  plugins: [validateDocuments(), trustedDocumentsManifest()],
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: path.join(here, '..', 'dist', 'console'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Everything inline-free and local: no CDN, no external fonts.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
});
