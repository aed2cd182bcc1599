// The Pothos builder and its plugin list, nothing else. Types live in one file per domain beside this one.
// Plugin order matters: scope-auth first so nothing runs before the access check; errors before dataloader
// so load errors reach the result; validation, then audit last (a refused or invalid call is not recorded;
// every Mutation field is audited, src/audit/audit-plugin.ts).
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ErrorsPlugin from '@pothos/plugin-errors';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import { AUDIT_PLUGIN } from '../audit/audit-plugin.js';
import type { Context } from '../context.js';
import { GatewayError } from '../errors.js';

export interface AuthScopes {
  read: boolean;
  respond: boolean;
  ingest: boolean;
  audit: boolean;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: AuthScopes;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, DataloaderPlugin, RelayPlugin, ValidationPlugin, AUDIT_PLUGIN],
  defaultFieldNullability: false,
  scopeAuth: {
    // Checked once when a subscription starts, not on every event.
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      read: ctx.principal?.scopes.has('read') ?? false,
      respond: ctx.principal?.scopes.has('respond') ?? false,
      ingest: ctx.principal?.scopes.has('ingest') ?? false,
      audit: ctx.principal?.scopes.has('audit') ?? false,
    }),
    unauthorizedError: (_parent, ctx) =>
      ctx.principal
        ? new GatewayError(
            'FORBIDDEN',
            ctx.principal.kind === 'USER'
              ? "Your roles do not grant the scope this field needs (SECGRAPH_OIDC_ROLE_SCOPES)"
              : 'This API key does not have the scope this field needs',
          )
        : new GatewayError('UNAUTHENTICATED', ctx.authMessage ?? 'An API key is required: send Authorization: Bearer <key>'),
  },
  errors: { defaultTypes: [] },
  relay: { clientMutationId: 'omit', cursorType: 'String' },
  validation: {
    validationError: (failure) =>
      new GatewayError(
        'BAD_USER_INPUT',
        failure.issues.map((i) => `${(i.path ?? []).map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.')}: ${i.message}`).join('; '),
      ),
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
