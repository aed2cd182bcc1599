// Which incident events a subscriber asked for, and the stream it receives: optionally the logged events
// after an id it already saw, then the live ones.
import type { Context } from '../context.js';
import type { IncidentEvent, IncidentEventKind } from '../domain/incident-event.js';
import type { IncidentState, Severity } from '../domain/saas-security.js';
import { badInput } from '../errors.js';
import type { IncidentEventLog } from '../fetch/incident-event-log.js';
import { boundedSubscription, type SubscriptionFailure } from '../subscriptions/bounded-subscription.js';

export interface IncidentEventFilter {
  kinds?: readonly IncidentEventKind[] | null;
  states?: readonly IncidentState[] | null;
  severities?: readonly Severity[] | null;
  appIds?: readonly string[] | null;
}

export function matchesIncidentEventFilter(e: IncidentEvent, f: IncidentEventFilter | null | undefined): boolean {
  if (!f) return true;
  if (f.kinds?.length && !f.kinds.includes(e.kind)) return false;
  if (f.states?.length && !(e.incident.state && f.states.includes(e.incident.state))) return false;
  if (f.severities?.length && !(e.incident.severity && f.severities.includes(e.incident.severity))) return false;
  if (f.appIds?.length && !(e.incident.appId && f.appIds.includes(e.incident.appId))) return false;
  return true;
}

/** Event ids are the log's sequence numbers: whole numbers from 0 (0 = before the first event). */
export function parseEventId(id: string, argument = 'after'): number {
  if (!/^\d{1,15}$/.test(id.trim())) throw badInput(`an incident event id is a whole number, got "${id}"`, argument);
  return Number(id);
}

function eventLog(ctx: Context): IncidentEventLog {
  const log = ctx.services.incidentSync?.store.events;
  if (!log) throw badInput('incident events are not logged: SaaS Security is not configured', 'after');
  return log;
}

/** The log's checkAfter, with a log line when the client asks for what the log cannot give. */
function checkAfter(log: IncidentEventLog, after: number, ctx: Context): void {
  try {
    log.checkAfter(after);
  } catch (error) {
    ctx.logger.warn({ after, oldest: log.oldestId, newest: log.lastId, reason: (error as Error).message }, 'incident events requested after an id the log cannot serve');
    throw error;
  }
}

/**
 * The live events, or with `after` the logged events with a greater id first. The live subscription starts
 * before the log is read; live events up to the log's newest id at that moment are skipped, as replay has
 * them. A bad or too old `after` fails the subscription before anything is subscribed.
 */
export function incidentEventStream(
  args: { filter?: IncidentEventFilter | null; after?: string | null },
  ctx: Context,
): AsyncIterableIterator<IncidentEvent | SubscriptionFailure> {
  const after = args.after == null ? null : parseEventId(args.after);
  const log = after === null ? null : eventLog(ctx);
  if (log && after !== null) checkAfter(log, after, ctx);
  let replayedUpTo: number | null = null;
  return boundedSubscription(ctx.services.pubsub.subscribe('incident:event'), {
    capacity: ctx.services.config.incidentFetch.subscriberBuffer,
    accept: (e: IncidentEvent) => (replayedUpTo === null || e.id > replayedUpTo) && matchesIncidentEventFilter(e, args.filter),
    ...(log && after !== null
      ? {
          replay: () => {
            replayedUpTo = log.lastId;
            return log.since(after).filter((e) => matchesIncidentEventFilter(e, args.filter));
          },
        }
      : {}),
    onDrop: (reason) => ctx.logger.warn({ reason: reason.message }, 'incidentEvents subscription ended'),
  });
}

/** A page of the event log: up to `first` kept events with id > after, oldest first. */
export function listIncidentEvents(args: { after?: string | null; first?: number | null }, ctx: Context): IncidentEvent[] {
  const first = args.first ?? 100;
  if (!Number.isInteger(first) || first < 1 || first > 1000) throw badInput('first must be between 1 and 1000', 'first');
  const log = eventLog(ctx);
  const after = args.after == null ? Math.max(0, (log.oldestId ?? log.lastId + 1) - 1) : parseEventId(args.after);
  checkAfter(log, after, ctx);
  return log.since(after, first);
}
