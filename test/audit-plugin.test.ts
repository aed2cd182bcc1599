// The audit plugin fails closed: a Mutation field that declares neither what to record nor that its resolver
// records its own entries stops the schema from building, so no mutation can run unaudited.
import SchemaBuilder from '@pothos/core';
import { describe, expect, it } from 'vitest';
import { AUDIT_PLUGIN, MissingAuditError } from '../src/audit/audit-plugin.js';

function schemaWith(audit: unknown) {
  // Only this plugin: the app's builder also needs scope-auth's options, which this schema has no use for.
  const builder = new SchemaBuilder<{ Context: object }>({ plugins: [AUDIT_PLUGIN] } as never);
  builder.queryType({ fields: (t) => ({ ok: t.boolean({ resolve: () => true }) }) });
  builder.mutationType({});
  builder.mutationField('doSomething', (t) =>
    t.boolean({ args: { id: t.arg.id({ required: true }) }, ...(audit === undefined ? {} : { audit }), resolve: () => true } as never),
  );
  return () => builder.toSchema();
}

describe('audit plugin', () => {
  it('refuses to build a schema with a mutation that declares no audit option, naming it and saying how to fix it', () => {
    expect(schemaWith(undefined)).toThrow(MissingAuditError);
    expect(schemaWith(undefined)).toThrow(/Mutation\.doSomething declares no audit option.*target/);
    expect(schemaWith({ recordedByResolver: '  ' })).toThrow(MissingAuditError);
    expect(schemaWith({ details: () => ({}) })).toThrow(MissingAuditError);
  });

  it('builds with a target, or with the resolver recording its own entries', () => {
    expect(schemaWith({ target: (args: { id: string }) => `thing:${args.id}` })().getMutationType()?.getFields()['doSomething']).toBeDefined();
    expect(schemaWith({ recordedByResolver: 'per item, in src/somewhere.ts' })().getMutationType()?.getFields()['doSomething']).toBeDefined();
  });
});
