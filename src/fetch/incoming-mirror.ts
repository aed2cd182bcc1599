// One incoming-mirror run (spec §5.1/5.2, fixed): ask the delta endpoint for incidents modified since the
// mirror cursor (no filters, as get-modified-remote-data), and for each STORED incident stamped Incoming or
// Both whose mirrored fields differ from the stored copy, store the new copy and publish MIRRORED naming the
// changed fields. The reference compared milliseconds with seconds and so re-sent every incident on every
// cycle; here an unchanged incident produces nothing. A record the gateway holds CLOSED whose upstream copy
// is open again reopens (REOPENED), so it is never stuck closed while the upstream works it. The delta page already holds the whole incident, so
// there is no per-incident get-remote-data call.
import type { WireIncident } from '../connectors/saas-security/wire.js';
import { mirrorsIncoming } from '../domain/incident-record.js';
import type { NewIncidentEvent } from '../domain/incident-event.js';
import { advanceCursor, iso, readPage, updatedAtMs } from './delta-cursor.js';
import { currentState, publishAll, type SyncDeps } from './incident-fetcher.js';
import { closeReasonFromSource, reopensFromSource } from './mirror-close.js';
import { storedIncident, type StoredIncident } from './incident-store.js';

/** The fields mirrored in (spec §5, seed "Configure SaaS Security Incident Mirroring"). */
export const MIRRORED_IN_FIELDS = ['state', 'category', 'status', 'assigned_to', 'resolved_by', 'asset_sha256'] as const;

export const MIRROR_PAGE_SIZE = 100;
export const MIRROR_MAX_PAGES = 20;

/** Mirrored field names whose values differ; a missing key and null are the same. */
export function changedMirroredFields(before: WireIncident, after: WireIncident): string[] {
  return MIRRORED_IN_FIELDS.filter((f) => String(before[f] ?? '') !== String(after[f] ?? ''));
}

export async function mirrorIncoming(deps: SyncDeps): Promise<{ mirrored: number; pages: number }> {
  const { store, clock, logger, config } = deps;
  if (!(await store.hasIncomingIncidents())) {
    // Nothing to mirror in. Anything fetched later is fetched as it is then, so the mirror may start
    // from the fetch cursor instead of scanning the whole window when the first such incident arrives.
    const state = await currentState(deps);
    if (state.mirrorCursor < state.cursor) await store.commit([], { ...state, mirrorCursor: state.cursor });
    return { mirrored: 0, pages: 0 };
  }
  let mirrored = 0;
  let pages = 0;
  while (pages < MIRROR_MAX_PAGES) {
    const state = await currentState(deps);
    const from = Date.parse(state.mirrorCursor);
    const page = await readPage(deps.source, from, {}, MIRROR_PAGE_SIZE);
    pages += 1;
    const now = iso(clock.now());
    const updates = new Map<number, StoredIncident>();
    const events: NewIncidentEvent[] = [];
    const handled: number[] = [];
    const stored = await store.getMany(page.resources.map((w) => w.incident_id));
    for (const w of page.resources) {
      const updated = updatedAtMs(w);
      if (updated === null) continue;
      handled.push(updated);
      const before = updates.get(w.incident_id) ?? stored.get(w.incident_id);
      if (!before || !mirrorsIncoming(before.gateway.mirrorDirection)) continue;
      const changed = changedMirroredFields(before.wire, w);
      if (changed.length === 0) continue;
      const closeReason = before.gateway.gatewayState === 'OPEN' ? closeReasonFromSource(config, before.gateway.mirrorDirection, w) : null;
      const reopens = reopensFromSource(before.gateway, w);
      const gateway = { ...before.gateway, lastMirroredAt: now };
      let kind: NewIncidentEvent['kind'] = 'MIRRORED';
      if (closeReason) {
        Object.assign(gateway, { gatewayState: 'CLOSED', closeReason });
        kind = 'CLOSED';
      } else if (reopens) {
        Object.assign(gateway, { gatewayState: 'OPEN', closeReason: null });
        changed.push('gatewayState', ...(before.gateway.closeReason === null ? [] : ['closeReason']));
        kind = 'REOPENED';
      }
      const after: StoredIncident = { wire: w, gateway };
      updates.set(w.incident_id, after);
      events.push({ kind, incident: storedIncident(after, store.instance), changedFields: changed, at: now });
    }
    const { next, stuck } = advanceCursor(from, handled, page.resources.length >= MIRROR_PAGE_SIZE);
    if (stuck) logger.warn({ from: state.mirrorCursor }, 'a full page of modified incidents shares one updated_at: moving past it by 1 ms');
    publishAll(deps.pubsub, await store.commit([...updates.values()], { ...state, mirrorCursor: iso(next) }, events));
    mirrored += updates.size;
    if (page.resources.length < MIRROR_PAGE_SIZE) break;
  }
  return { mirrored, pages };
}
