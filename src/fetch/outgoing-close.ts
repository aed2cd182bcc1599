// closeIncident on a FETCHED incident, by its stamped mirror direction (spec §5.3, seed): Outgoing and Both
// push state=closed and the category upstream, then keep the upstream's answer; Incoming and None close the
// gateway's record only. Unlike the reference, an upstream failure is not swallowed: the gateway record is
// closed all the same, the error is kept on it as mirrorError, and the mutation reports it.
import type { SaasSecurityConnector } from '../connectors/saas-security/connector.js';
import { toWireCloseCategory } from '../connectors/saas-security/map.js';
import { mirrorsOutgoing } from '../domain/incident-record.js';
import type { CloseCategory, Incident } from '../domain/saas-security.js';
import { errorCodeOf } from '../errors.js';
import { iso } from './delta-cursor.js';
import { publishAll, type SyncDeps } from './incident-fetcher.js';
import { changedMirroredFields } from './incoming-mirror.js';
import { storedIncident, type StoredIncident } from './incident-store.js';

export type CloseDeps = Pick<SyncDeps, 'store' | 'pubsub' | 'clock' | 'logger'> & { connector: SaasSecurityConnector };

export async function closeFetchedIncident(deps: CloseDeps, before: StoredIncident, category: CloseCategory): Promise<Incident> {
  const id = before.wire.incident_id;
  const wireCategory = toWireCloseCategory(category);
  const now = iso(deps.clock.now());
  const closed: StoredIncident = {
    wire: before.wire,
    gateway: { ...before.gateway, gatewayState: 'CLOSED', closeReason: `Closed in secgraph: ${wireCategory}` },
  };
  let failure: unknown = null;
  if (mirrorsOutgoing(before.gateway.mirrorDirection)) {
    try {
      await deps.connector.client.closeIncident(id, wireCategory);
      await deps.connector.forgetIncident(id);
      // The upstream's own copy after the close (resolved_by, resolution_date, status): the incoming
      // mirror then finds nothing changed and stays quiet.
      const fresh = await deps.connector.client.getIncident(id);
      closed.wire = fresh ?? { ...before.wire, state: 'closed', category: wireCategory };
      closed.gateway = { ...closed.gateway, lastMirroredAt: now, mirrorError: null };
    } catch (error) {
      failure = error;
      const code = errorCodeOf(error);
      closed.gateway = { ...closed.gateway, mirrorError: `${code ? `${code}: ` : ''}${error instanceof Error ? error.message : String(error)}` };
      deps.logger.warn({ incidentId: id, code }, 'closing the incident upstream failed; the gateway record is closed and keeps the error');
    }
  }
  const changed = changedMirroredFields(before.wire, closed.wire);
  if (before.gateway.gatewayState !== 'CLOSED') changed.push('gatewayState');
  if (before.gateway.closeReason !== closed.gateway.closeReason) changed.push('closeReason');
  if (before.gateway.mirrorError !== closed.gateway.mirrorError) changed.push('mirrorError');
  const incident = storedIncident(closed);
  publishAll(deps.pubsub, await deps.store.commit([closed], undefined, [{ kind: 'CLOSED', incident, changedFields: changed, at: now }]));
  deps.logger.info({ incidentId: id, category, direction: before.gateway.mirrorDirection, pushed: mirrorsOutgoing(before.gateway.mirrorDirection) }, 'incident closed');
  if (failure) throw failure;
  return incident;
}
