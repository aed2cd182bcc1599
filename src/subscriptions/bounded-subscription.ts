// One subscriber's view of a pub/sub topic, with a bounded buffer between the two.
//
// The pub/sub's own per-subscriber queue is unbounded (and its Repeater throws past 1,024 pending pushes,
// inside the publisher's dispatch). So each subscription drains its topic at once into a buffer of at most
// `capacity` matching events; the client's transport pulls from that buffer at its own pace. A slow client
// therefore never holds up the publisher or the other subscribers.
//
// Overflow policy: when a subscriber has `capacity` undelivered events and another arrives, it is dropped.
// It stops listening at once, still receives the events already buffered, then one final result carrying a
// SUBSCRIPTION_OVERFLOW error, and its subscription completes. Nothing is silently skipped: a client that
// sees the error knows exactly where its stream stopped and re-subscribes (and re-reads) from there.
//
// Replay (`replay`): events from a durable log, delivered before anything buffered. It is started only after
// the source is listening, so the caller can take the log's newest id at that moment and `deliver` only live
// events after it: no gap and no duplicate at the seam. Replayed events are pulled from the log at the
// client's pace (they take no buffer room); live events arriving meanwhile fill the buffer under the same
// overflow policy. `deliver` is asked when a buffered event is handed out (after the replay has ended), so
// it may depend on what the replay found.
//
// Errors are kept to the one subscription: a filter that throws, or a failing source, ends that subscription
// with the error as its final result; other subscriptions never see it.
import { GatewayError } from '../errors.js';

/** Yielded last when a subscription ends on an error; the field's resolver throws `error`. */
export class SubscriptionFailure {
  constructor(readonly error: Error) {}
}

export function overflowError(capacity: number): GatewayError {
  return new GatewayError(
    'SUBSCRIPTION_OVERFLOW',
    `This subscriber fell ${capacity} events behind and was dropped; events up to this point were delivered. ` +
      'Subscribe again with `after` set to the id of the last event received to continue.',
  );
}

export function boundedSubscription<T>(
  source: AsyncIterable<T>,
  opts: {
    capacity: number;
    accept?: (value: T) => boolean;
    replay?: () => AsyncIterable<T> | Iterable<T>;
    deliver?: (value: T) => boolean;
    onDrop?: (reason: Error) => void;
  },
): AsyncIterableIterator<T | SubscriptionFailure> {
  const iterator = source[Symbol.asyncIterator]();
  const buffer: T[] = [];
  let failure: SubscriptionFailure | null = null;
  let sourceDone = false;
  let closed = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };

  const end = (error: Error | null) => {
    sourceDone = true;
    if (error && !closed) {
      failure = new SubscriptionFailure(error);
      opts.onDrop?.(error);
    }
    void iterator.return?.();
    notify();
  };

  void (async () => {
    try {
      for (;;) {
        const r = await iterator.next();
        if (r.done || closed) break;
        if (opts.accept && !opts.accept(r.value)) continue;
        if (buffer.length >= opts.capacity) return end(overflowError(opts.capacity));
        buffer.push(r.value);
        notify();
      }
      end(null);
    } catch (error) {
      end(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  // The loop above has called next() on the source: it is listening now (the pub/sub subscribes on first next).
  const replaySource = opts.replay?.() ?? null;
  let replay: AsyncIterator<T> | Iterator<T> | null =
    replaySource === null ? null : Symbol.asyncIterator in replaySource ? replaySource[Symbol.asyncIterator]() : replaySource[Symbol.iterator]();

  const self: AsyncIterableIterator<T | SubscriptionFailure> = {
    async next(): Promise<IteratorResult<T | SubscriptionFailure>> {
      for (;;) {
        if (closed) return { done: true, value: undefined };
        if (replay) {
          try {
            const replayed = await replay.next();
            if (!replayed.done) return { done: false, value: replayed.value };
            replay = null;
          } catch (error) {
            replay = null;
            end(error instanceof Error ? error : new Error(String(error)));
            buffer.length = 0;
            continue;
          }
        }
        if (buffer.length) {
          const value = buffer.shift()!;
          if (opts.deliver && !opts.deliver(value)) continue;
          return { done: false, value };
        }
        if (failure) {
          const f = failure;
          failure = null;
          closed = true;
          return { done: false, value: f };
        }
        if (sourceDone) return { done: true, value: undefined };
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return(): Promise<IteratorResult<T | SubscriptionFailure>> {
      closed = true;
      buffer.length = 0;
      end(null);
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return self;
    },
  };
  return self;
}
