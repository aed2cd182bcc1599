// schema.graphql is committed for clients and reviewers: it must match the code. Run `npm run codegen`.
import { readFileSync } from 'node:fs';
import { buildSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.js';

describe('schema.graphql', () => {
  it('is what the code defines (regenerate with npm run codegen)', () => {
    const committed = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
    expect(printSchema(lexicographicSortSchema(committed))).toBe(printSchema(lexicographicSortSchema(schema)));
  });

  it('keeps the field names and types clients depend on', () => {
    const signature = (root: 'Query' | 'Mutation', name: string) => {
      const field = (root === 'Query' ? schema.getQueryType() : schema.getMutationType())!.getFields()[name]!;
      const args = [...field.args].sort((a, b) => a.name.localeCompare(b.name));
      return `${name}(${args.map((a) => `${a.name}: ${String(a.type)}${a.defaultValue !== undefined ? ` = ${String(a.defaultValue)}` : ''}`).join(', ')}): ${String(field.type)}`;
    };
    // `instance` (issue 27): the SaaS Security tenant; optional, so one-tenant clients are unchanged.
    expect(signature('Query', 'apps')).toBe('apps(instance: String): [App!]!');
    expect(signature('Query', 'incident')).toBe('incident(id: ID!, instance: String): Incident');
    expect(signature('Query', 'incidents')).toBe('incidents(after: String, filter: IncidentFilter, first: Int): IncidentConnection!');
    expect(signature('Query', 'remediationStatus')).toBe('remediationStatus(assetId: ID!, instance: String, type: RemediationType!): Remediation');
    expect(signature('Query', 'incidentFetchStatus')).toBe('incidentFetchStatus(instance: String): IncidentFetchStatus!');
    expect(signature('Mutation', 'closeIncident')).toBe('closeIncident(category: CloseCategory!, id: ID!, instance: String): Incident!');
    expect(signature('Mutation', 'remediateAsset')).toBe(
      'remediateAsset(assetId: ID!, instance: String, removeInheritedSharing: Boolean = false, type: RemediationType!): Remediation!',
    );
    expect(String((schema.getType('Incident') as import('graphql').GraphQLObjectType).getFields()['instance']!.type)).toBe('String!');
    expect(String((schema.getType('IncidentFilter') as import('graphql').GraphQLInputObjectType).getFields()['instances']!.type)).toBe('[String!]');
    const enumValues = (name: string) => (schema.getType(name) as import('graphql').GraphQLEnumType).getValues().map((v) => v.name).sort();
    expect(enumValues('IncidentState')).toEqual(['CLOSED', 'OPEN']);
    expect(enumValues('CloseCategory')).toEqual(['BUSINESS_JUSTIFIED', 'MISIDENTIFIED', 'NO_REASON']);
    expect(enumValues('RemediationType')).toEqual(['QUARANTINE', 'REMOVE_PUBLIC_SHARING', 'RESTORE']);
  });
});
