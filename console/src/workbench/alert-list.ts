// The workbench queue's data: a page of `alerts` for the chosen tab and filters, kept live by `alertUpdates`.
// The stream is resumed with the last update id after a drop (nothing missed, nothing applied twice), and the
// page is read again then, so a change made while the socket was down shows too. An update of an alert that
// no longer matches the tab (another analyst resolved it) takes it off the list; a new or changed alert that
// matches comes in at its place, newest first.
import { useEffect, useRef, useState } from 'react';
import { client, describeError, liveStream, type StreamStatus } from '../api.js';
import { AlertQueueDocument, AlertQueueUpdatesDocument, type AlertFilter, type WorkAlertFragment } from '../gql/graphql.js';

export const PAGE = 100;

export function matches(a: WorkAlertFragment, f: AlertFilter): boolean {
  if (f.statuses?.length && !f.statuses.includes(a.triage.status)) return false;
  if (f.sources?.length && !f.sources.includes(a.source)) return false;
  if (f.severities?.length && !f.severities.includes(a.severity)) return false;
  if (f.assignee && a.triage.assignee !== f.assignee) return false;
  if (f.unassigned && a.triage.assignee) return false;
  if (f.text) {
    const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
    const hay = `${a.title} ${a.alertId}`.toLowerCase();
    if (!words.every((w) => hay.includes(w))) return false;
  }
  return true;
}

const newestFirst = (a: WorkAlertFragment, b: WorkAlertFragment) => b.createdAt.localeCompare(a.createdAt) || b.alertId.localeCompare(a.alertId);

export function useAlertQueue(filter: AlertFilter): {
  alerts: WorkAlertFragment[];
  status: StreamStatus | 'loading';
  error: string | null;
  hasMore: boolean;
  more(): Promise<void>;
  put(a: WorkAlertFragment): void;
} {
  const [alerts, setAlerts] = useState<WorkAlertFragment[]>([]);
  const [status, setStatus] = useState<StreamStatus | 'loading'>('loading');
  const [error, setError] = useState<string | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const key = JSON.stringify(filter);
  const lastUpdate = useRef<string | null>(null);

  const put = (a: WorkAlertFragment) =>
    setAlerts((list) => {
      const rest = list.filter((x) => x.alertId !== a.alertId);
      return matches(a, filterRef.current) ? [...rest, a].sort(newestFirst) : rest;
    });

  useEffect(() => {
    let stale = false;
    setAlerts([]);
    setStatus('loading');
    const read = async () => {
      const r = await client.query(AlertQueueDocument, { first: PAGE, filter }).toPromise();
      if (stale) return;
      setError(describeError(r.error));
      if (!r.data) return;
      setAlerts(r.data.alerts.edges.map((e) => e.node));
      setNext(r.data.alerts.pageInfo.hasNextPage ? (r.data.alerts.pageInfo.endCursor ?? null) : null);
    };
    void read();
    const stop = liveStream(AlertQueueUpdatesDocument, () => ({ after: lastUpdate.current }), {
      data: (d) => {
        lastUpdate.current = d.alertUpdates.id;
        put(d.alertUpdates.alert);
      },
      error: (errors) => {
        setError(errors[0]?.message ?? 'stream error');
        const code = errors[0]?.extensions?.['code'];
        return code !== 'UNAUTHENTICATED' && code !== 'FORBIDDEN';
      },
      status: setStatus,
      resync: read,
    });
    return () => {
      stale = true;
      stop();
    };
  }, [key]);

  return {
    alerts,
    status,
    error,
    hasMore: next !== null,
    put,
    more: async () => {
      if (!next) return;
      const r = await client.query(AlertQueueDocument, { first: PAGE, after: next, filter: filterRef.current }).toPromise();
      setError(describeError(r.error));
      if (!r.data) return;
      const older = r.data.alerts.edges.map((e) => e.node);
      setAlerts((list) => {
        const seen = new Set(list.map((a) => a.alertId));
        return [...list, ...older.filter((a) => !seen.has(a.alertId))].sort(newestFirst);
      });
      setNext(r.data.alerts.pageInfo.hasNextPage ? (r.data.alerts.pageInfo.endCursor ?? null) : null);
    },
  };
}
