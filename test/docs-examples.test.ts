// The GraphQL examples in README.md and docs/*.md are queries users paste into GraphiQL: they must stay valid
// against the schema as it changes.
import { readdirSync, readFileSync } from 'node:fs';
import { LoneAnonymousOperationRule, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.js';

const root = new URL('../', import.meta.url);
const files = ['README.md', ...readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

// A doc block may list several operations, some anonymous, for readers to pick from.
const rules = specifiedRules.filter((r) => r !== LoneAnonymousOperationRule);

function graphqlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('documentation examples', () => {
  it.each(files)('%s: every graphql block parses and validates', (file) => {
    const blocks = graphqlBlocks(readFileSync(new URL(file, root), 'utf8'));
    for (const block of blocks) {
      const errors = validate(schema, parse(block), rules).map((e) => e.message);
      expect(errors, block).toEqual([]);
    }
  });

  it('README has examples to check', () => {
    expect(graphqlBlocks(readFileSync(new URL('README.md', root), 'utf8')).length).toBeGreaterThan(0);
  });
});
