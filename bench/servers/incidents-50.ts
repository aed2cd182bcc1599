// The 50 incidents both read servers serve: generated from a fixed seed and time, so the gateway's emulator
// and the bare yoga server hold the same objects.
import { toIncident } from '../../src/connectors/saas-security/map.js';
import type { WireIncident } from '../../src/connectors/saas-security/wire.js';
import { generateIncidents } from '../../src/emulators/saas-security/seed.js';

export const READ_QUERY =
  '{ incidents(first: 50) { edges { cursor node { incidentId assetName assetOwnerEmail severity status state appName createdAt updatedAt } } pageInfo { hasNextPage endCursor } } }';

export const FIXED_NOW = Date.parse('2026-03-10T12:00:00.000Z');

export function wireIncidents50(): WireIncident[] {
  return generateIncidents(50, FIXED_NOW);
}

export const incidents50 = () => wireIncidents50().map((w) => toIncident(w));
