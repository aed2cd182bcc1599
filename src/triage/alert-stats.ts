// The numbers a SOC lead reports: alerts created in a period by status, severity, source and assignee, and the
// median and 90th percentile of the time to triage (creation to the first move out of OPEN) and to resolve
// (creation to RESOLVED/CLOSED, for those closed now). Computed from the alerts index in one read.
import type { AlertSource } from '../domain/alert.js';
import type { AlertRows } from '../store/alerts.js';

export interface Count {
  key: string;
  count: number;
}

export interface DurationStats {
  /** How many alerts the figures are over. */
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface AlertStats {
  total: number;
  byStatus: Count[];
  bySeverity: Count[];
  bySource: Count[];
  /** `null` key: unassigned. */
  byAssignee: Array<{ assignee: string | null; count: number }>;
  timeToTriage: DurationStats;
  timeToResolve: DurationStats;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function durations(values: number[]): DurationStats {
  const sorted = values.filter((v) => Number.isFinite(v)).map((v) => Math.max(0, v)).sort((a, b) => a - b);
  return { count: sorted.length, medianSeconds: percentile(sorted, 50), p90Seconds: percentile(sorted, 90) };
}

function counts(values: readonly string[]): Count[] {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export async function alertStats(rows: Pick<AlertRows, 'statsRows'>, args: { from?: string | null; to?: string | null; sources?: readonly AlertSource[] | null }): Promise<AlertStats> {
  const all = await rows.statsRows(args.from ?? null, args.to ?? null, args.sources ?? null);
  const seconds = (from: string, to: string | null) => (to ? (Date.parse(to) - Date.parse(from)) / 1000 : NaN);
  const byAssignee = new Map<string | null, number>();
  for (const r of all) byAssignee.set(r.assignee, (byAssignee.get(r.assignee) ?? 0) + 1);
  return {
    total: all.length,
    byStatus: counts(all.map((r) => r.status)),
    bySeverity: counts(all.map((r) => r.severity)),
    bySource: counts(all.map((r) => r.source)),
    byAssignee: [...byAssignee].map(([assignee, count]) => ({ assignee, count })).sort((a, b) => b.count - a.count || String(a.assignee).localeCompare(String(b.assignee))),
    timeToTriage: durations(all.filter((r) => r.triagedAt).map((r) => seconds(r.createdAt, r.triagedAt))),
    timeToResolve: durations(all.filter((r) => r.resolvedAt).map((r) => seconds(r.createdAt, r.resolvedAt))),
  };
}
