// Gateway-level facts for clients: which upstreams are real and which are the built-in sandboxes, this
// instance, which instance runs which background job, and what the caller's key may do (the console hides
// actions a key cannot perform).
import { gatewayLeases, type GatewayLease } from '../resolvers/gateway.js';
import type { Principal } from '../auth.js';
import type { SaasInstance } from '../connectors/saas-security/instances.js';
import { builder } from './builder.js';
import { IncidentFetchStatusRef } from './incident-fetch.js';
import { GATEWAY_VERSION } from '../version.js';

interface GatewayInfo {
  version: string;
  sandboxes: readonly string[];
  instance: string;
}

const ViewerKindRef = builder.enumType('ViewerKind', {
  description: 'How the caller was authenticated.',
  values: {
    OPEN: { description: 'The gateway is open (no API keys, no identity provider): an anonymous caller with every scope.' },
    API_KEY: { description: 'An API key (SECGRAPH_API_KEYS).' },
    USER: { description: "A person signed in through the identity provider (a bearer token of SECGRAPH_OIDC_ISSUER)." },
  } as const,
});

const ViewerRef = builder.objectRef<Principal>('Viewer').implement({
  description: 'The caller, as the gateway authenticated it.',
  fields: (t) => ({
    open: t.boolean({ description: 'The gateway has no API keys and no identity provider configured: every caller has every scope.', resolve: (p) => p.kind === 'OPEN' }),
    scopes: t.stringList({ description: 'What the caller may do: read, respond, ingest, audit.', resolve: (p) => [...p.scopes].sort() }),
    kind: t.field({ type: ViewerKindRef, resolve: (p) => p.kind }),
    id: t.string({
      nullable: true,
      description: "The token's `sub`, the API key's label (or `key:<8 hex>` of its hash), or `open`.",
      resolve: (p) => p.id,
    }),
    name: t.string({ nullable: true, description: "The token's `name` (or `preferred_username`) claim; null for keys.", resolve: (p) => p.name }),
    email: t.string({ nullable: true, description: "The token's `email` claim; null for keys.", resolve: (p) => p.email }),
  }),
});

const GatewayLeaseRef = builder.objectRef<GatewayLease>('GatewayLease').implement({
  description: 'A background job and the instance running it (SECGRAPH_LEADER_LEASE_MS; see README "Running several instances").',
  fields: (t) => ({
    job: t.exposeString('job', { description: 'incident-fetch, sta-playbook-timers, cloudtrail-folder-watcher or sta-alert-mail.' }),
    holder: t.exposeString('holder', { description: 'The instance id (host:pid:random) holding the lease.' }),
    heldHere: t.exposeBoolean('heldHere', { description: 'Whether the instance answering this query holds it.' }),
    expiresAt: t.field({ type: 'DateTime', resolve: (l) => l.expiresAt, description: 'When another instance may take the job over unless the holder renews.' }),
    acquiredAt: t.field({ type: 'DateTime', resolve: (l) => l.acquiredAt }),
  }),
});

const SaasSecurityInstanceRef = builder.objectRef<SaasInstance>('SaasSecurityInstance').implement({
  description: 'A SaaS Security tenant the gateway talks to (SECGRAPH_CONFIG saasSecurity.instances, or the SAAS_SECURITY_* shorthand named default).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What `instance` arguments, Incident.instance and alert ids (saas:<instance>:<id>) call it.' }),
    breaker: t.string({ description: "This tenant's circuit breaker: closed, half-open or open.", resolve: (i) => i.connector.client.guard.state }),
    fetch: t.field({
      type: IncidentFetchStatusRef,
      description: "This tenant's fetcher (its lease is incident-fetch for the default tenant, incident-fetch:<name> for the others).",
      resolve: async (i) => ({ ...(await i.sync.status()), instance: i.name }),
    }),
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
      // `gateway` needs the read scope, so there is always a principal here.
      resolve: (_info, _args, ctx) => ctx.principal!,
    }),
    instance: t.exposeString('instance', { description: 'The id of the instance that answered (host:pid:random).' }),
    leases: t.field({ type: [GatewayLeaseRef], resolve: (_info, _args, ctx) => gatewayLeases(ctx) }),
    saasSecurityInstances: t.field({
      type: [SaasSecurityInstanceRef],
      description: 'The SaaS Security tenants, the default (first) one first.',
      resolve: (_info, _args, ctx) => ctx.services.saasInstances?.list ?? [],
    }),
  }),
});

builder.queryField('gateway', (t) =>
  t.field({
    type: GatewayInfoRef,
    authScopes: { read: true },
    resolve: (_root, _args, ctx) => ({ version: GATEWAY_VERSION, sandboxes: ctx.services.sandboxes, instance: ctx.services.leases.instanceId }),
  }),
);
