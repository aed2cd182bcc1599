// The incident event log: every IncidentEvent with its sequence id, kept in the incident store's own
// DurableStore so that an event is written in the SAME durable batch as the state change that causes it (a
// fetched page, a mirrored update, a close). After a crash either the change and its event are both on disk
// or neither is; an event on disk but never published is not published again at start: clients that missed
// it replay it with `incidentEvents(after:)`.
//
// The sequence is stored with every batch that uses it, so ids only ever increase, across restarts too. The
// log keeps the last `maxEvents` events; asking for events after an id older than that is a BAD_USER_INPUT
// error rather than a silent gap.
import type { IncidentEvent, NewIncidentEvent } from '../domain/incident-event.js';
import { badInput } from '../errors.js';

export const EVENT_KEY_PREFIX = 'event:';
export const EVENT_SEQ_KEY = 'eventSeq';
export const DEFAULT_EVENT_LOG_SIZE = 10_000;
const eventKey = (id: number) => `${EVENT_KEY_PREFIX}${id}`;

/** The part of the DurableStore the log reads and prunes; batches are written by the IncidentStore. */
export interface EventLogStore {
  get(key: string): unknown;
  keys(): IterableIterator<string>;
  delete(...keys: string[]): void;
}

export class IncidentEventLog {
  /** Ids of the kept events, ascending. */
  private readonly ids: number[] = [];
  private seq: number;

  constructor(
    private readonly store: EventLogStore,
    readonly maxEvents: number = DEFAULT_EVENT_LOG_SIZE,
  ) {
    for (const key of store.keys()) if (key.startsWith(EVENT_KEY_PREFIX)) this.ids.push(Number(key.slice(EVENT_KEY_PREFIX.length)));
    this.ids.sort((a, b) => a - b);
    this.seq = Math.max((store.get(EVENT_SEQ_KEY) as number | undefined) ?? 0, this.ids[this.ids.length - 1] ?? 0);
    this.prune();
  }

  /** How many events are kept. */
  get size(): number {
    return this.ids.length;
  }

  /** The id of the newest event ever logged (0 before the first). */
  get lastId(): number {
    return this.seq;
  }

  /** The id of the oldest event kept, or null when none is. */
  get oldestId(): number | null {
    return this.ids[0] ?? null;
  }

  /**
   * Gives the events their ids and returns the store entries that log them and advance the sequence, for the
   * caller to write in its own batch; `appended` must follow once that batch is durable.
   */
  prepare(events: readonly NewIncidentEvent[]): { logged: IncidentEvent[]; entries: Array<[string, IncidentEvent | number]> } {
    const logged = events.map((e, i) => ({ id: this.seq + i + 1, ...e }));
    const entries: Array<[string, IncidentEvent | number]> = logged.map((e) => [eventKey(e.id), e]);
    if (logged.length) entries.push([EVENT_SEQ_KEY, this.seq + logged.length]);
    return { logged, entries };
  }

  appended(logged: readonly IncidentEvent[]): void {
    if (!logged.length) return;
    for (const e of logged) this.ids.push(e.id);
    this.seq = logged[logged.length - 1]!.id;
    this.prune();
  }

  /** Throws BAD_USER_INPUT unless every event after `after` is still kept (or `after` is the newest id). */
  checkAfter(after: number): void {
    if (after > this.seq) throw badInput(`no incident event ${after} has been logged yet; the newest is ${this.seq}`, 'after');
    const oldest = this.oldestId;
    if (after < this.seq && (oldest === null || oldest > after + 1)) {
      throw badInput(
        `incident events after ${after} are no longer kept (the log keeps the last ${this.maxEvents}; the oldest kept is ` +
          `${oldest ?? 'none'}): re-read incidents, then subscribe without after or with after: ${this.seq}`,
        'after',
      );
    }
  }

  /** The kept events with id > after, oldest first, at most `first` of them. Call checkAfter first. */
  since(after: number, first = Infinity): IncidentEvent[] {
    const out: IncidentEvent[] = [];
    let i = this.ids.findIndex((id) => id > after);
    if (i < 0) return out;
    for (; i < this.ids.length && out.length < first; i += 1) out.push(this.store.get(eventKey(this.ids[i]!)) as IncidentEvent);
    return out;
  }

  /** Keeps the last maxEvents. A separate write: a crash before it only leaves a few extra events. */
  private prune(): void {
    const excess = this.ids.length - this.maxEvents;
    if (excess > 0) this.store.delete(...this.ids.splice(0, excess).map(eventKey));
  }
}
