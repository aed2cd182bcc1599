// Gateway-level facts for clients: which upstreams are real and which are the built-in sandboxes.
import { builder } from './builder.js';
import { GATEWAY_VERSION } from '../version.js';

interface GatewayInfo {
  version: string;
  sandboxes: readonly string[];
}

const GatewayInfoRef = builder.objectRef<GatewayInfo>('GatewayInfo').implement({
  fields: (t) => ({
    version: t.exposeString('version'),
    sandboxes: t.exposeStringList('sandboxes', {
      description: 'Upstreams served by built-in emulators with generated data, not by the real vendor APIs.',
    }),
  }),
});

builder.queryField('gateway', (t) =>
  t.field({
    type: GatewayInfoRef,
    authScopes: { read: true },
    resolve: (_root, _args, ctx) => ({ version: GATEWAY_VERSION, sandboxes: ctx.services.sandboxes }),
  }),
);
