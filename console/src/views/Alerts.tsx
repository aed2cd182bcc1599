// STA alerts (push rejections and lockouts) with their playbook runs as step timelines, live from
// Subscription.staAlertEvents; retry and cancel for keys with the respond scope.
import { useState } from 'react';
import { useMutation, type CombinedError } from 'urql';
import { describeError } from '../api.js';
import { Badge } from '../components/Badge.js';
import { ago, label, time } from '../format.js';
import {
  CancelStaPlaybookRunDocument,
  RetryStaPlaybookRunDocument,
  StaAlertListDocument,
  StaAlertStreamDocument,
  type ConsoleStaAlertFragment,
} from '../gql/graphql.js';
import { useLiveList } from '../live-list.js';
import { useTick } from '../queue.js';

const ACTIVE = new Set(['RUNNING', 'RETRYING', 'WAITING', 'FAILED', 'CANCELLED']);

export function Alerts({ canRespond }: { canRespond: boolean }) {
  const { list, status, error, put, more, loadingMore } = useLiveList(
    StaAlertListDocument,
    (q) => q.staAlerts.edges.map((e) => e.node),
    StaAlertStreamDocument,
    (s) => s.staAlertEvents.alert,
    (a) => a.run?.updatedAt ?? a.closedAt ?? a.recordedAt,
    (q) => q.staAlerts.pageInfo,
  );
  const now = useTick(5000);
  const alerts = list.sort((a, b) => b.recordedAt.localeCompare(a.recordedAt));
  return (
    <section aria-label="STA alerts">
      <p className="queue-meta">
        <span data-testid="alert-count">{alerts.length}</span> alerts{more && ' (older ones not loaded)'} · stream <span className={`stream stream-${status}`}>{status}</span>
        {error && <span className="error" role="alert"> · {error}</span>}
      </p>
      {alerts.length === 0 && status !== 'loading' && <p className="empty">No STA alert has been received.</p>}
      <div className="cards">
        {alerts.map((a) => (
          <AlertCard key={a.id} a={a} now={now} canRespond={canRespond} put={put} />
        ))}
      </div>
      {more && (
        <p className="buttons">
          <button type="button" disabled={loadingMore} onClick={() => void more()}>
            Load older alerts
          </button>
        </p>
      )}
    </section>
  );
}

function AlertCard({ a, now, canRespond, put }: { a: ConsoleStaAlertFragment; now: number; canRespond: boolean; put(a: ConsoleStaAlertFragment): void }) {
  const [retry, retryRun] = useMutation(RetryStaPlaybookRunDocument);
  const [cancel, cancelRun] = useMutation(CancelStaPlaybookRunDocument);
  const [error, setError] = useState<string | null>(null);
  const run = a.run;
  const answered = (e: CombinedError | undefined, alert: ConsoleStaAlertFragment | undefined) => {
    setError(describeError(e));
    if (alert) put(alert);
  };
  const cancelWith = async (removeUserFromGroup: boolean) => {
    const r = await cancelRun({ id: a.id, removeUserFromGroup });
    answered(r.error, r.data?.cancelStaPlaybookRun);
  };
  // A push-rejection run that put the user in the unusual-activity group and has not taken them out yet.
  const parked = run?.steps.some((s) => s.name === 'ADD_TO_GROUP' && s.status === 'SUCCEEDED') && !run.steps.some((s) => s.name === 'REMOVE_FROM_GROUP' && s.status === 'SUCCEEDED');
  return (
    <article className="card alert" data-alert={a.id} aria-label={`${label(a.kind)} alert for ${a.userName ?? 'unknown user'}`}>
      <h3>
        <Badge kind="state" value={a.kind} /> {a.userName ?? 'no user'} <Badge kind="state" value={a.state} />
      </h3>
      <p className="muted">
        {a.subject} · received {time(a.receivedAt ?? a.recordedAt)} ({ago(a.receivedAt ?? a.recordedAt, now)})
        {a.user?.email && <> · {a.user.email}</>}
        {a.tenantName && <> · tenant {a.tenantName}</>}
        {a.unlockAt && <> · unlocks {time(a.unlockAt)}</>}
      </p>
      {a.problem && <p className="error">{a.problem}</p>}
      {run && (
        <>
          <p>
            Playbook <strong>{label(run.playbook)}</strong>: <span data-testid="run-state"><Badge kind="step" value={run.state} /></span>
            {run.groupName && <> · group {run.groupName}{run.hours != null && ` for ${run.hours} h`}</>}
            {run.dueAt && <> · next action {ago(run.dueAt, now)}</>}
            {run.supersededBy && <> · superseded by alert {run.supersededBy}</>}
          </p>
          <ol className="steps" aria-label="Playbook steps">
            {run.steps.map((s) => (
              <li key={s.name} className={`step st-${s.status.toLowerCase()}`} data-step={s.name}>
                <span className="step-name">{label(s.name)}</span> <Badge kind="step" value={s.status} />
                {s.attempts > 1 && <span> · {s.attempts} attempts</span>}
                {s.finishedAt && <span className="muted"> · {time(s.finishedAt)}</span>}
                {s.nextAttemptAt && <span> · {s.status === 'WAITING' ? 'until' : 'next attempt'} {time(s.nextAttemptAt)} ({ago(s.nextAttemptAt, now)})</span>}
                {s.error && (
                  <div className="error">
                    {s.error.code}: {s.error.message}
                    {s.error.detail && <> ({s.error.detail})</>}
                  </div>
                )}
              </li>
            ))}
          </ol>
          {canRespond && ACTIVE.has(run.state) && (
            <p className="buttons">
              {(run.state === 'RETRYING' || run.state === 'FAILED' || run.state === 'CANCELLED') && (
                <button
                  type="button"
                  disabled={retry.fetching}
                  onClick={async () => {
                    const r = await retryRun({ id: a.id });
                    answered(r.error, r.data?.retryStaPlaybookRun);
                  }}
                >
                  Retry run
                </button>
              )}{' '}
              {run.state !== 'CANCELLED' && (
                <button type="button" disabled={cancel.fetching} onClick={() => void cancelWith(false)}>
                  Cancel run
                </button>
              )}{' '}
              {run.state !== 'CANCELLED' && parked && (
                <button type="button" disabled={cancel.fetching} onClick={() => void cancelWith(true)}>
                  Cancel and remove from {run.groupName ?? 'the group'}
                </button>
              )}
            </p>
          )}
          {error && <p className="error" role="alert">{error}</p>}
        </>
      )}
    </article>
  );
}
