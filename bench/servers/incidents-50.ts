// The 50 incidents both read servers serve: generated from a fixed seed and time, so the gateway's emulator
// and the bare yoga server hold the same objects. Also the queries the read bench runs: the README's example
// shapes over those 50 incidents, without a join and with each join users ask for.
import { toIncident } from '../../src/connectors/saas-security/map.js';
import type { WireIncident } from '../../src/connectors/saas-security/wire.js';
import { generateIncidents } from '../../src/emulators/saas-security/seed.js';

export const READ_QUERY =
  '{ incidents(first: 50) { edges { cursor node { incidentId assetName assetOwnerEmail severity status state appName createdAt updatedAt } } pageInfo { hasNextPage endCursor } } }';

/** What the read bench runs, by the name its figures are printed under. */
export const READ_QUERIES: ReadonlyArray<{ name: string; query: string }> = [
  { name: 'scalar', query: READ_QUERY },
  {
    name: 'app',
    query: '{ incidents(first: 50) { edges { node { incidentId assetName severity status app { appName } assetOwnerEmail updatedAt } } pageInfo { hasNextPage endCursor } } }',
  },
  {
    name: 'assetOwner',
    query: '{ incidents(first: 50) { edges { node { incidentId assetName assetOwner { userName email groups { name } } } } pageInfo { hasNextPage endCursor } } }',
  },
];

export const FIXED_NOW = Date.parse('2026-03-10T12:00:00.000Z');

/** In the delta endpoint's order (updated_at, then id), as the gateway's emulator answers them. */
export function wireIncidents50(): WireIncident[] {
  const t = (w: WireIncident) => Date.parse(w.updated_at ?? '');
  return generateIncidents(50, FIXED_NOW).sort((a, b) => t(a) - t(b) || a.incident_id - b.incident_id);
}

export const incidents50 = () => wireIncidents50().map((w) => toIncident(w));
