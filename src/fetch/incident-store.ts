// The fetch side's view of the incident tables (src/store/incident-store.ts) and the mapping of a stored
// record to the domain incident.
import { toIncident } from '../connectors/saas-security/map.js';
import type { Incident } from '../domain/saas-security.js';
import type { StoredIncident } from '../store/incident-store.js';

export { IncidentStore, type FetchState, type StoredIncident } from '../store/incident-store.js';

/** The domain incident for a stored record of tenant `instance`: the upstream copy with the gateway's record attached. */
export function storedIncident(r: StoredIncident, instance: string): Incident {
  return { ...toIncident(r.wire, instance), gateway: r.gateway };
}
