// Live events that the pub/sub between instances lost are delivered from the event log. Redis pub/sub and
// PostgreSQL LISTEN/NOTIFY deliver only to connections that are up: a Redis restart, a dropped LISTEN
// connection or a publish that failed loses every event sent meanwhile, for the subscribers of every
// instance. Every event is in its stream's log (src/store/event-log.ts) before it is published, with an id
// that is gapless and in commit order per stream, so each instance can tell what it has not seen: it tracks,
// per followed topic, the highest id below which it has delivered everything (its floor), and every interval
// delivers to its own subscribers the logged events between its floor and the log's newest id of the previous
// interval (one interval of grace, so an event committed but not yet published is left to the pub/sub).
// Events delivered this way are not delivered again when the pub/sub brings them late. A publish that fails
// is delivered to this instance's own subscribers at once. So an outage delays live events by at most two
// intervals and loses none (beyond what the log keeps), and the gateway keeps running through it.
//
// Written here rather than taken from a library: graphql-yoga's event targets have no notion of a log, and the
// log (ids, streams) is this gateway's own.
import type { EventLog } from './store/event-log.js';
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

/** Ids delivered above the floor, and ids the catch-up delivered (to skip when the pub/sub brings them). */
const MAX_TRACKED_IDS = 10_000;

class FollowedTopic {
  /** Every logged event with id ≤ floor has been delivered here (or is older than this instance). */
  floor: number;
  /** The log's newest id at the previous check: what the pub/sub has had a whole interval to bring. */
  settled: number;
  readonly above = new Set<number>();
  readonly caughtUp = new Set<number>();

  constructor(
    readonly log: EventLog<LoggedEvent>,
    start: number,
  ) {
    this.floor = start;
    this.settled = start;
  }

  /** Records a delivery; false if the catch-up already delivered this id (the pub/sub brought it late). */
  delivered(id: number, byCatchUp: boolean): boolean {
    if (!byCatchUp && this.caughtUp.delete(id)) return false;
    if (byCatchUp) bounded(this.caughtUp).add(id);
    if (id === this.floor + 1) {
      this.floor = id;
      while (this.above.delete(this.floor + 1)) this.floor += 1;
    } else if (id > this.floor) bounded(this.above).add(id);
    return true;
  }

  /** Everything up to `id` is settled, delivered or not (the log no longer has what was not). */
  skipTo(id: number): void {
    if (id <= this.floor) return;
    this.floor = id;
    for (const a of this.above) if (a <= id) this.above.delete(a);
    while (this.above.delete(this.floor + 1)) this.floor += 1;
  }

  seen(id: number): boolean {
    return id <= this.floor || this.above.has(id);
  }
}

/** Keeps a set of ids from growing without end (ids published outside the log, say): the oldest go first. */
function bounded(ids: Set<number>): Set<number> {
  if (ids.size >= MAX_TRACKED_IDS) for (const id of [...ids].slice(0, MAX_TRACKED_IDS / 10)) ids.delete(id);
  return ids;
}

const callbackOf = (l: Listener): Callback | null => (l === null ? null : typeof l === 'function' ? l : l.handleEvent);

export class CatchUpEventTarget implements EventTargetLike {
  private readonly callbacks = new Map<string, Set<Callback>>();
  private readonly onInner = new Map<string, Callback>();
  private readonly topics = new Map<string, FollowedTopic>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> = Promise.resolve();

  constructor(
    private readonly inner: EventTargetLike,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts following a topic's log: from its newest event now on, what the pub/sub loses is caught up. */
  async follow(topic: string, log: EventLog<LoggedEvent>): Promise<void> {
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
      const onInner: Callback = (event) => {
        const id = (event.detail as Partial<LoggedEvent> | null)?.id;
        const followed = this.topics.get(topic);
        if (followed && typeof id === 'number' && !followed.delivered(id, false)) return;
        this.deliverLocally(topic, event);
      };
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
    const id = (detail as Partial<LoggedEvent> | null)?.id;
    const followed = this.topics.get(topic);
    if (followed && typeof id === 'number') {
      if (followed.seen(id)) return;
      followed.delivered(id, true);
    }
    this.deliverLocally(topic, new CustomEvent(topic, { detail }));
  }

  /** One check of every followed topic (the timer runs it; tests may call it). */
  async catchUp(): Promise<void> {
    for (const [topic, followed] of this.topics) {
      try {
        const newest = await followed.log.lastId();
        if (followed.floor < followed.settled) await this.replay(topic, followed, followed.settled);
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

  private async replay(topic: string, followed: FollowedTopic, upTo: number): Promise<void> {
    const from = followed.floor;
    let count = 0;
    for await (const e of followed.log.replay(from, upTo)) {
      if (followed.seen(e.id)) continue;
      followed.delivered(e.id, true);
      this.deliverLocally(topic, new CustomEvent(topic, { detail: e }));
      count += 1;
    }
    // What the log no longer keeps (pruned, or older than this instance) cannot be delivered: move on past it.
    followed.skipTo(upTo);
    if (count > 0) this.logger.warn({ topic, events: count, after: from, upTo }, 'delivered events the pub/sub had lost, from the event log');
  }

  private deliverLocally(topic: string, event: CustomEvent): void {
    const set = this.callbacks.get(topic);
    if (set) for (const cb of [...set]) cb(event);
  }
}
