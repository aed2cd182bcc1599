// SAML detections (AWS.Suspicious.SAML.Activity), live from Subscription.samlDetectionEvents. Each opens to its
// matched CloudTrail events, the actor (the STA user when known, with groups) and the alert context. The
// matched events are read when a detection is opened: asking for them in the list would exceed the
// gateway's query cost limit.
import { useState } from 'react';
import { useQuery } from 'urql';
import { describeError } from '../api.js';
import { Badge } from '../components/Badge.js';
import { time } from '../format.js';
import { SamlDetectionDetailDocument, SamlDetectionListDocument, SamlDetectionStreamDocument, type ConsoleSamlDetectionFragment } from '../gql/graphql.js';
import { useLiveList } from '../live-list.js';

export function Saml() {
  const { list, status, error } = useLiveList(
    SamlDetectionListDocument,
    (q) => q.samlDetections.edges.map((e) => e.node),
    SamlDetectionStreamDocument,
    (s) => s.samlDetectionEvents.detection,
    (d) => d.updatedAt,
  );
  const [open, setOpen] = useState<string | null>(null);
  const detections = list.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  const selected = detections.find((d) => d.id === open) ?? detections[0];
  return (
    <section aria-label="SAML detections">
      <p className="queue-meta">
        {detections.length} detections · stream <span className={`stream stream-${status}`}>{status}</span>
        {error && <span className="error" role="alert"> · {error}</span>}
      </p>
      {detections.length === 0 && status !== 'loading' && <p className="empty">No SAML detection yet.</p>}
      <div className="split">
        <ul className="pick" aria-label="Detections">
          {detections.map((d) => (
            <li key={d.id}>
              <button type="button" className={d.id === selected?.id ? 'on' : ''} aria-pressed={d.id === selected?.id} onClick={() => setOpen(d.id)} data-detection={d.id}>
                <Badge kind="sev" value={d.severity} /> <strong>{d.actorName ?? d.actorArn ?? 'unknown actor'}</strong>
                <span className="muted"> · {d.eventCount} events · {time(d.lastEventAt)}</span>
                <div className="clip muted">{d.title}</div>
              </button>
            </li>
          ))}
        </ul>
        {selected && <Detection d={selected} />}
      </div>
    </section>
  );
}

function Detection({ d }: { d: ConsoleSamlDetectionFragment }) {
  const [{ data, error }] = useQuery({ query: SamlDetectionDetailDocument, variables: { id: d.id }, requestPolicy: 'network-only' });
  const more = data?.samlDetection;
  const actor = more?.actor ?? d.actor;
  return (
    <article className="card saml" aria-label="Detection">
      <h3>
        <Badge kind="sev" value={d.severity} /> {d.title}
      </h3>
      <p className="muted">
        {d.alertType} · {d.eventCount} events · {time(d.firstEventAt)} → {time(d.lastEventAt)} · account {d.accountId ?? '—'}
      </p>
      <p>{d.description}</p>
      {d.error && <p className="error">{d.error}</p>}
      {error && <p className="error" role="alert">{describeError(error)}</p>}
      <dl>
        <dt>actor</dt>
        <dd>
          {d.actorName ?? '—'} <span className="muted">{d.actorArn}</span>
        </dd>
        <dt>SAML provider</dt>
        <dd>
          {d.samlProviderName ?? '—'} <span className="muted">{d.samlProviderArn}</span>
        </dd>
        <dt>STA user</dt>
        <dd>
          {actor ? (
            <>
              <strong>{actor.userName}</strong> {actor.email} {more?.actor?.groups.map((g) => <span key={g.name} className="chip">{g.name}</span>)}
            </>
          ) : (
            <span className="muted">not an STA user</span>
          )}
        </dd>
        {more && (
          <>
            <dt>source IPs</dt>
            <dd>{more.indicators.ipAddresses.join(', ') || '—'}</dd>
          </>
        )}
        <dt>alert context</dt>
        <dd>
          <pre className="json">{JSON.stringify(d.alertContext, null, 1)}</pre>
        </dd>
      </dl>
      <h4>Matched CloudTrail events</h4>
      <table className="small">
        <thead>
          <tr><th>event time</th><th>event</th><th>provider</th><th>source</th><th>ip</th><th>region</th></tr>
        </thead>
        <tbody>
          {more?.events.edges.map(({ node: e }, n) => (
            <tr key={e.eventId ?? n}>
              <td>{time(e.eventTime)}</td><td>{e.eventName}</td><td>{e.samlProviderName}</td><td>{e.eventSource}</td><td>{e.sourceIPAddress}</td><td>{e.awsRegion}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}
