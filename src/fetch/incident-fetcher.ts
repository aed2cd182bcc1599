// One fetch run (spec §4, improved): drain the delta endpoint page by page from the cursor, up to maxFetch new
// incidents; skip incidents already stored (their changes are the incoming mirror's business) and incidents
// created before the first-fetch window; stamp each new one with the mirror direction; write the page's
// incidents, the new cursor and their FETCHED events (the event log) in one durable batch; only then publish.
//
// The reference skips incidents created before the *current* cursor, because without an id cache that is its
// only way not to fetch an updated incident twice. It also loses an incident created inside the window that
// it did not see before its first update (e.g. filtered out by state, or beyond the page). The store is an
// exact id cache, so secgraph skips only what was created before the window itself.
import type { Clock } from '../clock.js';
import { apiPageSize, parseApiDate } from '../connectors/saas-security/map.js';
import type { IncidentFetchConfig } from '../config.js';
import type { IncidentEvent } from '../domain/incident-event.js';
import type { Logger } from '../logger.js';
import type { GatewayPubSub } from '../pubsub.js';
import { closeReasonFromSource } from './mirror-close.js';
import { advanceCursor, iso, readPage, updatedAtMs, type DeltaSource } from './delta-cursor.js';
import { storedIncident, type FetchState, type IncidentStore, type StoredIncident } from './incident-store.js';

/** Incidents asked for per request; a run reads as many pages as it needs to reach maxFetch. */
export const FETCH_PAGE_SIZE = 100;
/** Bounds one run even when whole pages are skipped (old incidents updated, already stored). */
export const MAX_PAGES_PER_RUN = 50;

export interface SyncDeps {
  source: DeltaSource;
  store: IncidentStore;
  pubsub: GatewayPubSub;
  clock: Clock;
  logger: Logger;
  config: IncidentFetchConfig;
  /** Whether this instance runs the job now (its lease); absent: always (tests driving runOnce). */
  isLeader?: () => boolean;
}

export function initialState(config: IncidentFetchConfig, now: number): FetchState {
  const start = config.firstFetch.kind === 'ago' ? now - config.firstFetch.ms : config.firstFetch.epochMs;
  return { windowStart: iso(start), cursor: iso(start), mirrorCursor: iso(start), fetchedTotal: 0, lastRunAt: null, lastError: null };
}

export async function currentState(deps: Pick<SyncDeps, 'store' | 'config' | 'clock'>): Promise<FetchState> {
  return (await deps.store.state()) ?? initialState(deps.config, deps.clock.now());
}

export function publishAll(pubsub: GatewayPubSub, events: readonly IncidentEvent[]): void {
  for (const e of events) pubsub.publish('incident:event', e);
}

/** Runs one fetch; returns how many incidents it delivered. Pages committed before an error stay committed. */
export async function fetchIncidents(deps: SyncDeps): Promise<{ fetched: number; pages: number }> {
  const { config, store, clock, logger } = deps;
  const filter = { state: config.state, severities: config.severities, statuses: config.statuses, appIds: config.appIds };
  let fetched = 0;
  let pages = 0;
  while (fetched < config.maxFetch && pages < MAX_PAGES_PER_RUN) {
    const state = await currentState(deps);
    const from = Date.parse(state.cursor);
    const windowStart = Date.parse(state.windowStart);
    const limit = apiPageSize(Math.min(FETCH_PAGE_SIZE, config.maxFetch - fetched));
    const page = await readPage(deps.source, from, filter, limit);
    pages += 1;

    const now = iso(clock.now());
    const records: StoredIncident[] = [];
    const handled: number[] = [];
    const stored = await store.known(page.resources.map((w) => w.incident_id));
    let stoppedEarly = false;
    for (const w of page.resources) {
      if (fetched + records.length >= config.maxFetch) {
        stoppedEarly = true;
        break;
      }
      const updated = updatedAtMs(w);
      if (updated === null) {
        // The reference crashes the whole fetch here; one malformed incident should not block the rest.
        logger.warn({ incidentId: w.incident_id }, 'SaaS Security incident without a valid updated_at: skipped');
        continue;
      }
      handled.push(updated);
      if (stored.has(w.incident_id) || records.some((r) => r.wire.incident_id === w.incident_id)) continue;
      const created = parseApiDate(w.created_at)?.getTime();
      if (created !== undefined && created < windowStart) continue;
      // Closed at the source already: with close-mirrored on, closed in the gateway at once (the reference
      // closes it at its first get-remote-data), not left open until the upstream next changes it.
      const closeReason = closeReasonFromSource(config, config.mirrorDirection, w);
      records.push({
        wire: w,
        gateway: {
          mirrorDirection: config.mirrorDirection,
          fetchedAt: now,
          // As the reference's last_mirrored_in: the fetch is the first sync.
          lastMirroredAt: now,
          mirrorError: null,
          gatewayState: closeReason ? 'CLOSED' : 'OPEN',
          closeReason,
        },
      });
    }
    const { next, stuck } = advanceCursor(from, handled, !stoppedEarly && page.resources.length >= limit);
    if (stuck) logger.warn({ from: state.cursor, limit }, 'a full page of incidents shares one updated_at: moving past it by 1 ms');
    const events = await store.commit(
      records,
      { ...state, cursor: iso(next), fetchedTotal: state.fetchedTotal + records.length },
      records.map((r) => ({ kind: 'FETCHED', incident: storedIncident(r, store.instance), changedFields: [], at: now })),
    );
    publishAll(deps.pubsub, events);
    fetched += records.length;
    if (stoppedEarly || page.resources.length < limit) break;
  }
  return { fetched, pages };
}
