// Panther's alert grouping (spec §3.1) on the events' own clock: key = (RuleID, dedup string); the first
// match opens a window of DedupPeriodMinutes anchored at its eventTime; matches inside it join; the alert
// exists once the window's count reaches Threshold; a match at or after the window's end opens a new one.
// Windows, their matched events and the alert counters are kept in DurableStores, so a restart resumes.
import { createHash } from 'node:crypto';
import type { SamlDetection, SamlDetectionEvent, SamlMatchedEvent } from '../domain/saml-detection.js';
import type { DurableStore } from '../store/durable-store.js';
import { actorNameOf } from './actor.js';
import type { Indicators } from './cloudtrail-indicators.js';
import type { JsonObject } from './panther-event.js';
import type { RuleSpec } from './rule-spec.js';
import { describeFunctionError, type RuleEvaluation } from './saml-rule.js';

/** A window as stored: the detection it becomes plus what grouping needs. */
export interface AlertWindow {
  key: string;
  /** Panther's alertCount for the key: 1 for its first window. */
  seq: number;
  startMs: number;
  detection: SamlDetection;
}

export interface Match {
  evaluation: RuleEvaluation;
  record: JsonObject;
  eventTimeMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const eventKey = (alertId: string, n: number) => `${alertId}:${String(n).padStart(10, '0')}`;

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

export class AlertGrouper {
  /** key → its windows, oldest start first. */
  private readonly byKey = new Map<string, AlertWindow[]>();
  /** alert id → keys of its events in the events store, in arrival order. */
  private readonly eventKeys = new Map<string, string[]>();

  constructor(
    private readonly spec: RuleSpec,
    private readonly windows: DurableStore<AlertWindow>,
    private readonly events: DurableStore<SamlMatchedEvent>,
  ) {
    for (const w of windows.values()) this.index(w);
    for (const list of this.byKey.values()) list.sort((a, b) => a.startMs - b.startMs);
    for (const [k, e] of events.entries()) {
      const list = this.eventKeys.get(e.alertId) ?? [];
      list.push(k);
      this.eventKeys.set(e.alertId, list);
    }
    for (const list of this.eventKeys.values()) list.sort();
  }

  private get periodMs(): number {
    return this.spec.dedupPeriodMinutes * 60_000;
  }

  /** Detections whose window reached the threshold. */
  *detections(): IterableIterator<SamlDetection> {
    for (const w of this.windows.values()) if (w.detection.eventCount >= this.spec.threshold) yield w.detection;
  }

  detection(id: string): SamlDetection | null {
    const w = this.windows.get(id);
    return w && w.detection.eventCount >= this.spec.threshold ? w.detection : null;
  }

  eventsOf(alertId: string): SamlMatchedEvent[] {
    return (this.eventKeys.get(alertId) ?? []).map((k) => this.events.get(k)).filter((e): e is SamlMatchedEvent => e !== undefined);
  }

  /**
   * Groups matches (and rule errors) in the order given; the caller sorts a batch by eventTime. Writes the
   * events, then the windows, each batch atomically, and returns the detections that were created or grew.
   */
  add(matches: readonly Match[]): SamlDetectionEvent[] {
    const changed = new Map<string, AlertWindow>();
    const kinds = new Map<string, SamlDetectionEvent['kind']>();
    const newEvents: Array<[string, SamlMatchedEvent]> = [];
    for (const m of matches) {
      const w = this.place(m);
      const count = w.detection.eventCount;
      const ids = this.eventKeys.get(w.detection.id) ?? [];
      const key = eventKey(w.detection.id, ids.length + 1);
      ids.push(key);
      this.eventKeys.set(w.detection.id, ids);
      newEvents.push([key, { alertId: w.detection.id, n: ids.length, eventTime: iso(m.eventTimeMs), record: m.record }]);
      changed.set(w.detection.id, w);
      if (count === this.spec.threshold) kinds.set(w.detection.id, 'CREATED');
      else if (count > this.spec.threshold && !kinds.has(w.detection.id)) kinds.set(w.detection.id, 'UPDATED');
    }
    this.events.setMany(newEvents);
    this.windows.setMany([...changed].map(([id, w]) => [id, w] as const));
    // A window that reached the threshold inside this batch was created here, whatever joined it after.
    return [...kinds].map(([id, kind]) => ({ kind, detection: (changed.get(id) as AlertWindow).detection }));
  }

  /** Finds or opens the window of a match and counts it in. */
  private place(m: Match): AlertWindow {
    const ev = m.evaluation;
    const isError = ev.ruleError !== null;
    const dedup = ev.dedupString ?? this.spec.ruleId;
    const key = `${this.spec.ruleId}:${dedup}${isError ? ':error' : ''}`;
    const list = this.byKey.get(key) ?? [];
    let open: AlertWindow | undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const w = list[i] as AlertWindow;
      if (w.startMs <= m.eventTimeMs) {
        if (m.eventTimeMs - w.startMs < this.periodMs) open = w;
        break;
      }
    }
    const t = iso(m.eventTimeMs);
    if (open) {
      const d = open.detection;
      const joined: SamlDetection = {
        ...d,
        eventCount: d.eventCount + 1,
        firstEventAt: m.eventTimeMs < Date.parse(d.firstEventAt) ? t : d.firstEventAt,
        lastEventAt: m.eventTimeMs > Date.parse(d.lastEventAt) ? t : d.lastEventAt,
        createdAt: d.eventCount + 1 === this.spec.threshold ? t : d.createdAt,
        updatedAt: t,
        indicators: unionIndicators(d.indicators, ev.indicators),
      };
      const w: AlertWindow = { ...open, detection: joined };
      list[list.indexOf(open)] = w;
      return w;
    }
    const seq = list.reduce((max, w) => Math.max(max, w.seq), 0) + 1;
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
    this.index(w);
    return w;
  }

  private index(w: AlertWindow): void {
    const list = this.byKey.get(w.key) ?? [];
    list.push(w);
    list.sort((a, b) => a.startMs - b.startMs);
    this.byKey.set(w.key, list);
  }
}
