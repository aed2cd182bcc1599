// One alert on the workbench: its triage (status with a comment, assignee), comments (edited only by their
// author, edits kept), the activity timeline, and what its source knows (the incident's asset and owner, the
// STA playbook's steps, the SAML detection's actor and context). Live: an update of this alert re-reads it.
import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { describeError, liveStream } from '../api.js';
import { Badge } from '../components/Badge.js';
import { label, time } from '../format.js';
import { incidentKey } from '../queue.js';
import {
  AddAlertCommentDocument,
  AlertDetailDocument,
  AlertQueueUpdatesDocument,
  AssignAlertsDocument,
  EditAlertCommentDocument,
  RedeliverAlertDocument,
  UpdateAlertStatusDocument,
  WorkbenchViewerDocument,
  type AlertDetailQuery,
  type CloseCategory,
  type TriageStatus,
} from '../gql/graphql.js';
import { TABS, sourceName, statusName, useMe } from './Workbench.js';

type Detail = NonNullable<AlertDetailQuery['alert']>;
type ActorView = { kind: string; id: string; name?: string | null; email?: string | null };
const who = (a: ActorView) => (a.kind === 'SYSTEM' ? `secgraph (${a.id})` : (a.name ?? a.email ?? a.id));

export function AlertDetail({ alertId, canRespond, back }: { alertId: string; canRespond: boolean; back(): void }) {
  const [r, reread] = useQuery({ query: AlertDetailDocument, variables: { alertId }, requestPolicy: 'network-only' });
  // Another analyst's change (or the source's) to this alert: read it again.
  useEffect(
    () =>
      liveStream(AlertQueueUpdatesDocument, () => ({}), {
        data: (d) => {
          if (d.alertUpdates.alertId === alertId) reread({ requestPolicy: 'network-only' });
        },
        resync: () => reread({ requestPolicy: 'network-only' }),
      }),
    [alertId],
  );
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) && back();
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  const a = r.data?.alert;
  if (r.error) return <p className="error" role="alert">{describeError(r.error)}</p>;
  if (!r.data) return <p>Loading…</p>;
  if (!a) return <p className="error" role="alert">No alert {alertId}.</p>;
  const refresh = () => reread({ requestPolicy: 'network-only' });
  return (
    <section className="detail" aria-label={`Alert ${a.title}`}>
      <p><button type="button" className="link" onClick={back}>← alert queue</button></p>
      <h2>
        <Badge kind="sev" value={a.severity} /> {a.title}
      </h2>
      <p className="muted">
        {sourceName(a.source)} · {a.alertId} · created {time(a.createdAt)}
        {a.triage.sourceState && <> · source: {a.triage.sourceState}</>}
      </p>
      <div className="detail-grid">
        <article className="card">
          <h3>Triage</h3>
          <dl>
            <dt>status</dt>
            <dd data-testid="detail-status">{statusName(a.triage.status)}</dd>
            <dt>assignee</dt>
            <dd data-testid="detail-assignee">{a.triage.assignee ?? 'unassigned'}</dd>
            <dt>last change</dt>
            <dd>{a.triage.updatedAt ? `${time(a.triage.updatedAt)} by ${a.triage.updatedBy ? who(a.triage.updatedBy) : '—'}` : '—'}</dd>
            <dt>triaged</dt>
            <dd>{time(a.triage.triagedAt)}</dd>
            <dt>resolved</dt>
            <dd>{time(a.triage.resolvedAt)}</dd>
          </dl>
          {canRespond && <TriageActions a={a} done={refresh} />}
        </article>
        <SourceCard a={a} />
        <Comments a={a} canRespond={canRespond} done={refresh} />
        <Deliveries a={a} canRespond={canRespond} done={refresh} />
        <article className="card">
          <h3>Activity</h3>
          <ol className="timeline" aria-label="Activity">
            {a.triage.activity.edges.map(({ node: e }) => (
              <li key={e.id} data-field={e.field}>
                {time(e.at)} · <strong>{who(e.actor)}</strong> {e.field}
                {e.from != null && <> from <em>{e.from}</em></>}
                {e.to != null && <> to <em>{e.to}</em></>}
                {e.note && <span className="muted"> · {e.note}</span>}
              </li>
            ))}
          </ol>
        </article>
      </div>
    </section>
  );
}

function TriageActions({ a, done }: { a: Detail; done(): void }) {
  const me = useMe();
  const [, updateStatus] = useMutation(UpdateAlertStatusDocument);
  const [, assign] = useMutation(AssignAlertsDocument);
  const [status, setStatus] = useState<TriageStatus>(a.triage.status);
  const [category, setCategory] = useState<CloseCategory>('NO_REASON');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | null>(null);
  const answer = (e: Parameters<typeof describeError>[0], results: ReadonlyArray<{ error?: { code: string; message: string } | null }> | undefined) => {
    const failed = results?.find((x) => x.error)?.error;
    setError(describeError(e) ?? (failed ? `${failed.message} (${failed.code})` : null));
    done();
  };
  return (
    <div className="actions">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await updateStatus({ alertIds: [a.alertId], status, comment: comment.trim() || null, ...(status === 'RESOLVED' && a.source === 'SAAS_INCIDENT' ? { closeCategory: category } : {}) });
          if (!r.error) setComment('');
          answer(r.error, r.data?.updateAlertStatus);
        }}
      >
        <label>
          Status{' '}
          <select aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value as TriageStatus)}>
            {TABS.map((t) => (
              <option key={t.status} value={t.status}>{t.name}</option>
            ))}
          </select>
        </label>{' '}
        {status === 'RESOLVED' && a.source === 'SAAS_INCIDENT' && (
          <select aria-label="Close category" value={category} onChange={(e) => setCategory(e.target.value as CloseCategory)}>
            <option value="NO_REASON">no reason</option>
            <option value="BUSINESS_JUSTIFIED">business justified</option>
          </select>
        )}{' '}
        <input aria-label="Status comment" placeholder="why (optional)" value={comment} onChange={(e) => setComment(e.target.value)} />{' '}
        <button type="submit">Set status</button>
      </form>
      <p className="buttons">
        <button type="button" disabled={!me || a.triage.assignee === me} onClick={async () => { const r = await assign({ alertIds: [a.alertId], assignee: me }); answer(r.error, r.data?.assignAlerts); }}>
          Assign to me
        </button>
        <button type="button" disabled={!a.triage.assignee} onClick={async () => { const r = await assign({ alertIds: [a.alertId], assignee: null }); answer(r.error, r.data?.assignAlerts); }}>
          Unassign
        </button>
      </p>
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  );
}

function Comments({ a, canRespond, done }: { a: Detail; canRespond: boolean; done(): void }) {
  const [viewer] = useQuery({ query: WorkbenchViewerDocument });
  const myId = viewer.data?.gateway.viewer.id ?? null;
  const [, add] = useMutation(AddAlertCommentDocument);
  const [, edit] = useMutation(EditAlertCommentDocument);
  const [body, setBody] = useState('');
  const [editing, setEditing] = useState<{ id: string; body: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <article className="card">
      <h3>Comments</h3>
      <ul className="plain comments" aria-label="Comments">
        {a.triage.comments.edges.map(({ node: c }) => (
          <li key={c.id} data-comment={c.id}>
            <p className="muted">
              <strong>{who(c.author)}</strong> · {time(c.createdAt)}
              {c.editedAt && <> · edited {time(c.editedAt)}</>}
              {canRespond && c.author.id === myId && editing?.id !== c.id && (
                <> · <button type="button" className="link" onClick={() => setEditing({ id: c.id, body: c.body })}>edit</button></>
              )}
            </p>
            {editing?.id === c.id ? (
              <form
                onSubmit={async (e) => {
                  e.preventDefault();
                  const r = await edit({ commentId: c.id, body: editing.body });
                  setError(describeError(r.error));
                  if (!r.error) setEditing(null);
                  done();
                }}
              >
                <textarea aria-label="Edit comment" value={editing.body} onChange={(e) => setEditing({ id: c.id, body: e.target.value })} />
                <button type="submit">Save</button> <button type="button" onClick={() => setEditing(null)}>Cancel</button>
              </form>
            ) : (
              <p className="comment-body">{c.body}</p>
            )}
          </li>
        ))}
      </ul>
      {a.triage.comments.edges.length === 0 && <p className="muted">No comment yet.</p>}
      {canRespond && (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            const r = await add({ alertId: a.alertId, body });
            setError(describeError(r.error));
            if (!r.error) setBody('');
            done();
          }}
        >
          <textarea aria-label="Comment" required value={body} onChange={(e) => setBody(e.target.value)} placeholder="plain text" />
          <p className="buttons"><button type="submit">Add comment</button></p>
        </form>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </article>
  );
}

/** What the alert's source knows about it. */
function SourceCard({ a }: { a: Detail }) {
  if (a.__typename === 'Incident')
    return (
      <article className="card">
        <h3>SaaS Security incident {a.incidentId}</h3>
        <dl>
          <dt>asset</dt><dd>{a.assetName}</dd>
          <dt>policy</dt><dd>{a.policyName ?? '—'}</dd>
          <dt>exposure</dt><dd>{label(a.exposureLevel)}</dd>
          <dt>upstream state</dt><dd>{a.incidentState ?? '—'}</dd>
          <dt>owner</dt>
          <dd>
            {a.assetOwner ? (
              <>
                {a.assetOwner.userName} ({a.assetOwner.email ?? 'no email'}) {a.assetOwner.groups.map((g) => <span key={g.name} className="chip">{g.name}</span>)}
              </>
            ) : '—'}
          </dd>
        </dl>
        <p><a href={`#/incident/${incidentKey(a)}`}>Open the incident</a></p>
      </article>
    );
  if (a.__typename === 'StaAlert')
    return (
      <article className="card">
        <h3>STA {label(a.kind)} alert</h3>
        <dl>
          <dt>user</dt><dd>{a.userName ?? '—'}{a.user?.email && ` (${a.user.email})`}</dd>
          <dt>subject</dt><dd>{a.subject}</dd>
        </dl>
        {a.run && (
          <>
            <h4>Playbook {label(a.run.playbook)}: <Badge kind="step" value={a.run.state} /></h4>
            <ol className="steps" aria-label="Playbook steps">
              {a.run.steps.map((s) => (
                <li key={s.name} className={`step st-${s.status.toLowerCase()}`}>
                  <span className="step-name">{label(s.name)}</span> <Badge kind="step" value={s.status} />
                  {s.error && <div className="error">{s.error.code}: {s.error.message}</div>}
                </li>
              ))}
            </ol>
          </>
        )}
      </article>
    );
  if (a.__typename === 'SamlDetection')
    return (
      <article className="card">
        <h3>SAML detection</h3>
        <dl>
          <dt>actor</dt><dd>{a.actorName ?? a.actorArn ?? '—'}{a.actor?.email && ` (${a.actor.email})`}</dd>
          <dt>account</dt><dd>{a.accountId ?? '—'}</dd>
          <dt>SAML provider</dt><dd>{a.samlProviderName ?? a.samlProviderArn ?? '—'}</dd>
          <dt>events</dt><dd>{a.eventCount} ({time(a.firstEventAt)} – {time(a.lastEventAt)})</dd>
        </dl>
        <p><a href="#/saml">Open in SAML detections</a></p>
      </article>
    );
  return null;
}

/** Every delivery attempt to the destinations (Slack, PagerDuty, email, webhooks), newest first; re-send to one. */
function Deliveries({ a, canRespond, done }: { a: Detail; canRespond: boolean; done(): void }) {
  const [state, redeliver] = useMutation(RedeliverAlertDocument);
  const [error, setError] = useState<string | null>(null);
  const destinations = [...new Set(a.deliveries.map((d) => d.destination))].sort();
  return (
    <article className="card">
      <h3>Deliveries</h3>
      {a.deliveries.length === 0 ? (
        <p className="muted">Not sent to any destination.</p>
      ) : (
        <table className="small" aria-label="Deliveries">
          <thead>
            <tr><th>destination</th><th>event</th><th>attempt</th><th>status</th><th>at</th><th>response</th></tr>
          </thead>
          <tbody>
            {a.deliveries.map((d) => (
              <tr key={d.id} data-delivery={d.id}>
                <td>{d.destination}</td>
                <td>{label(d.event)}</td>
                <td>{d.attempt}</td>
                <td><Badge kind="step" value={d.status} /></td>
                <td>{time(d.at)}</td>
                <td className="clip" title={d.response ?? ''}>{d.responseStatus ?? ''} {d.response ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canRespond && destinations.length > 0 && (
        <p className="buttons">
          {destinations.map((name) => (
            <button key={name} type="button" disabled={state.fetching} onClick={async () => { const r = await redeliver({ alertId: a.alertId, destination: name }); setError(describeError(r.error)); done(); }}>
              Re-send to {name}
            </button>
          ))}
        </p>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </article>
  );
}
