// Every action attributed: a Pothos plugin that audits every Mutation root field, so a mutation added later
// (triage, destinations, ...) is audited like the ones there today without anyone remembering to.
//
// Each mutation declares `audit: { target(args), details?(args), action? }` next to `authScopes` (or, when its
// resolver records its own entries — one per alert of a bulk update — `audit: { recordedByResolver: '<where>' }`):
//
//   builder.mutationField('closeIncident', (t) => t.field({
//     ...,
//     authScopes: { respond: true },
//     audit: { target: (args) => `incident:${args.id}`, details: (args) => ({ category: args.category }) },
//     resolve: ...,
//   }));
//
// The option is required by the types (MutationFieldOptions below), and a Mutation field without it fails
// the schema build (fail closed): no mutation runs unaudited. The wrapper begins an ATTEMPTED entry (action =
// the field name, actor = the caller, the request id) before the resolver runs — so before any upstream call —
// and completes it SUCCEEDED, or FAILED with the error's code (the error is rethrown unchanged). `details`
// defaults to the arguments; either way they pass through safeDetails (no secrets). It runs after scope-auth
// and validation (its place at the end of the plugin list): a caller without the scope, or with invalid
// arguments, is refused before anything is recorded or done.
import SchemaBuilder, { BasePlugin, type FieldNullability, type InputFieldMap, type InputShapeFromFields, type PothosOutputFieldConfig, type SchemaTypes, type TypeParam } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import type { Context } from '../context.js';
import { actorOf } from '../identity/actor.js';
import { audited } from './audit-log.js';

export interface AuditedByWrapper<Args> {
  /** `<kind>:<id>` of what the mutation acts on (`incident:1042`, `staUser:alice`); null when nothing in particular. */
  target: (args: Args) => string | null;
  /** The arguments that matter (default: all of them). Never a secret (safeDetails redacts credential keys anyway). */
  details?: (args: Args) => Record<string, unknown> | null;
  /** Default: the mutation's field name. */
  action?: string;
  /** The failure code when the answer itself reports one (the resolver returned instead of throwing); null when it succeeded. */
  failure?: (result: any) => string | null;
}

/**
 * The resolver records its own entries through `ctx.services.audit` (e.g. one per alert of a bulk update, each
 * begun before and completed after its upstream call); the reason says where, for reviewers.
 */
export interface AuditedByResolver {
  recordedByResolver: string;
}

export type AuditFieldOptions<Args> = AuditedByWrapper<Args> | AuditedByResolver;

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      audit: PothosAuditPlugin<Types>;
    }
    interface MutationFieldOptions<Types extends SchemaTypes, Type extends TypeParam<Types>, Nullable extends FieldNullability<Type>, Args extends InputFieldMap, ResolveReturnShape> {
      /** What the audit trail records of this mutation (src/audit/audit-plugin.ts). Required: no mutation runs unaudited. */
      audit: AuditFieldOptions<InputShapeFromFields<Args>>;
    }
  }
}

export class MissingAuditError extends Error {}

export class PothosAuditPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    if (fieldConfig.kind === 'Mutation' && !auditOptionsOf(fieldConfig)) {
      throw new MissingAuditError(
        `Mutation.${fieldConfig.name} declares no audit option: every mutation is audited. Add ` +
          "`audit: { target: (args) => '<kind>:<id>', details: (args) => ({ ...the arguments that matter }) }` to its t.field (see src/audit/audit-plugin.ts).",
      );
    }
    return fieldConfig;
  }

  override wrapResolve(resolver: GraphQLFieldResolver<unknown, Types['Context'], object>, fieldConfig: PothosOutputFieldConfig<Types>): GraphQLFieldResolver<unknown, Types['Context'], object> {
    const declared = fieldConfig.kind === 'Mutation' ? auditOptionsOf(fieldConfig) : null;
    if (!declared || !('target' in declared)) return resolver;
    const options = declared;
    const action = options.action ?? fieldConfig.name;
    return (parent, args, context, info) => {
      const ctx = context as Context;
      const a = args as Record<string, unknown>;
      const start = {
        // Scope-auth ran first: a mutation always has a principal here.
        actor: ctx.principal ? actorOf(ctx.principal) : { kind: 'OPEN' as const, id: 'anonymous', name: null, email: null },
        action,
        target: options.target(a),
        requestId: ctx.requestId,
        details: options.details ? options.details(a) : a,
      };
      return audited(ctx.services.audit, start, async () => resolver(parent, args, context, info), undefined, options.failure);
    };
  }
}

function auditOptionsOf<Types extends SchemaTypes>(fieldConfig: PothosOutputFieldConfig<Types>): AuditFieldOptions<Record<string, unknown>> | null {
  const audit = (fieldConfig.pothosOptions as { audit?: Partial<AuditedByWrapper<Record<string, unknown>> & AuditedByResolver> }).audit;
  if (audit && typeof audit.target === 'function') return audit as AuditedByWrapper<Record<string, unknown>>;
  if (audit && typeof audit.recordedByResolver === 'string' && audit.recordedByResolver.trim()) return { recordedByResolver: audit.recordedByResolver };
  return null;
}

/** The plugin's name, for the builder's plugin list (as Pothos's own plugins export theirs). */
export const AUDIT_PLUGIN = 'audit';
SchemaBuilder.registerPlugin(AUDIT_PLUGIN, PothosAuditPlugin);
