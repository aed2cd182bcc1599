// The cursor over the delta endpoint, shared by fetching and incoming mirroring.
//
// The reference moves its cursor to max(updated_at) + 1 ms. With two incidents sharing a millisecond and a page
// ending between them, the second is never seen. secgraph instead queries FROM the max updated_at it has
// handled (inclusive) and recognises what it already handled (fetched ids are in the store; mirrored copies
// compare equal), so a shared millisecond neither loses nor repeats an incident.
import { deltaPath, parseApiDate, toApiDate, toDeltaQuery } from '../connectors/saas-security/map.js';
import type { WireDeltaResponse, WireIncident } from '../connectors/saas-security/wire.js';
import type { IncidentQuery } from '../domain/saas-security.js';

export interface DeltaSource {
  listIncidents(pathAndQuery: string): Promise<WireDeltaResponse>;
}

export function updatedAtMs(w: WireIncident): number | null {
  return parseApiDate(w.updated_at)?.getTime() ?? null;
}

/** One delta page from `fromMs` (inclusive), with the filters and page size given. */
export function readPage(source: DeltaSource, fromMs: number, filter: Omit<IncidentQuery, 'from' | 'to'>, limit: number): Promise<WireDeltaResponse> {
  return source.listIncidents(deltaPath(toDeltaQuery({ ...filter, from: new Date(fromMs) }, limit)));
}

/**
 * Where the next query starts, given the updated_at of every item handled from a page queried at `fromMs`.
 * Normally the largest of them. If a full page held nothing newer than `fromMs` (more incidents in one
 * millisecond than a page holds), the API offers no way past them but +1 ms: take it rather than loop.
 */
export function advanceCursor(fromMs: number, handledUpdatedAt: readonly number[], pageWasFull: boolean): { next: number; stuck: boolean } {
  const max = handledUpdatedAt.reduce((m, t) => Math.max(m, t), fromMs);
  if (max === fromMs && pageWasFull) return { next: fromMs + 1, stuck: true };
  return { next: max, stuck: false };
}

export const iso = (ms: number): string => toApiDate(new Date(ms));
