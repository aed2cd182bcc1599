// What an upstream state means for the gateway record under incoming mirroring: shared by the fetch (an
// incident closed at the source when first fetched) and the incoming mirror (closed or reopened later).
import { deriveState } from '../connectors/saas-security/map.js';
import type { WireIncident } from '../connectors/saas-security/wire.js';
import type { IncidentFetchConfig } from '../config.js';
import { mirrorsIncoming, type GatewayIncidentFields } from '../domain/incident-record.js';

/**
 * The reference's "Close Mirrored XSOAR Incident" (get-remote-data, unit test T12): with close-mirrored on and
 * incoming mirroring, an incident closed upstream closes the gateway record, "From SaasSecurity: <category>".
 * Null when the upstream copy does not close the record.
 */
export function closeReasonFromSource(
  config: Pick<IncidentFetchConfig, 'closeMirrored'>,
  direction: GatewayIncidentFields['mirrorDirection'],
  w: WireIncident,
): string | null {
  if (!config.closeMirrored || !mirrorsIncoming(direction) || deriveState(w.state, w.status) !== 'CLOSED') return null;
  return `From SaasSecurity: ${w.category ?? 'None'}`;
}

/**
 * An incident the gateway holds CLOSED that is open again upstream reopens under incoming mirroring (the
 * reference has no reopen; its records would stay closed forever while the upstream works the incident).
 */
export function reopensFromSource(gateway: GatewayIncidentFields, w: WireIncident): boolean {
  return mirrorsIncoming(gateway.mirrorDirection) && gateway.gatewayState === 'CLOSED' && deriveState(w.state, w.status) === 'OPEN';
}
