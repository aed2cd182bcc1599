// Panther's alert grouping (spec §3.1) on the events' own clock: key = (RuleID, dedup string); the first
// match opens a window of DedupPeriodMinutes anchored at its eventTime; matches inside it join; the alert
// exists once the window's count reaches Threshold; a match at or after the window's end opens a new one.
// Windows and their matched events are kept in SQL tables (src/store/saml-alerts.ts), so a restart resumes;
// nothing is held in memory between batches.
import { createHash } from 'node:crypto';
import type { SamlDetection, SamlDetectionEvent, SamlMatchedEvent } from '../domain/saml-detection.js';
import type { AlertWindow, DetectionQuery, GroupingTx, SamlAlertTables, StoredMatch } from '../store/saml-alerts.js';
import { actorNameOf } from './actor.js';
import type { Indicators } from './cloudtrail-indicators.js';
import type { JsonObject } from './panther-event.js';
import type { RuleSpec } from './rule-spec.js';
import { describeFunctionError, type RuleEvaluation } from './saml-rule.js';

export type { AlertWindow } from '../store/saml-alerts.js';

export interface Match {
  evaluation: RuleEvaluation;
  record: JsonObject;
  eventTimeMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function unionIndicators(a: Indicators, b: Indicators): Indicators {
  const u = (x: string[], y: string[]) => [...new Set([...x, ...y])].sort();
  return {
    awsAccountIds: u(a.awsAccountIds, b.awsAccountIds),
    awsArns: u(a.awsArns, b.awsArns),
    ipAddresses: u(a.ipAddresses, b.ipAddresses),
    domainNames: u(a.domainNames, b.domainNames),
    traceIds: u(a.traceIds, b.traceIds),
    usernames: u(a.usernames, b.usernames),
  };
}

/** What one grouping batch has changed so far, before it is written. */
interface Batch {
  tx: GroupingTx;
  /** Windows touched by this batch, by id (their newest state). */
  windows: Map<string, AlertWindow>;
  /** Windows opened by this batch, by key. */
  opened: Map<string, AlertWindow[]>;
  seqs: Map<string, number>;
  counts: Map<string, number>;
  matchKeys: Set<string>;
}

export class AlertGrouper {
  constructor(
    private readonly spec: RuleSpec,
    private readonly tables: SamlAlertTables,
  ) {}

  /** The detection event log (ids from the database). */
  get log() {
    return this.tables.log;
  }

  private get periodMs(): number {
    return this.spec.dedupPeriodMinutes * 60_000;
  }

  /** Detections whose window reached the threshold, matching `q`, newest first. */
  detections(q: Omit<DetectionQuery, 'threshold'> = {}, limit = Number.MAX_SAFE_INTEGER): Promise<SamlDetection[]> {
    return this.tables.detections({ ...q, threshold: this.spec.threshold }, limit);
  }

  detectionCount(): Promise<number> {
    return this.tables.countDetections(this.spec.threshold);
  }

  async detection(id: string): Promise<SamlDetection | null> {
    const w = await this.tables.window(id);
    return w && w.detection.eventCount >= this.spec.threshold ? w.detection : null;
  }

  eventsOf(alertId: string, after: { eventTime: string; n: number } | null = null, limit = Number.MAX_SAFE_INTEGER): Promise<SamlMatchedEvent[]> {
    return this.tables.events(alertId, after, limit);
  }

  /**
   * Groups matches (and rule errors) in the order given; the caller sorts a batch by eventTime. Writes the
   * events and the windows in one transaction and returns the detections that were created or grew. A
   * match already counted (same match key in the same window) is not counted again.
   */
  add(matches: readonly Match[]): Promise<SamlDetectionEvent[]> {
    return this.tables.group(async (tx) => {
      const batch: Batch = { tx, windows: new Map(), opened: new Map(), seqs: new Map(), counts: new Map(), matchKeys: new Set() };
      const kinds = new Map<string, SamlDetectionEvent['kind']>();
      const newEvents: StoredMatch[] = [];
      for (const m of matches) {
        const matchKey = matchKeyOf(m.record);
        const found = await this.find(batch, m);
        if (found && (batch.matchKeys.has(`${found.detection.id}:${matchKey}`) || (await tx.hasMatch(found.detection.id, matchKey)))) continue;
        const w = this.join(found, m) ?? (await this.open(batch, m));
        batch.windows.set(w.detection.id, w);
        batch.matchKeys.add(`${w.detection.id}:${matchKey}`);
        const n = (batch.counts.get(w.detection.id) ?? (await tx.eventCount(w.detection.id))) + 1;
        batch.counts.set(w.detection.id, n);
        newEvents.push({ alertId: w.detection.id, n, eventTime: iso(m.eventTimeMs), record: m.record, matchKey });
        const count = w.detection.eventCount;
        if (count === this.spec.threshold) kinds.set(w.detection.id, 'CREATED');
        else if (count > this.spec.threshold && !kinds.has(w.detection.id)) kinds.set(w.detection.id, 'UPDATED');
      }
      await tx.write([...batch.windows.values()], newEvents);
      // A window that reached the threshold inside this batch was created here, whatever joined it after.
      const at = new Date().toISOString();
      return tx.log([...kinds].map(([id, kind]) => ({ kind, detection: batch.windows.get(id)!.detection, at })));
    });
  }

  private keyOf(m: Match): { key: string; dedup: string; isError: boolean } {
    const isError = m.evaluation.ruleError !== null;
    const dedup = m.evaluation.dedupString ?? this.spec.ruleId;
    return { key: `${this.spec.ruleId}:${dedup}${isError ? ':error' : ''}`, dedup, isError };
  }

  /** The window the match falls in, if one is open at its eventTime (its newest state in this batch). */
  private async find(batch: Batch, m: Match): Promise<AlertWindow | undefined> {
    const { key } = this.keyOf(m);
    let latest = await batch.tx.windowAtOrBefore(key, m.eventTimeMs);
    if (latest) latest = batch.windows.get(latest.detection.id) ?? latest;
    for (const w of batch.opened.get(key) ?? []) {
      if (w.startMs <= m.eventTimeMs && (!latest || w.startMs > latest.startMs)) latest = batch.windows.get(w.detection.id) ?? w;
    }
    return latest && m.eventTimeMs - latest.startMs < this.periodMs ? latest : undefined;
  }

  /** The window with the match counted in, or undefined when there is no open window. */
  private join(open: AlertWindow | undefined, m: Match): AlertWindow | undefined {
    if (!open) return undefined;
    const ev = m.evaluation;
    const t = iso(m.eventTimeMs);
    const d = open.detection;
    return {
      ...open,
      detection: {
        ...d,
        eventCount: d.eventCount + 1,
        firstEventAt: m.eventTimeMs < Date.parse(d.firstEventAt) ? t : d.firstEventAt,
        lastEventAt: m.eventTimeMs > Date.parse(d.lastEventAt) ? t : d.lastEventAt,
        createdAt: d.eventCount + 1 === this.spec.threshold ? t : d.createdAt,
        updatedAt: t,
        indicators: unionIndicators(d.indicators, ev.indicators),
      },
    };
  }

  /** Opens a new window for the match. */
  private async open(batch: Batch, m: Match): Promise<AlertWindow> {
    const ev = m.evaluation;
    const { key, dedup, isError } = this.keyOf(m);
    const seq = (batch.seqs.get(key) ?? (await batch.tx.maxSeq(key))) + 1;
    batch.seqs.set(key, seq);
    const t = iso(m.eventTimeMs);
    const identity = m.record['userIdentity'];
    const arn = identity && typeof identity === 'object' ? (identity as JsonObject)['arn'] : undefined;
    const account = m.record['recipientAccountId'];
    const w: AlertWindow = {
      key,
      seq,
      startMs: m.eventTimeMs,
      detection: {
        id: md5(`${this.spec.ruleId}:${seq}:${dedup}${isError ? ':error' : ''}`),
        ruleId: this.spec.ruleId,
        alertType: isError ? 'RULE_ERROR' : 'RULE',
        title: ev.title ?? this.spec.displayName ?? this.spec.ruleId,
        dedupString: dedup,
        severity: this.spec.severity,
        description: this.spec.description,
        reference: this.spec.reference,
        error: ev.ruleError ? describeFunctionError(ev.ruleError) : null,
        eventCount: 1,
        firstEventAt: t,
        lastEventAt: t,
        createdAt: t,
        updatedAt: t,
        alertContext: ev.alertContext ?? {},
        indicators: ev.indicators,
        accountId: typeof account === 'string' ? account : account == null ? null : String(account),
        actorArn: typeof arn === 'string' ? arn : null,
        actorName: actorNameOf(m.record)?.name ?? null,
      },
    };
    batch.opened.set(key, [...(batch.opened.get(key) ?? []), w]);
    return w;
  }
}

/**
 * A hash of the whole record: the same record delivered again (a file read twice, a body re-posted) is the
 * same match. Not the eventID alone: replayed or synthetic records reuse ids with other contents.
 */
export function matchKeyOf(record: JsonObject): string {
  return md5(JSON.stringify(record));
}
