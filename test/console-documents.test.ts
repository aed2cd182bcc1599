// The console's typed documents (console/src/gql/, committed) must be what codegen makes of its .graphql
// documents and the committed schema: otherwise `npm run typecheck` would check the console against stale
// types. Regenerate with `npm run codegen`.
import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { consoleDocuments } from '../codegen.js';

describe('console typed documents', () => {
  it('are current with console/src/graphql and schema.graphql (regenerate with npm run codegen)', async () => {
    const files = (await generate(
      { schema: 'schema.graphql', ignoreNoDocuments: true, emitLegacyCommonJSImports: false, silent: true, generates: { 'console/src/gql/': consoleDocuments } },
      false,
    )) as Array<{ filename: string; content: string }>;
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f.filename, 'utf8'), f.filename).toBe(f.content);
  });
});
