// Incidents over time: a small SVG bar chart of created-at counts in equal buckets, stacked by severity.
import { useMemo } from 'react';
import type { QueueIncident } from '../queue.js';
import { SEVERITIES } from '../format.js';

const W = 560;
const H = 90;
const BUCKETS = 30;
const COLOURS: Record<string, string> = { CRITICAL: '#b00020', HIGH: '#e65100', MEDIUM: '#f9a825', LOW: '#558b2f', INFO: '#607d8b' };

export function TimeChart({ incidents }: { incidents: QueueIncident[] }) {
  const { buckets, from, to, max } = useMemo(() => {
    const times = incidents.map((i) => Date.parse(i.createdAt ?? i.updatedAt ?? '')).filter((t) => !Number.isNaN(t));
    if (!times.length) return { buckets: [], from: 0, to: 0, max: 0 };
    const from = Math.min(...times);
    const to = Math.max(...times, from + 1);
    const size = (to - from) / BUCKETS;
    const buckets = Array.from({ length: BUCKETS }, () => new Map<string, number>());
    for (const i of incidents) {
      const t = Date.parse(i.createdAt ?? i.updatedAt ?? '');
      if (Number.isNaN(t)) continue;
      const b = buckets[Math.min(BUCKETS - 1, Math.floor((t - from) / size))]!;
      const s = i.severity ?? 'INFO';
      b.set(s, (b.get(s) ?? 0) + 1);
    }
    const max = Math.max(1, ...buckets.map((b) => [...b.values()].reduce((a, c) => a + c, 0)));
    return { buckets, from, to, max };
  }, [incidents]);
  const bw = W / BUCKETS;
  return (
    <figure className="chart" aria-label="Incidents over time (created), by severity">
      <svg viewBox={`0 0 ${W} ${H + 16}`} width="100%" height={H + 16} role="img">
        <title>Incidents over time</title>
        {buckets.map((b, x) => {
          let y = H;
          return SEVERITIES.map((s) => {
            const n = b.get(s) ?? 0;
            if (!n) return null;
            const h = (n / max) * (H - 4);
            y -= h;
            return <rect key={`${x}-${s}`} x={x * bw + 1} y={y} width={bw - 2} height={h} fill={COLOURS[s]}><title>{`${n} ${s}`}</title></rect>;
          });
        })}
        <line x1="0" x2={W} y1={H} y2={H} stroke="#999" />
        {buckets.length > 0 && (
          <>
            <text x="0" y={H + 13} fontSize="11" fill="#555">{new Date(from).toISOString().slice(0, 16).replace('T', ' ')}</text>
            <text x={W} y={H + 13} fontSize="11" fill="#555" textAnchor="end">{new Date(to).toISOString().slice(0, 16).replace('T', ' ')}</text>
          </>
        )}
      </svg>
      <figcaption>Incidents created over time (max {max} per bar)</figcaption>
    </figure>
  );
}
