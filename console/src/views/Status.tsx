// Gateway status: each upstream's readiness (/ready), the process health (/health), which upstreams are the
// sandbox, and each SaaS Security tenant's incident fetcher: last run, last successful fetch, lag and next run.
import { useEffect, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { describeError } from '../api.js';
import { ago, time } from '../format.js';
import { GatewayStatusDocument } from '../gql/graphql.js';
import { useTick } from '../queue.js';

interface Ready {
  ready: boolean;
  connectors: Record<string, boolean | null>;
  sandboxes: string[];
}

const NAMES: Record<string, string> = { saasSecurity: 'SaaS Security', sta: 'SafeNet Trusted Access' };
const REFRESH_MS = 5000;

export function Status() {
  const now = useTick(1000);
  const [{ data, error }, refetch] = useQuery({ query: GatewayStatusDocument });
  const [ready, setReady] = useState<{ status: number; body: Ready } | null>(null);
  const [health, setHealth] = useState<number | null>(null);
  const lastSuccess = useRef(new Map<string, string>());
  useEffect(() => {
    const poll = async () => {
      refetch({ requestPolicy: 'network-only' });
      try {
        const r = await fetch('/ready');
        setReady({ status: r.status, body: (await r.json()) as Ready });
      } catch {
        setReady(null);
      }
      setHealth(await fetch('/health').then((r) => r.status, () => 0));
    };
    void poll();
    const t = setInterval(() => void poll(), REFRESH_MS);
    return () => clearInterval(t);
  }, []);
  // One fetcher per SaaS Security tenant (SECGRAPH_CONFIG saasSecurity.instances); its last success is remembered here.
  const tenants = data?.gateway.saasSecurityInstances ?? [];
  for (const t of tenants) {
    const f = t.fetch;
    const last = lastSuccess.current.get(t.name);
    if (f.lastRunAt && !f.lastError && (!last || f.lastRunAt > last)) lastSuccess.current.set(t.name, f.lastRunAt);
  }
  const sandboxes = data?.gateway.sandboxes ?? [];
  return (
    <section aria-label="Gateway status" className="status">
      {error && <p className="error" role="alert">{describeError(error)}</p>}
      <div className="cards">
        <article className="card">
          <h3>Gateway</h3>
          <dl>
            <dt>version</dt><dd>{data?.gateway.version ?? '—'}</dd>
            <dt>health</dt><dd>{health === null ? '…' : health === 200 ? <span className="ok">up</span> : <span className="error">unreachable ({health})</span>}</dd>
            <dt>ready</dt><dd data-testid="ready">{ready ? ready.body.ready ? <span className="ok">ready</span> : <span className="error">not ready (HTTP {ready.status})</span> : '…'}</dd>
          </dl>
        </article>
        <article className="card">
          <h3>Upstreams</h3>
          <table className="small">
            <thead><tr><th>upstream</th><th>readiness</th><th>data</th></tr></thead>
            <tbody>
              {Object.entries(ready?.body.connectors ?? {}).map(([k, v]) => (
                <tr key={k} data-upstream={k}>
                  <td>{NAMES[k] ?? k}</td>
                  <td>{v === null ? 'not configured' : v ? <span className="ok">authenticated</span> : <span className="error">not ready</span>}</td>
                  <td>{sandboxes.includes(NAMES[k] ?? k) ? <strong className="sandbox-tag">SANDBOX</strong> : 'real API'}</td>
                </tr>
              ))}
              <tr>
                <td>AWS CloudTrail (SAML detection)</td>
                <td>—</td>
                <td>{sandboxes.includes('AWS CloudTrail') ? <strong className="sandbox-tag">SANDBOX</strong> : 'CLOUDTRAIL_DIR / ingest'}</td>
              </tr>
            </tbody>
          </table>
        </article>
        {tenants.map((t, n) => {
          const f = t.fetch;
          const last = lastSuccess.current.get(t.name) ?? null;
          const lagSeconds = last ? Math.max(0, (now - Date.parse(last)) / 1000) : null;
          const late = lagSeconds !== null && lagSeconds > 2 * f.intervalSeconds + 5;
          return (
            <article className="card" key={t.name} data-tenant={t.name}>
              <h3>Incident fetching{tenants.length > 1 && ` (${t.name})`}</h3>
              <dl>
                <dt>fetching</dt><dd>{f.enabled ? f.running ? 'running now' : `every ${f.intervalSeconds} s` : 'off (SAAS_SECURITY_FETCH=false)'}</dd>
                <dt>last successful fetch</dt><dd data-testid={n === 0 ? 'last-success' : `last-success-${t.name}`}>{last ? `${time(last)} (${ago(last, now)})` : 'none yet'}</dd>
                <dt>fetch lag</dt><dd className={late ? 'error' : ''}>{lagSeconds === null ? '—' : `${Math.round(lagSeconds)} s since the last successful fetch${late ? ': late' : ''}`}</dd>
                <dt>last run</dt><dd>{time(f.lastRunAt)} · {f.lastRunFetched} fetched, {f.lastRunMirrored} mirrored</dd>
                <dt>last error</dt><dd>{f.lastError ? <span className="error">{f.lastError}</span> : 'none'}</dd>
                <dt>next run</dt><dd>{f.nextRunAt ? `${time(f.nextRunAt)} (${ago(f.nextRunAt, now)})` : '—'}</dd>
                <dt>cursor</dt><dd>{time(f.cursor)} (mirror {time(f.mirrorCursor)})</dd>
                <dt>stored</dt><dd>{f.storedIncidents} incidents ({f.fetchedTotal} fetched in total)</dd>
                {tenants.length > 1 && <><dt>circuit breaker</dt><dd className={t.breaker === 'closed' ? '' : 'error'}>{t.breaker}</dd></>}
              </dl>
            </article>
          );
        })}
      </div>
    </section>
  );
}
