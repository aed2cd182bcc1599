// The incident queue: every incident the gateway's event log knows, kept current by Subscription.incidentEvents.
// At start the log is read page by page (Query.incidentEvents), then the stream is subscribed with `after` set to
// the last event id read; after any drop it resubscribes with the last id received, so nothing is missed or
// applied twice (events with an id already applied are ignored). When the log no longer holds the events after
// our id (BAD_USER_INPUT), the queue starts over from the log. When the log is empty at load (a fresh sandbox
// before its first fetch) there is no id to resume from: the first subscription is live only, so once it is up
// the whole log is read again, and any event logged before the server registered the subscription is applied
// in its place (events are applied by id: a late, older one never overwrites a newer copy of its incident).
import { useEffect, useState, useSyncExternalStore } from 'react';
import { client, errorCode, liveStream, type StreamStatus } from './api.js';
import { IncidentEventLogDocument, IncidentStreamDocument, type QueueEventFragment, type QueueIncidentFragment } from './gql/graphql.js';

export type QueueIncident = QueueIncidentFragment;

/** The SaaS Security tenant of the SAAS_SECURITY_* shorthand (and the sandbox's first). */
export const DEFAULT_INSTANCE = 'default';

/**
 * An incident's key in the queue and the URL: its id for the default tenant, `<instance>/<id>` for another
 * (incident ids are unique per tenant only).
 */
export function incidentKey(i: { instance: string; incidentId: number }): string {
  return i.instance === DEFAULT_INSTANCE ? String(i.incidentId) : `${i.instance}/${i.incidentId}`;
}
export interface EventSummary {
  id: number;
  kind: QueueEventFragment['kind'];
  at: string;
  changedFields: string[];
}

const PAGE = 1000;

export class IncidentQueue {
  /** By incidentKey. */
  readonly incidents = new Map<string, QueueIncident>();
  readonly history = new Map<string, EventSummary[]>();
  lastId: number | null = null;
  status: StreamStatus | 'loading' = 'loading';
  error: string | null = null;
  private version = 0;
  private readonly listeners = new Set<() => void>();
  private stop: (() => void) | null = null;
  private notifyScheduled = false;

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getVersion = () => this.version;

  /** Re-render at most once per frame however many events arrive. */
  private changed(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    requestAnimationFrame(() => {
      this.notifyScheduled = false;
      this.version++;
      for (const l of this.listeners) l();
    });
  }

  private readonly seen = new Set<number>();

  apply(e: QueueEventFragment): void {
    const id = Number(e.id);
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.lastId = Math.max(this.lastId ?? 0, id);
    const i = e.incident;
    const key = incidentKey(i);
    const h = this.history.get(key) ?? [];
    const newest = h.at(-1)?.id ?? -1;
    if (id > newest) this.incidents.set(key, i);
    h.push({ id, kind: e.kind, at: e.at, changedFields: e.changedFields });
    if (id < newest) h.sort((a, b) => a.id - b.id);
    this.history.set(key, h);
    this.changed();
  }

  /** A mutation's answer (e.g. closeIncident) is newer than what the table shows until its event arrives. */
  put(i: QueueIncident): void {
    this.incidents.set(incidentKey(i), i);
    this.changed();
  }

  /** Reads the log after the last event applied, or with `all` from the oldest event it keeps. */
  private async readLog(all = false): Promise<void> {
    let cursor = all ? null : this.lastId;
    for (;;) {
      const after = cursor === null ? undefined : String(cursor);
      const r = await client.query(IncidentEventLogDocument, { after, first: PAGE }).toPromise();
      if (r.error) {
        // The log was trimmed past our id (or the gateway restarted with a fresh sandbox): start over.
        if (errorCode(r.error) === 'BAD_USER_INPUT' && cursor !== null) {
          this.reset();
          cursor = null;
          continue;
        }
        throw new Error(r.error.message);
      }
      const events = r.data?.incidentEvents ?? [];
      for (const e of events) this.apply(e);
      if (events.length) cursor = Number(events.at(-1)!.id);
      if (events.length < PAGE) return;
    }
  }

  private reset(): void {
    this.incidents.clear();
    this.history.clear();
    this.seen.clear();
    this.lastId = null;
    this.changed();
  }

  async start(): Promise<void> {
    try {
      await this.readLog();
      this.error = null;
    } catch (e) {
      this.error = `Could not read the incident event log: ${(e as Error).message}`;
    }
    let liveOnly = this.lastId === null;
    this.stop = liveStream(
      IncidentStreamDocument,
      () => ({ after: this.lastId === null ? undefined : String(this.lastId) }),
      {
        data: (d) => this.apply(d.incidentEvents),
        error: (errors) => {
          const code = errors[0]?.extensions?.['code'];
          if (code === 'BAD_USER_INPUT') this.reset();
          // SUBSCRIPTION_OVERFLOW or a trimmed log: resubscribe (resync re-reads the log as far as it can).
          this.error = code === 'SUBSCRIPTION_OVERFLOW' || code === 'BAD_USER_INPUT' ? null : `${errors[0]?.message} (${String(code)})`;
          this.changed();
          return code !== 'UNAUTHENTICATED' && code !== 'FORBIDDEN';
        },
        status: (s) => {
          this.status = s;
          if (s === 'live' && liveOnly) {
            // The socket is up; the server registers the subscription a moment later: read once it surely has.
            liveOnly = false;
            setTimeout(() => void this.readLog(true).catch(() => undefined), 1000);
          }
          this.changed();
        },
        resync: () => this.readLog(),
      },
    );
  }

  dispose(): void {
    this.stop?.();
  }
}

let shared: IncidentQueue | null = null;

/** One queue for the page, started on first use and kept across views. */
export function useIncidentQueue(): IncidentQueue {
  const [queue] = useState(() => {
    if (!shared) {
      shared = new IncidentQueue();
      void shared.start();
    }
    return shared;
  });
  useSyncExternalStore(queue.subscribe, queue.getVersion);
  return queue;
}

export function disposeIncidentQueue(): void {
  shared?.dispose();
  shared = null;
}

/** Re-render every `ms` (relative times, lags). */
export function useTick(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
