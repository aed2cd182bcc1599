// What the gateway itself knows about a fetched incident, beside the upstream's copy: how it was stamped for
// mirroring when fetched, when it was last synced, and the gateway record's own open/closed state.
import type { IncidentState } from './incident-state.js';

export const MIRROR_DIRECTIONS = ['None', 'Incoming', 'Outgoing', 'Both'] as const;
export type MirrorDirection = (typeof MIRROR_DIRECTIONS)[number];

export interface GatewayIncidentFields {
  /** Stamped when fetched; changing SAAS_SECURITY_MIRROR_DIRECTION later leaves it alone. */
  mirrorDirection: MirrorDirection;
  /** ISO-8601 (the record is stored and published as JSON). */
  fetchedAt: string;
  lastMirroredAt: string | null;
  /** Why the last push upstream (or pull) failed; null once one succeeds. */
  mirrorError: string | null;
  /** The gateway record's state: it may be CLOSED while the upstream is open (Incoming/None directions). */
  gatewayState: IncidentState;
  closeReason: string | null;
}

export const mirrorsIncoming = (d: MirrorDirection): boolean => d === 'Incoming' || d === 'Both';
export const mirrorsOutgoing = (d: MirrorDirection): boolean => d === 'Outgoing' || d === 'Both';
