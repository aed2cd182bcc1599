// Gateway-level facts for clients: which upstreams are real and which are the built-in sandboxes, and what the
// caller's key may do (the console hides actions a key cannot perform).
import { builder } from './builder.js';
import { GATEWAY_VERSION } from '../version.js';

interface GatewayInfo {
  version: string;
  sandboxes: readonly string[];
}

interface Viewer {
  open: boolean;
  scopes: readonly string[];
}

const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'The caller, as the gateway authenticated it.',
  fields: (t) => ({
    open: t.exposeBoolean('open', { description: 'The gateway has no API keys configured: every caller has every scope.' }),
    scopes: t.exposeStringList('scopes', { description: 'The scopes of the key that made this request: read, respond, ingest.' }),
  }),
});

const GatewayInfoRef = builder.objectRef<GatewayInfo>('GatewayInfo').implement({
  fields: (t) => ({
    version: t.exposeString('version'),
    sandboxes: t.exposeStringList('sandboxes', {
      description: 'Upstreams served by built-in emulators with generated data, not by the real vendor APIs.',
    }),
    viewer: t.field({
      type: ViewerRef,
      resolve: (_info, _args, ctx) => ({
        open: ctx.principal?.id === 'open',
        scopes: ctx.principal ? [...ctx.principal.scopes].sort() : [],
      }),
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
