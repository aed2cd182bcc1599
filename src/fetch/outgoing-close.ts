// closeIncident on a FETCHED incident. The mutation is an explicit analyst action, so it always sends the
// state update upstream, whatever direction the incident was stamped with (that governs only automatic
// mirroring), as the reference's state-update command always POSTs. Only once the upstream has accepted the
// close is the gateway record closed, with the state update's own answer over a fresh read (see
// SaasSecurityConnector.closeIncidentWire). A refusal fails the mutation with the upstream's code and writes
// nothing: no record says closed while the upstream is open.
import type { SaasSecurityConnector } from '../connectors/saas-security/connector.js';
import { toWireCloseCategory } from '../connectors/saas-security/map.js';
import type { CloseCategory, Incident } from '../domain/saas-security.js';
import { errorCodeOf } from '../errors.js';
import type { Actor } from '../identity/actor.js';
import { iso } from './delta-cursor.js';
import { publishAll, type SyncDeps } from './incident-fetcher.js';
import { changedMirroredFields } from './incoming-mirror.js';
import { storedIncident, type StoredIncident } from './incident-store.js';

export type CloseDeps = Pick<SyncDeps, 'store' | 'pubsub' | 'clock' | 'logger'> & {
  connector: SaasSecurityConnector;
  /** Who closes it: the triage status change this close makes names them. */
  actor?: Actor | null;
};

export async function closeFetchedIncident(deps: CloseDeps, before: StoredIncident, category: CloseCategory): Promise<Incident> {
  const id = before.wire.incident_id;
  const wireCategory = toWireCloseCategory(category);
  let wire;
  try {
    wire = await deps.connector.closeIncidentWire(id, category, before.wire);
  } catch (error) {
    deps.logger.warn({ incidentId: id, code: errorCodeOf(error) }, 'SaaS Security refused the close; the gateway record is unchanged');
    throw error;
  }
  const now = iso(deps.clock.now());
  const closed: StoredIncident = {
    wire,
    gateway: { ...before.gateway, gatewayState: 'CLOSED', closeReason: `Closed in secgraph: ${wireCategory}`, lastMirroredAt: now, mirrorError: null },
  };
  const changed = changedMirroredFields(before.wire, closed.wire);
  if (before.gateway.gatewayState !== 'CLOSED') changed.push('gatewayState');
  if (before.gateway.closeReason !== closed.gateway.closeReason) changed.push('closeReason');
  if (before.gateway.mirrorError !== closed.gateway.mirrorError) changed.push('mirrorError');
  const incident = storedIncident(closed, deps.store.instance);
  publishAll(deps.pubsub, await deps.store.commit([closed], undefined, [{ kind: 'CLOSED', incident, changedFields: changed, at: now }], { actor: deps.actor ?? null }));
  deps.logger.info({ incidentId: id, category, direction: before.gateway.mirrorDirection }, 'incident closed');
  return incident;
}
