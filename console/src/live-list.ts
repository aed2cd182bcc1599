// A list kept live: read with a query, then updated by a subscription's events (keyed by id). After a drop the
// first page is read again before resubscribing, since these streams cannot replay what was missed; older
// pages already loaded stay. A list whose query pages (an `after` variable and a page info) can load more.
import { useEffect, useRef, useState } from 'react';
import type { TypedDocumentNode } from '@urql/core';
import { client, describeError, liveStream, type StreamStatus } from './api.js';

type NoVariables = { [key: string]: never };
type PageVariables = { after?: string | null };

export interface PageInfo {
  hasNextPage: boolean;
  endCursor?: string | null;
}

export function useLiveList<Item extends { id: string }, Q, S>(
  listDoc: TypedDocumentNode<Q, NoVariables> | TypedDocumentNode<Q, PageVariables>,
  items: (q: Q) => Item[],
  streamDoc: TypedDocumentNode<S, NoVariables>,
  item: (s: S) => Item,
  /** When the item last changed: a mutation's answer may arrive after the stream's newer events. */
  changedAt: (i: Item) => string,
  /** The query's page info, for a list that pages. */
  pageOf?: (q: Q) => PageInfo,
): {
  list: Item[];
  status: StreamStatus | 'loading';
  error: string | null;
  put(i: Item): void;
  /** Loads the next older page; null when there is none (or the list does not page). */
  more: (() => Promise<void>) | null;
  loadingMore: boolean;
} {
  const [map, setMap] = useState(() => new Map<string, Item>());
  const [status, setStatus] = useState<StreamStatus | 'loading'>('loading');
  const [error, setError] = useState<string | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const pagesLoaded = useRef(1);
  const put = (i: Item, fromStream = false) =>
    setMap((m) => {
      const had = m.get(i.id);
      if (had && (fromStream ? changedAt(i) < changedAt(had) : changedAt(i) <= changedAt(had))) return m;
      return new Map(m).set(i.id, i);
    });
  const merge = (list: Item[]) =>
    setMap((m) => {
      const out = new Map(m);
      for (const i of list) out.set(i.id, i);
      return out;
    });
  useEffect(() => {
    const read = async () => {
      const r = await client.query(listDoc as TypedDocumentNode<Q, PageVariables>, {}).toPromise();
      setError(describeError(r.error));
      if (!r.data) return;
      // The first read is the list; a re-read after a drop refreshes the first page and keeps older ones.
      if (pagesLoaded.current > 1) merge(items(r.data));
      else setMap(new Map(items(r.data).map((i) => [i.id, i])));
      if (pageOf && pagesLoaded.current === 1) {
        const page = pageOf(r.data);
        setNext(page.hasNextPage ? (page.endCursor ?? null) : null);
      }
    };
    void read();
    return liveStream(streamDoc, () => ({}), {
      data: (d) => put(item(d), true),
      error: (errors) => {
        setError(errors[0]?.message ?? 'stream error');
        const code = errors[0]?.extensions?.['code'];
        return code !== 'UNAUTHENTICATED' && code !== 'FORBIDDEN';
      },
      status: setStatus,
      resync: read,
    });
  }, []);
  const more =
    pageOf && next
      ? async () => {
          setLoadingMore(true);
          const r = await client.query(listDoc as TypedDocumentNode<Q, PageVariables>, { after: next }).toPromise();
          setLoadingMore(false);
          setError(describeError(r.error));
          if (!r.data) return;
          pagesLoaded.current += 1;
          merge(items(r.data));
          const page = pageOf(r.data);
          setNext(page.hasNextPage ? (page.endCursor ?? null) : null);
        }
      : null;
  return { list: [...map.values()], status, error, put: (i) => put(i), more, loadingMore };
}
