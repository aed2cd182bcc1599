// The alert workbench: one queue across the three sources with status tabs (Panther's Open, Triaged, Resolved
// and Invalid = CLOSED), "assigned to me", source and text filters, multi-select with bulk status and assign,
// and a small dashboard from alertStats. Live: another analyst's change shows without a reload.
import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { describeError } from '../api.js';
import { Badge } from '../components/Badge.js';
import { ago, label } from '../format.js';
import {
  AlertDashboardDocument,
  AssignAlertsDocument,
  UpdateAlertStatusDocument,
  WorkbenchViewerDocument,
  type AlertFilter,
  type AlertSource,
  type TriageStatus,
  type WorkAlertFragment,
} from '../gql/graphql.js';
import { useTick } from '../queue.js';
import { useAlertQueue } from '../workbench/alert-list.js';

export const TABS: Array<{ status: TriageStatus; name: string }> = [
  { status: 'OPEN', name: 'Open' },
  { status: 'TRIAGED', name: 'Triaged' },
  { status: 'RESOLVED', name: 'Resolved' },
  { status: 'CLOSED', name: 'Invalid' },
];
export const statusName = (s: TriageStatus) => TABS.find((t) => t.status === s)?.name ?? s;
const SOURCES: Array<{ source: AlertSource; name: string }> = [
  { source: 'SAAS_INCIDENT', name: 'SaaS Security incidents' },
  { source: 'STA_ALERT', name: 'STA alerts' },
  { source: 'SAML_DETECTION', name: 'SAML detections' },
];
export const sourceName = (s: AlertSource) => SOURCES.find((x) => x.source === s)?.name ?? s;

/** Who "me" is for assignment: the signed-in analyst's email, else the token's subject or the key's label. */
export function useMe(): string | null {
  const [r] = useQuery({ query: WorkbenchViewerDocument });
  const v = r.data?.gateway.viewer;
  return v ? (v.email ?? v.id ?? null) : null;
}

export function Workbench({ canRespond, open }: { canRespond: boolean; open(alertId: string): void }) {
  const me = useMe();
  const [tab, setTab] = useState<TriageStatus>('OPEN');
  const [mine, setMine] = useState(false);
  const [source, setSource] = useState<AlertSource | ''>('');
  const [text, setText] = useState('');
  const filter = useMemo<AlertFilter>(
    () => ({ statuses: [tab], ...(mine && me ? { assignee: me } : {}), ...(source ? { sources: [source] } : {}), ...(text.trim() ? { text: text.trim() } : {}) }),
    [tab, mine, me, source, text],
  );
  const { alerts, status, error, hasMore, more, put } = useAlertQueue(filter);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  useEffect(() => setSelected(new Set()), [JSON.stringify(filter)]);
  const shown = new Set(alerts.map((a) => a.alertId));
  const chosen = [...selected].filter((id) => shown.has(id));
  const now = useTick(10_000);
  return (
    <section aria-label="Alert queue" className="workbench">
      <Dashboard />
      <div className="tabs" role="tablist" aria-label="Status">
        {TABS.map((t) => (
          <button key={t.status} type="button" role="tab" aria-selected={tab === t.status} className={tab === t.status ? 'on' : ''} onClick={() => setTab(t.status)}>
            {t.name}
          </button>
        ))}
      </div>
      <div className="filters">
        <label>
          <span>Source</span>
          <select aria-label="Source" value={source} onChange={(e) => setSource(e.target.value as AlertSource | '')}>
            <option value="">all sources</option>
            {SOURCES.map((s) => (
              <option key={s.source} value={s.source}>{s.name}</option>
            ))}
          </select>
        </label>
        <label className="grow">
          <span>Search</span>
          <input aria-label="Search alerts" value={text} onChange={(e) => setText(e.target.value)} placeholder="words in the title or id" />
        </label>
        <label className="check">
          <input type="checkbox" checked={mine} disabled={!me} onChange={(e) => setMine(e.target.checked)} /> Assigned to me
        </label>
      </div>
      {canRespond && <BulkBar ids={chosen} me={me} put={put} clear={() => setSelected(new Set())} />}
      <p className="queue-meta">
        <span data-testid="alert-queue-count">{alerts.length}</span> alerts{hasMore && ' (more to load)'} · stream{' '}
        <span className={`stream stream-${status}`} data-testid="alert-stream-status">{status}</span>
        {error && <span className="error" role="alert"> · {error}</span>}
      </p>
      <table className="small alerts-table">
        <thead>
          <tr>
            {canRespond && (
              <th>
                <input
                  type="checkbox"
                  aria-label="Select all"
                  checked={alerts.length > 0 && chosen.length === alerts.length}
                  onChange={(e) => setSelected(e.target.checked ? new Set(alerts.map((a) => a.alertId)) : new Set())}
                />
              </th>
            )}
            <th>Severity</th>
            <th>Alert</th>
            <th>Source</th>
            <th>Status</th>
            <th>Assignee</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => (
            <AlertRow key={a.alertId} a={a} now={now} canRespond={canRespond} checked={selected.has(a.alertId)} open={open}
              toggle={(on) => setSelected((s) => { const n = new Set(s); if (on) n.add(a.alertId); else n.delete(a.alertId); return n; })} />
          ))}
        </tbody>
      </table>
      {alerts.length === 0 && status !== 'loading' && <p className="empty">No {statusName(tab).toLowerCase()} alert{mine ? ' assigned to you' : ''}.</p>}
      {hasMore && (
        <p className="buttons">
          <button type="button" onClick={() => void more()}>Load older alerts</button>
        </p>
      )}
    </section>
  );
}

function AlertRow({ a, now, canRespond, checked, toggle, open }: { a: WorkAlertFragment; now: number; canRespond: boolean; checked: boolean; toggle(on: boolean): void; open(id: string): void }) {
  return (
    <tr data-alert={a.alertId}>
      {canRespond && (
        <td>
          <input type="checkbox" aria-label={`Select ${a.title}`} checked={checked} onChange={(e) => toggle(e.target.checked)} />
        </td>
      )}
      <td><Badge kind="sev" value={a.severity} /></td>
      <td className="clip">
        <a href={`#/alert/${encodeURIComponent(a.alertId)}`} onClick={(e) => { e.preventDefault(); open(a.alertId); }}>{a.title}</a>
        {a.triage.sourceState && <span className="muted"> · {a.triage.sourceState}</span>}
      </td>
      <td>{sourceName(a.source)}</td>
      <td data-testid="alert-status">{statusName(a.triage.status)}</td>
      <td data-testid="alert-assignee">{a.triage.assignee ?? <span className="muted">unassigned</span>}</td>
      <td title={a.createdAt}>{ago(a.createdAt, now)}</td>
    </tr>
  );
}

/** Bulk status and assignment for the selected alerts; each id answers on its own (one failure fails no other). */
function BulkBar({ ids, me, put, clear }: { ids: string[]; me: string | null; put(a: WorkAlertFragment): void; clear(): void }) {
  const [statusState, updateStatus] = useMutation(UpdateAlertStatusDocument);
  const [assignState, assign] = useMutation(AssignAlertsDocument);
  const [message, setMessage] = useState<string | null>(null);
  const [assignee, setAssignee] = useState('');
  const busy = statusState.fetching || assignState.fetching;
  type Result = { alertId: string; error?: { code: string; message: string } | null; alert?: WorkAlertFragment | null };
  const answered = (error: Parameters<typeof describeError>[0], results: readonly Result[] | undefined) => {
    for (const r of results ?? []) if (r.alert) put(r.alert);
    const failed = (results ?? []).filter((r) => r.error);
    setMessage(describeError(error) ?? (failed.length ? failed.map((r) => `${r.alertId}: ${r.error!.message} (${r.error!.code})`).join('; ') : null));
    if (!error && !failed.length) clear();
  };
  const setStatus = async (status: TriageStatus) => {
    // Resolving a SaaS Security incident closes it upstream and needs a category (the bulk bar says "no reason";
    // the alert page offers the choice); the other sources take none, so a mixed selection is sent in two calls.
    const saas = status === 'RESOLVED' ? ids.filter((id) => id.startsWith('saas:')) : [];
    const rest = ids.filter((id) => !saas.includes(id));
    const calls = [
      ...(saas.length ? [updateStatus({ alertIds: saas, status, closeCategory: 'NO_REASON' })] : []),
      ...(rest.length ? [updateStatus({ alertIds: rest, status })] : []),
    ];
    const rs = await Promise.all(calls);
    answered(rs.find((r) => r.error)?.error, rs.flatMap((r) => r.data?.updateAlertStatus ?? []));
  };
  const assignTo = async (who: string | null) => {
    const r = await assign({ alertIds: ids, assignee: who });
    answered(r.error, r.data?.assignAlerts);
  };
  return (
    <div className="bulk" aria-label="Bulk actions">
      <span>{ids.length} selected</span>
      {TABS.map((t) => (
        <button key={t.status} type="button" disabled={busy || ids.length === 0} onClick={() => void setStatus(t.status)}>
          Mark {t.name.toLowerCase()}
        </button>
      ))}
      <button type="button" disabled={busy || ids.length === 0 || !me} onClick={() => void assignTo(me)}>Assign to me</button>
      <button type="button" disabled={busy || ids.length === 0} onClick={() => void assignTo(null)}>Unassign</button>
      <form onSubmit={(e) => { e.preventDefault(); if (assignee.trim()) void assignTo(assignee.trim()); }}>
        <input aria-label="Assign to" placeholder="analyst email" value={assignee} onChange={(e) => setAssignee(e.target.value)} />{' '}
        <button type="submit" disabled={busy || ids.length === 0 || !assignee.trim()}>Assign</button>
      </form>
      {message && <span className="error" role="alert">{message}</span>}
    </div>
  );
}

const duration = (s: number | null | undefined) => (s == null ? '—' : s < 3600 ? `${Math.round(s / 60)} min` : s < 86400 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86400).toFixed(1)} d`);

/** The last 7 days' numbers a SOC lead reports: counts by status and source, time to triage and to resolve. */
function Dashboard() {
  const [from] = useState(() => new Date(Date.now() - 7 * 86400_000).toISOString());
  const [r, refresh] = useQuery({ query: AlertDashboardDocument, variables: { from } });
  useEffect(() => {
    const t = setInterval(() => refresh({ requestPolicy: 'network-only' }), 30_000);
    return () => clearInterval(t);
  }, []);
  const s = r.data?.alertStats;
  if (!s) return null;
  const count = (list: Array<{ key: string; count: number }>, key: string) => list.find((x) => x.key === key)?.count ?? 0;
  return (
    <dl className="dashboard" aria-label="Last 7 days">
      <div><dt>alerts, 7 days</dt><dd data-testid="stat-total">{s.total}</dd></div>
      {TABS.map((t) => (
        <div key={t.status}><dt>{t.name.toLowerCase()}</dt><dd>{count(s.byStatus, t.status)}</dd></div>
      ))}
      {SOURCES.map((x) => (
        <div key={x.source}><dt>{label(x.source)}</dt><dd>{count(s.bySource, x.source)}</dd></div>
      ))}
      <div><dt>time to triage (median / p90)</dt><dd>{duration(s.timeToTriage.medianSeconds)} / {duration(s.timeToTriage.p90Seconds)}</dd></div>
      <div><dt>time to resolve (median / p90)</dt><dd>{duration(s.timeToResolve.medianSeconds)} / {duration(s.timeToResolve.p90Seconds)}</dd></div>
    </dl>
  );
}
