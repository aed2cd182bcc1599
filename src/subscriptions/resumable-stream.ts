// A subscription that can resume: the live topic, preceded (with `after`) by the logged events after that id.
// Used by incidentEvents, staAlertEvents and samlDetectionEvents, whose event logs live in the database
// (src/store/event-log.ts), so the resume works on whichever instance the client reconnects to.
import type { ReplayableLog } from '../store/event-log.js';
import { boundedSubscription, type SubscriptionFailure } from './bounded-subscription.js';

/**
 * A live topic, preceded (with `after`) by the log's events after that id: the replay reads the log's newest
 * id once the topic is listening, and live events up to it are not delivered again.
 */
export function resumableStream<E extends { id: number; at: string }>(
  live: AsyncIterable<E>,
  log: ReplayableLog<E> | null,
  after: number | null,
  matches: (e: E) => boolean,
  opts: { capacity: number; onDrop: (reason: Error) => void },
): AsyncIterableIterator<E | SubscriptionFailure> {
  let replayedUpTo: number | null = null;
  return boundedSubscription(live, {
    capacity: opts.capacity,
    accept: matches,
    deliver: (e: E) => replayedUpTo === null || e.id > replayedUpTo,
    ...(log && after !== null
      ? {
          replay: async function* () {
            replayedUpTo = await log.lastId();
            for await (const e of log.replay(after, replayedUpTo)) if (matches(e)) yield e;
          },
        }
      : {}),
    onDrop: opts.onDrop,
  });
}

