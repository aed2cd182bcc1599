// A list kept live: read with a query, then updated by a subscription's events (keyed by id). After a drop the
// list is read again before resubscribing, since these streams cannot replay what was missed.
import { useEffect, useState } from 'react';
import type { TypedDocumentNode } from '@urql/core';
import { client, describeError, liveStream, type StreamStatus } from './api.js';

type NoVariables = { [key: string]: never };

export function useLiveList<Item extends { id: string }, Q, S>(
  listDoc: TypedDocumentNode<Q, NoVariables>,
  items: (q: Q) => Item[],
  streamDoc: TypedDocumentNode<S, NoVariables>,
  item: (s: S) => Item,
  /** When the item last changed: a mutation's answer may arrive after the stream's newer events. */
  changedAt: (i: Item) => string,
): { list: Item[]; status: StreamStatus | 'loading'; error: string | null; put(i: Item): void } {
  const [map, setMap] = useState(() => new Map<string, Item>());
  const [status, setStatus] = useState<StreamStatus | 'loading'>('loading');
  const [error, setError] = useState<string | null>(null);
  const put = (i: Item, fromStream = false) =>
    setMap((m) => {
      const had = m.get(i.id);
      if (had && (fromStream ? changedAt(i) < changedAt(had) : changedAt(i) <= changedAt(had))) return m;
      return new Map(m).set(i.id, i);
    });
  useEffect(() => {
    const read = async () => {
      const r = await client.query(listDoc, {}).toPromise();
      setError(describeError(r.error));
      if (r.data) setMap(new Map(items(r.data).map((i) => [i.id, i])));
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
  return { list: [...map.values()], status, error, put: (i) => put(i) };
}
