// Live events that the pub/sub between instances lost are delivered from the event log, in id order. Redis
// pub/sub and PostgreSQL LISTEN/NOTIFY deliver only to connections that are up: a Redis restart, a dropped
// LISTEN connection, a failed publish or an instance killed between its commit and its publish loses events,
// for the subscribers of every instance. Every event is in its stream's log (src/store/event-log.ts) before it
// is published, with an id that is gapless and in commit order per stream, so each instance can tell what it
// has not seen. Per followed topic it keeps a floor (every event up to it has been delivered here) and:
// - delivers an event at once when it is the next one (floor + 1), and holds one that comes after a gap until
//   the gap is filled, so subscribers see each stream in id order even when two instances publish at once;
// - every interval, delivers from the log the events between its floor and the log's newest id of the
//   previous check (one interval of grace: an event committed but not yet published is the pub/sub's), with
//   what it held in between, then anything held since before the previous check whatever the gap;
// - does not deliver again what the pub/sub brings late; a publish that failed reaches this instance's own
//   subscribers at once (after the events before it).
// So an outage delays live events by at most two intervals and loses none the log still keeps, and the gateway
// keeps running through it.
//
// Written here rather than taken from a library: graphql-yoga's event targets have no notion of a log, and the
// log (ids, streams) is this gateway's own.
import type { ReplayableLog } from './store/event-log.js';
import type { Logger } from './logger.js';

type Callback = (event: CustomEvent) => void;
type Listener = Callback | { handleEvent: Callback } | null;

/** What graphql-yoga's createPubSub needs of an event target (Redis's and pg-notify's are such). */
export interface EventTargetLike {
  addEventListener(topic: string, listener: Listener): void;
  removeEventListener(topic: string, listener: Listener): void;
  dispatchEvent(event: Event & { detail?: unknown }): boolean;
}

type LoggedEvent = { id: number; at: string };

/** At most this many caught-up ids (to skip when the pub/sub brings them late) and held events. */
const MAX_TRACKED = 10_000;
/**
 * Events delivered in one turn of the event loop. A filled gap or a replay can release thousands at once, and
 * graphql-yoga's pub/sub refuses more than 1024 pushes its subscriber has not consumed (its Repeater):
 * subscribers consume between turns, so the rest waits for the next turns.
 */
const DELIVERIES_PER_TURN = 100;

class FollowedTopic {
  /** Every logged event with id ≤ floor has been delivered here (or is older than this instance). */
  floor: number;
  /** The log's newest id at the previous check: what the pub/sub has had a whole interval to bring. */
  settled: number;
  /** Ids delivered from the log or by a failed publish: a copy the pub/sub brings later is not delivered. */
  readonly caughtUp = new Set<number>();
  /** Events that came after a gap, by id, with the number of the check they arrived before. */
  readonly held = new Map<number, { event: CustomEvent; check: number }>();
  checks = 0;

  constructor(
    readonly log: ReplayableLog<LoggedEvent>,
    start: number,
  ) {
    this.floor = start;
    this.settled = start;
  }

  markCaughtUp(id: number): void {
    if (this.caughtUp.size >= MAX_TRACKED) for (const old of [...this.caughtUp].slice(0, MAX_TRACKED / 10)) this.caughtUp.delete(old);
    this.caughtUp.add(id);
  }
}

const callbackOf = (l: Listener): Callback | null => (l === null ? null : typeof l === 'function' ? l : l.handleEvent);

export class CatchUpEventTarget implements EventTargetLike {
  private readonly callbacks = new Map<string, Set<Callback>>();
  private readonly onInner = new Map<string, Callback>();
  private readonly topics = new Map<string, FollowedTopic>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> = Promise.resolve();
  /** Deliveries in order, across topics, at most DELIVERIES_PER_TURN a turn. */
  private readonly outbox: Array<[string, CustomEvent]> = [];
  private budget = DELIVERIES_PER_TURN;
  private refillScheduled = false;

  constructor(
    private readonly inner: EventTargetLike,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts following a topic's log: from its newest event now on, what the pub/sub loses is caught up. */
  async follow(topic: string, log: ReplayableLog<LoggedEvent>): Promise<void> {
    this.topics.set(topic, new FollowedTopic(log, await log.lastId()));
    if (!this.timer) {
      this.timer = setInterval(() => void (this.checking = this.checking.then(() => this.catchUp())), this.intervalMs);
      this.timer.unref();
    }
  }

  addEventListener(topic: string, listener: Listener): void {
    const cb = callbackOf(listener);
    if (!cb) return;
    let set = this.callbacks.get(topic);
    if (!set) {
      this.callbacks.set(topic, (set = new Set()));
      const onInner: Callback = (event) => this.arrived(topic, event, false);
      this.onInner.set(topic, onInner);
      this.inner.addEventListener(topic, onInner);
    }
    set.add(cb);
  }

  removeEventListener(topic: string, listener: Listener): void {
    const cb = callbackOf(listener);
    const set = this.callbacks.get(topic);
    if (!cb || !set) return;
    set.delete(cb);
    if (set.size > 0) return;
    this.callbacks.delete(topic);
    this.inner.removeEventListener(topic, this.onInner.get(topic)!);
    this.onInner.delete(topic);
  }

  dispatchEvent(event: Event & { detail?: unknown }): boolean {
    return this.inner.dispatchEvent(event);
  }

  /**
   * The publish of this event did not reach the pub/sub: this instance's subscribers get it now, the other
   * instances' from their catch-up.
   */
  publishFailed(topic: string, detail: unknown): void {
    this.arrived(topic, new CustomEvent(topic, { detail }), true);
  }

  /** One check of every followed topic (the timer runs it; tests may call it). */
  async catchUp(): Promise<void> {
    for (const [topic, followed] of this.topics) {
      try {
        const newest = await followed.log.lastId();
        followed.checks += 1;
        if (followed.floor < followed.settled) await this.replay(topic, followed, followed.settled);
        this.releaseStale(topic, followed);
        followed.settled = newest;
      } catch (e) {
        this.logger.warn({ topic, err: e instanceof Error ? e.message : String(e) }, 'catching up missed events failed; trying again at the next interval');
      }
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checking;
  }

  /** An event from the pub/sub (or a failed publish of this instance's): delivered in id order, once. */
  private arrived(topic: string, event: CustomEvent, publishFailed: boolean): void {
    const id = (event.detail as Partial<LoggedEvent> | null)?.id;
    const followed = this.topics.get(topic);
    if (!followed || typeof id !== 'number') return this.deliverLocally(topic, event);
    if (publishFailed) {
      if (id <= followed.floor || followed.held.has(id)) return;
      followed.markCaughtUp(id);
    } else if (followed.caughtUp.delete(id)) return; // delivered already, from the log
    // At or below the floor: a copy the pub/sub sent twice, or one passed over at a check: not this layer's
    // to drop. Beyond the next id: held until the gap is filled.
    if (id <= followed.floor + 1) {
      this.deliverLocally(topic, event);
      if (id === followed.floor + 1) followed.floor = id;
      return this.releaseContiguous(topic, followed);
    }
    if (followed.held.size >= MAX_TRACKED) this.releaseStale(topic, followed, true);
    followed.held.set(id, { event, check: followed.checks });
  }

  private releaseContiguous(topic: string, followed: FollowedTopic): void {
    for (let next = followed.held.get(followed.floor + 1); next; next = followed.held.get(followed.floor + 1)) {
      followed.held.delete(followed.floor + 1);
      followed.floor += 1;
      this.deliverLocally(topic, next.event);
    }
  }

  /**
   * Delivers, in id order, what has been held since before the previous check (or all of it): the check
   * between has read the log, so its gap is not coming.
   */
  private releaseStale(topic: string, followed: FollowedTopic, all = false): void {
    const stale = [...followed.held].filter(([, h]) => all || h.check < followed.checks - 1).sort(([x], [y]) => x - y);
    for (const [id, h] of stale) {
      followed.held.delete(id);
      followed.floor = Math.max(followed.floor, id);
      this.deliverLocally(topic, h.event);
    }
    this.releaseContiguous(topic, followed);
  }

  private async replay(topic: string, followed: FollowedTopic, upTo: number): Promise<void> {
    const from = followed.floor;
    let count = 0;
    for await (const e of followed.log.replay(from, upTo)) {
      if (e.id <= followed.floor) continue;
      // Ids between the floor and this one are no longer kept by the log: passed over.
      const held = followed.held.get(e.id);
      followed.held.delete(e.id);
      followed.floor = e.id;
      if (held) this.deliverLocally(topic, held.event);
      else {
        followed.markCaughtUp(e.id);
        this.deliverLocally(topic, new CustomEvent(topic, { detail: e }));
        count += 1;
      }
    }
    // What the log no longer keeps cannot be delivered: move on past it.
    followed.floor = Math.max(followed.floor, upTo);
    this.releaseContiguous(topic, followed);
    if (count > 0) this.logger.warn({ topic, events: count, after: from, upTo }, 'delivered events the pub/sub had lost, from the event log');
  }

  /** In order; within this turn's budget at once (a live event goes out now), the rest in later turns. */
  private deliverLocally(topic: string, event: CustomEvent): void {
    this.outbox.push([topic, event]);
    this.drain();
  }

  private drain(): void {
    while (this.outbox.length > 0 && this.budget > 0) {
      const [topic, event] = this.outbox.shift()!;
      this.budget -= 1;
      const set = this.callbacks.get(topic);
      for (const cb of set ? [...set] : []) {
        try {
          cb(event);
        } catch (e) {
          // One subscriber's failure (a full queue) must not keep the event from the others.
          this.logger.warn({ topic, err: e instanceof Error ? e.message : String(e) }, 'a subscriber could not take a pub/sub event');
        }
      }
    }
    if (this.refillScheduled) return;
    this.refillScheduled = true;
    setImmediate(() => {
      this.refillScheduled = false;
      this.budget = DELIVERIES_PER_TURN;
      if (this.outbox.length > 0) this.drain();
    });
  }
}
