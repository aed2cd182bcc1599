// The incident queue: live, filtered, counted by severity, charted over time; rows are virtualised so
// thousands of incidents scroll smoothly. Arrow keys move between rows, Enter opens one.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Badge } from '../components/Badge.js';
import { TimeChart } from '../components/TimeChart.js';
import { SEVERITIES, time } from '../format.js';
import type { AlertSeverity as Severity } from '../gql/graphql.js';
import { incidentKey, useIncidentQueue, type QueueIncident } from '../queue.js';

const ROW = 34;

export const effectiveState = (i: QueueIncident) => i.gatewayState ?? i.state ?? null;

interface Filters {
  state: 'ALL' | 'OPEN' | 'CLOSED';
  severity: Severity | 'ALL';
  app: string;
  text: string;
}

function matches(i: QueueIncident, f: Filters, ignoreSeverity = false): boolean {
  if (f.state !== 'ALL' && effectiveState(i) !== f.state) return false;
  if (!ignoreSeverity && f.severity !== 'ALL' && i.severity !== f.severity) return false;
  if (f.app && i.appName !== f.app) return false;
  if (f.text) {
    const t = f.text.toLowerCase();
    const hay = `${incidentKey(i)} ${i.assetName ?? ''} ${i.assetOwnerEmail ?? ''} ${i.policyName ?? ''} ${i.status ?? ''}`.toLowerCase();
    if (!hay.includes(t)) return false;
  }
  return true;
}

export function Queue({ open }: { open(key: string): void }) {
  const queue = useIncidentQueue();
  const [f, setF] = useState<Filters>({ state: 'OPEN', severity: 'ALL', app: '', text: '' });
  const all = [...queue.incidents.values()];
  const version = queue.getVersion();
  const apps = useMemo(() => [...new Set(all.map((i) => i.appName).filter((a): a is string => !!a))].sort(), [version]);
  const withoutSeverity = useMemo(() => all.filter((i) => matches(i, f, true)), [version, f]);
  const rows = useMemo(
    () => withoutSeverity.filter((i) => f.severity === 'ALL' || i.severity === f.severity).sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? '') || b.incidentId - a.incidentId),
    [withoutSeverity, f.severity],
  );
  const counts = useMemo(() => {
    const c = new Map<string, number>();
    for (const i of withoutSeverity) c.set(i.severity ?? 'INFO', (c.get(i.severity ?? 'INFO') ?? 0) + 1);
    return c;
  }, [withoutSeverity]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 12 });
  const [active, setActive] = useState(0);
  const focusWanted = useRef(false);
  useEffect(() => {
    if (!focusWanted.current) return;
    // The row may render only after the virtualiser has scrolled to it: keep trying on the next renders.
    const el = scroller.current?.querySelector<HTMLElement>(`[data-index="${active}"]`);
    if (!el) return;
    focusWanted.current = false;
    el.focus();
  });
  const move = (to: number) => {
    const i = Math.max(0, Math.min(rows.length - 1, to));
    setActive(i);
    focusWanted.current = true;
    virtual.scrollToIndex(i);
  };

  return (
    <section className="queue" aria-label="Incident queue">
      <div className="queue-top">
        <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
          <label>
            State
            <select value={f.state} onChange={(e) => setF({ ...f, state: e.target.value as Filters['state'] })}>
              <option value="ALL">all</option>
              <option value="OPEN">open</option>
              <option value="CLOSED">closed</option>
            </select>
          </label>
          <label>
            Severity
            <select value={f.severity} onChange={(e) => setF({ ...f, severity: e.target.value as Filters['severity'] })}>
              <option value="ALL">all</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>{s.toLowerCase()}</option>
              ))}
            </select>
          </label>
          <label>
            App
            <select value={f.app} onChange={(e) => setF({ ...f, app: e.target.value })}>
              <option value="">all</option>
              {apps.map((a) => (
                <option key={a} value={a}>{a}</option>
              ))}
            </select>
          </label>
          <label className="grow">
            Search
            <input type="search" placeholder="asset, owner, policy, id" value={f.text} onChange={(e) => setF({ ...f, text: e.target.value })} />
          </label>
        </form>
        <div className="counts" role="group" aria-label="Counts by severity (click to filter)">
          {SEVERITIES.map((s) => (
            <button
              key={s}
              type="button"
              className={`count sev-${s.toLowerCase()}${f.severity === s ? ' on' : ''}`}
              aria-pressed={f.severity === s}
              onClick={() => setF({ ...f, severity: f.severity === s ? 'ALL' : s })}
            >
              <strong data-testid={`count-${s}`}>{counts.get(s) ?? 0}</strong> {s.toLowerCase()}
            </button>
          ))}
        </div>
        <TimeChart incidents={withoutSeverity} />
      </div>
      <p className="queue-meta" aria-live="polite">
        <span data-testid="queue-count">{rows.length}</span> of {queue.incidents.size} incidents · stream{' '}
        <span className={`stream stream-${queue.status}`} data-testid="stream-status">{queue.status}</span>
        {queue.lastId !== null && <> · last event #{queue.lastId}</>}
        {queue.error && <span className="error"> · {queue.error}</span>}
      </p>
      <div className="table" role="table" aria-label="Incidents" aria-rowcount={rows.length}>
        <div className="tr th" role="row">
          <span role="columnheader">id</span>
          <span role="columnheader">severity</span>
          <span role="columnheader">state</span>
          <span role="columnheader">asset</span>
          <span role="columnheader">app</span>
          <span role="columnheader">policy</span>
          <span role="columnheader">owner</span>
          <span role="columnheader">updated</span>
        </div>
        <div className="tbody" ref={scroller} role="rowgroup">
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {virtual.getVirtualItems().map((v) => {
              const i = rows[v.index]!;
              return (
                <div
                  key={incidentKey(i)}
                  data-index={v.index}
                  data-incident={incidentKey(i)}
                  className="tr"
                  role="row"
                  tabIndex={v.index === active ? 0 : -1}
                  style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${v.start}px)` }}
                  onClick={() => open(incidentKey(i))}
                  onFocus={() => setActive(v.index)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') open(incidentKey(i));
                    else if (e.key === 'ArrowDown') move(v.index + 1);
                    else if (e.key === 'ArrowUp') move(v.index - 1);
                    else if (e.key === 'PageDown') move(v.index + 15);
                    else if (e.key === 'PageUp') move(v.index - 15);
                    else if (e.key === 'Home') move(0);
                    else if (e.key === 'End') move(rows.length - 1);
                    else return;
                    e.preventDefault();
                  }}
                >
                  <span role="cell">{incidentKey(i)}</span>
                  <span role="cell"><Badge kind="sev" value={i.severity} /></span>
                  <span role="cell" data-testid="state"><Badge kind="state" value={effectiveState(i)} /></span>
                  <span role="cell" className="clip" title={i.assetName ?? ''}>{i.assetName}</span>
                  <span role="cell" className="clip">{i.appName}</span>
                  <span role="cell" className="clip" title={i.policyName ?? ''}>{i.policyName}</span>
                  <span role="cell" className="clip">{i.assetOwnerEmail}</span>
                  <span role="cell">{time(i.updatedAt)}</span>
                </div>
              );
            })}
          </div>
          {rows.length === 0 && <p className="empty">{queue.status === 'loading' ? 'Loading the incident event log…' : 'No incident matches these filters.'}</p>}
        </div>
      </div>
    </section>
  );
}
