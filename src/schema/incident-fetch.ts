// Fetching and mirroring as clients see them: the gateway-side fields of Incident and the fetcher's status.
import { MIRROR_DIRECTIONS } from '../domain/incident-record.js';
import type { FetchStatus } from '../fetch/incident-sync.js';
import { gatewayRecord, incidentFetchStatus } from '../resolvers/incident-fetch.js';
import { builder } from './builder.js';
import { IncidentRef, IncidentStateRef, SAAS_INSTANCE_ARG } from './incident.js';

const MirrorDirectionRef = builder.enumType('MirrorDirection', {
  values: MIRROR_DIRECTIONS,
  description: 'Stamped on an incident when it is fetched (SAAS_SECURITY_MIRROR_DIRECTION at that moment).',
});

builder.objectFields(IncidentRef, (t) => ({
  mirrorDirection: t.field({
    type: MirrorDirectionRef,
    nullable: true,
    description: 'Gateway-side. Null for incidents the fetcher never stored (as are the other gateway fields).',
    resolve: async (i, _args, ctx) => (await gatewayRecord(i, ctx))?.mirrorDirection ?? null,
  }),
  fetchedAt: t.field({ type: 'DateTime', nullable: true, resolve: async (i, _a, ctx) => (await gatewayRecord(i, ctx))?.fetchedAt ?? null }),
  lastMirroredAt: t.field({
    type: 'DateTime',
    nullable: true,
    description: 'Last time the gateway record was synced with the upstream (fetch, incoming change, or close pushed upstream).',
    resolve: async (i, _a, ctx) => (await gatewayRecord(i, ctx))?.lastMirroredAt ?? null,
  }),
  mirrorError: t.string({
    nullable: true,
    description: 'Why the last push upstream failed; cleared by the next one that succeeds.',
    resolve: async (i, _a, ctx) => (await gatewayRecord(i, ctx))?.mirrorError ?? null,
  }),
  gatewayState: t.field({
    type: IncidentStateRef,
    nullable: true,
    description: "The gateway record's state. CLOSED after closeIncident, or after an upstream close with SAAS_SECURITY_CLOSE_MIRRORED; `state` stays the upstream's.",
    resolve: async (i, _a, ctx) => (await gatewayRecord(i, ctx))?.gatewayState ?? null,
  }),
  closeReason: t.string({
    nullable: true,
    description: '"Closed in secgraph: <category>" or "From SaasSecurity: <category>".',
    resolve: async (i, _a, ctx) => (await gatewayRecord(i, ctx))?.closeReason ?? null,
  }),
}));

export const IncidentFetchStatusRef = builder.objectRef<FetchStatus & { instance: string }>('IncidentFetchStatus').implement({
  description: "One SaaS Security tenant's background fetcher and incoming mirror (each tenant has its own lease and cursors).",
  fields: (t) => ({
    instance: t.exposeString('instance', { description: 'The SaaS Security tenant (configured instance name).' }),
    enabled: t.exposeBoolean('enabled'),
    running: t.exposeBoolean('running', { description: 'A run is under way now.' }),
    intervalSeconds: t.float({ resolve: (s) => s.intervalMs / 1000 }),
    lastRunAt: t.expose('lastRunAt', { type: 'DateTime', nullable: true }),
    cursor: t.expose('cursor', { type: 'DateTime', description: 'updated_at the next fetch starts from (inclusive).' }),
    mirrorCursor: t.expose('mirrorCursor', { type: 'DateTime', description: 'updated_at the next incoming-mirror query starts from.' }),
    fetchedTotal: t.exposeInt('fetchedTotal', { description: 'Incidents fetched since the store was created.' }),
    storedIncidents: t.exposeInt('storedIncidents'),
    lastRunFetched: t.exposeInt('lastRunFetched'),
    lastRunMirrored: t.exposeInt('lastRunMirrored'),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Null when the last run succeeded.' }),
    nextRunAt: t.expose('nextRunAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('incidentFetchStatus', (t) =>
  t.field({
    type: IncidentFetchStatusRef,
    authScopes: { read: true },
    args: { instance: t.arg.string({ description: SAAS_INSTANCE_ARG }) },
    resolve: (_root, args, ctx) => incidentFetchStatus(ctx, args.instance),
  }),
);
