// Which incident events a subscriber asked for, and the stream it receives: optionally the logged events
// after an id it already saw, then the live ones.
import type { Context } from '../context.js';
import type { IncidentEvent, IncidentEventKind } from '../domain/incident-event.js';
import type { IncidentState, Severity } from '../domain/saas-security.js';
import { DEFAULT_SAAS_INSTANCE } from '../domain/alert.js';
import { badInput } from '../errors.js';
import { saasInstancesOf } from './connectors.js';
import type { EventLog } from '../store/event-log.js';
import type { SubscriptionFailure } from '../subscriptions/bounded-subscription.js';
import { resumableStream } from '../subscriptions/resumable-stream.js';

export interface IncidentEventFilter {
  /** SaaS Security tenants (instance names); all without. */
  instances?: readonly string[] | null;
  kinds?: readonly IncidentEventKind[] | null;
  states?: readonly IncidentState[] | null;
  severities?: readonly Severity[] | null;
  appIds?: readonly string[] | null;
}

export function matchesIncidentEventFilter(e: IncidentEvent, f: IncidentEventFilter | null | undefined): boolean {
  if (!f) return true;
  // Events logged before there were several tenants carry no instance: the default tenant's.
  if (f.instances?.length && !f.instances.includes(e.incident.instance ?? DEFAULT_SAAS_INSTANCE)) return false;
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

type IncidentEventLog = EventLog<IncidentEvent>;

function eventLog(ctx: Context): IncidentEventLog {
  const log = ctx.services.incidentSync?.store.events;
  if (!log) throw badInput('incident events are not logged: SaaS Security is not configured', 'after');
  return log;
}

/** The log's checkAfter, with a log line when the client asks for what the log cannot give. */
async function checkAfter(log: IncidentEventLog, after: number, ctx: Context): Promise<void> {
  try {
    await log.checkAfter(after);
  } catch (error) {
    ctx.logger.warn({ after, reason: (error as Error).message }, 'incident events requested after an id the log cannot serve');
    throw error;
  }
}

/**
 * The live events, or with `after` the logged events with a greater id first. The live subscription starts
 * before the log is read; live events up to the log's newest id at that moment are skipped, as replay has
 * them. A bad or too old `after` fails the subscription before anything is subscribed.
 */
export async function incidentEventStream(
  args: { filter?: IncidentEventFilter | null; after?: string | null },
  ctx: Context,
): Promise<AsyncIterableIterator<IncidentEvent | SubscriptionFailure>> {
  const after = args.after == null ? null : parseEventId(args.after);
  // Unknown tenant names are refused (BAD_USER_INPUT) rather than silently matching nothing.
  if (args.filter?.instances?.length) saasInstancesOf(ctx, args.filter.instances);
  const log = after === null ? null : eventLog(ctx);
  if (log && after !== null) await checkAfter(log, after, ctx);
  return resumableStream(ctx.services.pubsub.subscribe('incident:event'), log, after, (e) => matchesIncidentEventFilter(e, args.filter), {
    capacity: ctx.services.config.incidentFetch.subscriberBuffer,
    onDrop: (reason) => ctx.logger.warn({ reason: reason.message }, 'incidentEvents subscription ended'),
  });
}

/** A page of the event log: up to `first` kept events with id > after, oldest first. */
export async function listIncidentEvents(args: { after?: string | null; first?: number | null }, ctx: Context): Promise<IncidentEvent[]> {
  const first = args.first ?? 100;
  if (!Number.isInteger(first) || first < 1 || first > 1000) throw badInput('first must be between 1 and 1000', 'first');
  const log = eventLog(ctx);
  const after = args.after == null ? Math.max(0, ((await log.oldestId()) ?? (await log.lastId()) + 1) - 1) : parseEventId(args.after);
  await checkAfter(log, after, ctx);
  return log.since(after, first);
}
