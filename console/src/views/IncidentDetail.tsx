// One incident: the asset, policy and exposure from SaaS Security next to its owner as STA knows them (groups,
// sessions, recent access logs), the incident's event history as the queue received it, and, for keys with
// the respond scope, closing and remediation with a live status.
import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { describeError, liveStream } from '../api.js';
import { Badge } from '../components/Badge.js';
import { ago, label, time } from '../format.js';
import {
  CloseIncidentDocument,
  IncidentDetailDocument,
  RemediateAssetDocument,
  RemediationWatchDocument,
  type CloseCategory,
  type RemediationType,
} from '../gql/graphql.js';
import { DEFAULT_INSTANCE, incidentKey, useIncidentQueue } from '../queue.js';
import { effectiveState } from './Queue.js';

const CATEGORIES: CloseCategory[] = ['MISIDENTIFIED', 'BUSINESS_JUSTIFIED', 'NO_REASON'];
const REMEDIATIONS: RemediationType[] = ['QUARANTINE', 'REMOVE_PUBLIC_SHARING', 'RESTORE'];

function Field({ name, children }: { name: string; children: React.ReactNode }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{children ?? '—'}</dd>
    </>
  );
}

export function IncidentDetail({ id, instance, canRespond, back }: { id: number; instance: string; canRespond: boolean; back(): void }) {
  const queue = useIncidentQueue();
  const [{ data, error, fetching }, refetch] = useQuery({ query: IncidentDetailDocument, variables: { id: String(id), instance } });
  // Incident ids are unique per SaaS Security tenant only: the queue keys them by tenant too.
  const key = incidentKey({ instance, incidentId: id });
  const live = queue.incidents.get(key);
  const i = data?.incident;
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), [id]);
  // Escape goes back from anywhere on the page (focus may be on a control that became disabled).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !(e.target instanceof HTMLSelectElement)) back();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [back]);
  // The queue's copy is the live one: refresh the detail when an event changes the incident.
  const lastEvent = queue.history.get(key)?.at(-1)?.id;
  useEffect(() => {
    if (lastEvent !== undefined && data) refetch({ requestPolicy: 'network-only' });
  }, [lastEvent]);

  const state = live ? effectiveState(live) : i ? effectiveState(i) : null;
  return (
    <section className="detail" aria-labelledby="incident-title">
      <p>
        <button type="button" className="link" onClick={back}>← back to the queue</button> <kbd>Esc</kbd>
      </p>
      <h2 id="incident-title" tabIndex={-1} ref={headingRef}>
        Incident {id}{instance !== DEFAULT_INSTANCE && ` (${instance})`} {i && <Badge kind="sev" value={i.severity} />} <span data-testid="detail-state"><Badge kind="state" value={state} /></span>
      </h2>
      {fetching && !i && <p>Loading…</p>}
      {error && <p className="error" role="alert">{describeError(error)}</p>}
      {data && !i && <p className="error">The upstream has no incident {id}.</p>}
      {i && (
        <div className="detail-grid">
          <article className="card">
            <h3>Asset</h3>
            <dl>
              <Field name="name">{i.assetName}</Field>
              <Field name="asset id">{i.assetId}</Field>
              <Field name="app">{i.app ? `${i.app.appName} (${i.app.appType})` : i.appName}</Field>
              <Field name="exposure">{i.exposureLevel} {i.exposureType != null && `(type ${i.exposureType})`}</Field>
              <Field name="links">
                {i.assetPageUri && <a href={i.assetPageUri} rel="noreferrer noopener" target="_blank">asset page</a>}{' '}
                {i.assetCloudUri && <a href={i.assetCloudUri} rel="noreferrer noopener" target="_blank">in the cloud</a>}
              </Field>
              <Field name="data patterns">{JSON.stringify(i.dataPatterns)}</Field>
              <Field name="collaborators">{JSON.stringify(i.collaborators)}</Field>
            </dl>
          </article>
          <article className="card">
            <h3>Policy and state</h3>
            <dl>
              <Field name="policy">{i.policyName} {i.policyVersion != null && `v${i.policyVersion}`}</Field>
              <Field name="status">{i.status}</Field>
              <Field name="category">{i.category}</Field>
              <Field name="upstream state">{i.state}</Field>
              <Field name="gateway state">{i.gatewayState}</Field>
              <Field name="close reason">{i.closeReason}</Field>
              <Field name="mirror">{i.mirrorDirection} {i.mirrorError && <span className="error">{i.mirrorError}</span>}</Field>
              <Field name="created / updated">{time(i.createdAt)} / {time(i.updatedAt)}</Field>
              <Field name="resolved">{i.resolvedBy ? `${i.resolvedBy}, ${time(i.resolutionDate)}` : null}</Field>
            </dl>
          </article>
          {canRespond && <Actions id={id} instance={instance} assetId={i.assetId} closed={state === 'CLOSED'} />}
          <article className="card owner">
            <h3>Owner in SafeNet Trusted Access</h3>
            {!i.assetOwner ? (
              <p>{i.assetOwnerEmail ? `STA has no user with the email ${i.assetOwnerEmail}.` : 'The incident names no owner.'}</p>
            ) : (
              <>
                <dl>
                  <Field name="user">{i.assetOwner.userName} ({[i.assetOwner.firstName, i.assetOwner.lastName].filter(Boolean).join(' ')})</Field>
                  <Field name="email">{i.assetOwner.email}</Field>
                  <Field name="state">{i.assetOwner.state}</Field>
                  <Field name="groups">
                    {i.assetOwner.groups.length ? i.assetOwner.groups.map((g) => <span key={g.id} className="chip">{g.name}</span>) : 'none'}
                  </Field>
                </dl>
                <h4>Sessions ({i.assetOwner.sessions.length})</h4>
                <ul className="plain">
                  {i.assetOwner.sessions.map((s) => (
                    <li key={s.id}>
                      {time(s.start)} → {time(s.expiry)}: {s.applicationNames.join(', ') || 'no application'}
                    </li>
                  ))}
                </ul>
                <h4>Recent access logs</h4>
                <table className="small">
                  <thead>
                    <tr><th>time</th><th>action</th><th>result</th><th>application</th><th>ip</th></tr>
                  </thead>
                  <tbody>
                    {i.assetOwner.accessLogs.slice(-15).reverse().map((l, n) => (
                      <tr key={l.id ?? n}>
                        <td>{time(l.timeStamp)}</td><td>{l.actionText}</td><td>{l.resultText}</td><td>{l.applicationName}</td><td>{l.ip}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {i.assetOwner.accessLogs.length === 0 && <p>No access logs in the last 7 days.</p>}
              </>
            )}
          </article>
          <article className="card">
            <h3>Event history</h3>
            <ol className="timeline">
              {(queue.history.get(key) ?? []).slice().reverse().map((e) => (
                <li key={e.id}>
                  <strong>{e.kind}</strong> #{e.id} {time(e.at)} {e.changedFields.length > 0 && <span>({e.changedFields.join(', ')})</span>}
                </li>
              ))}
            </ol>
            {!queue.history.get(key)?.length && <p>No events for this incident in the gateway's event log.</p>}
          </article>
        </div>
      )}
    </section>
  );
}

function Actions({ id, instance, assetId, closed }: { id: number; instance: string; assetId: string | null; closed: boolean }) {
  const queue = useIncidentQueue();
  const [category, setCategory] = useState<CloseCategory>('MISIDENTIFIED');
  const [close, closeIncident] = useMutation(CloseIncidentDocument);
  const [closeError, setCloseError] = useState<string | null>(null);
  return (
    <article className="card actions" aria-label="Actions">
      <h3>Respond</h3>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await closeIncident({ id: String(id), category, instance });
          setCloseError(describeError(r.error));
          if (r.data) queue.put(r.data.closeIncident);
        }}
      >
        <label>
          Close as
          <select value={category} onChange={(e) => setCategory(e.target.value as CloseCategory)} disabled={closed}>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>{label(c)}</option>
            ))}
          </select>
        </label>{' '}
        <button type="submit" disabled={closed || close.fetching}>{closed ? 'Closed' : close.fetching ? 'Closing…' : 'Close incident'}</button>
        {closeError && <p className="error" role="alert">{closeError}</p>}
      </form>
      {assetId && <Remediate assetId={assetId} instance={instance} />}
    </article>
  );
}

/** Statuses after which the upstream will not change the remediation again (as the gateway decides). */
const WORKING = new Set(['pending', 'in progress', 'queued', 'running']);

function Remediate({ assetId, instance }: { assetId: string; instance: string }) {
  const [type, setType] = useState<RemediationType>('QUARANTINE');
  const [started, remediate] = useMutation(RemediateAssetDocument);
  const [status, setStatus] = useState<{ type: RemediationType; status: string; at: string | null; by?: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [watching, setWatching] = useState<RemediationType | null>(null);
  // remediateAsset answers "pending"; Subscription.remediationUpdates then pushes each change and completes
  // once the status is terminal (the gateway polls the upstream, one poll for every watcher).
  useEffect(() => {
    if (!watching) return;
    return liveStream(RemediationWatchDocument, () => ({ assetId, type: watching, instance }), {
      data: (d) => {
        const r = d.remediationUpdates;
        setStatus({ type: watching, status: r.status, at: r.actionDate, by: r.actionTaker });
        if (!WORKING.has(r.status.toLowerCase())) setWatching(null);
      },
      error: (errors) => {
        const code = errors[0]?.extensions?.['code'];
        setError(`${errors[0]?.message ?? 'remediation watch failed'}${code ? ` (${String(code)})` : ''}`);
        setWatching(null);
        return false;
      },
      complete: () => setWatching(null),
    });
  }, [watching, assetId, instance]);
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        const r = await remediate({ assetId, type, instance });
        if (r.error) return setError(describeError(r.error));
        if (r.data) setStatus({ type, status: r.data.remediateAsset.status, at: r.data.remediateAsset.actionDate });
        setWatching(type);
      }}
    >
      <label>
        Remediate
        <select value={type} onChange={(e) => setType(e.target.value as RemediationType)}>
          {REMEDIATIONS.map((r) => (
            <option key={r} value={r}>{label(r)}</option>
          ))}
        </select>
      </label>{' '}
      <button type="submit" disabled={started.fetching || watching !== null}>Remediate asset</button>
      {status && (
        <p aria-live="polite" data-testid="remediation-status">
          {label(status.type)}: <strong>{status.status}</strong> {status.at && `(${ago(status.at)})`}
          {status.by && ` by ${status.by}`} {watching && '· watching live'}
        </p>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
