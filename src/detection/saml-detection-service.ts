// The SAML detection engine as a service: evaluates records with the ported rule, groups matches into
// durable alerts and publishes CREATED/UPDATED on the pub/sub. Ingestion (HTTP, folder watcher, sandbox)
// feeds it through IngestSessions; the graph reads detections from it.
import type { Clock } from '../clock.js';
import type { SamlDetection, SamlMatchedEvent } from '../domain/saml-detection.js';
import type { Logger } from '../logger.js';
import type { GatewayPubSub } from '../pubsub.js';
import type { RawPrefilter } from '../ingest/record-reader.js';
import type { Database } from '../store/database.js';
import { SamlAlertTables, type DetectionQuery, type SamlAlertSync } from '../store/saml-alerts.js';
import { SuppressedMatches } from '../store/saml-suppressed.js';
import { AlertGrouper, matchKeyOf, type Match } from './alerting.js';
import { checkCloudTrailRecord } from './cloudtrail-record.js';
import type { JsonObject } from './panther-event.js';
import { CLOUDTRAIL_LOG_TYPE, toPantherRow } from './panther-row.js';
import type { RuleSpec } from './rule-spec.js';
import { evaluateRule, rule, type RuleEvaluation } from './saml-rule.js';
import { SAML_RAW_PREFILTER } from './saml-raw-prefilter.js';
import { principalArnsOf, PrincipalIgnoreList } from './saml-triage.js';

/** Matches held before grouping: a batch is sorted by eventTime, so a file's order does not matter. */
const MATCH_BATCH = 1000;
/** Rejection reasons listed in a summary (all are counted). */
const MAX_LISTED_REJECTIONS = 100;

export interface Rejection {
  /** 1-based position of the item in the body or file. */
  index: number;
  reason: string;
}

export interface IngestSummary {
  accepted: number;
  rejected: number;
  matched: number;
  ruleErrors: number;
  /** Of `matched`, those by a principal in SAML_IGNORE_PRINCIPALS: counted, not alerted. */
  suppressed: number;
  rejections: Rejection[];
  /** Ids of the detections created or updated by this ingestion. */
  detectionIds: string[];
}

export interface SamlDetectionServiceOptions {
  spec: RuleSpec;
  database: Database;
  pubsub: GatewayPubSub;
  clock: Clock;
  logger: Logger;
  /** SAML_IGNORE_PRINCIPALS: ARNs or `*` globs whose matches raise no alert. */
  ignorePrincipals?: readonly string[];
  /** The triage queue's index, kept in each grouping's transaction. */
  alerts?: SamlAlertSync;
}

/** A rule evaluation plus the gateway's triage: whether an ignored principal's match is suppressed. */
export type SamlEvaluation = RuleEvaluation & { suppressed: boolean };

export class SamlDetectionService {
  readonly spec: RuleSpec;
  private readonly grouper: AlertGrouper;
  readonly ignoreList: PrincipalIgnoreList;
  private readonly suppressed: SuppressedMatches;
  /** Records ingested since start, every source together (metrics). */
  readonly totals = { accepted: 0, rejected: 0, matched: 0 };

  constructor(private readonly opts: SamlDetectionServiceOptions) {
    this.spec = opts.spec;
    this.ignoreList = new PrincipalIgnoreList(opts.ignorePrincipals ?? []);
    this.grouper = new AlertGrouper(opts.spec, new SamlAlertTables(opts.database, opts.alerts));
    this.suppressed = new SuppressedMatches(opts.database.db);
  }

  /** Evaluates one event without storing anything. `asIngested` first adds the p_* fields ingestion adds. */
  evaluate(event: JsonObject, asIngested = false): SamlEvaluation {
    const evaluation = evaluateRule(this.spec, asIngested ? toPantherRow(event, this.opts.clock.now()) : event);
    return { ...evaluation, suppressed: this.suppresses(evaluation, event) };
  }

  /** Distinct records whose match was suppressed (an ignored principal's), deployment-wide: no alert was raised. */
  suppressedEvents(): Promise<number> {
    return this.suppressed.count();
  }

  /** @internal used by IngestSession: stores the suppressed matches of a session (counted once each). */
  recordSuppressed(matchKeys: readonly string[]): Promise<void> {
    return this.suppressed.record(matchKeys, new Date(this.opts.clock.now()).toISOString());
  }

  /** A match (not a rule error: that says the data is odd, whoever sent it) by an ignored principal. */
  private suppresses(evaluation: RuleEvaluation, record: JsonObject): boolean {
    return evaluation.matched && !evaluation.ruleError && this.ignoreList.ignores(record);
  }

  startIngest(source: string): IngestSession {
    return new IngestSession(this, source);
  }

  /** Every published detection event with its id, for samlDetectionEvents(after:). */
  get eventLog() {
    return this.grouper.log;
  }

  /** Detections matching `q`, newest window first (then by id), at most `limit`. */
  detections(q: Omit<DetectionQuery, 'threshold'> = {}, limit?: number): Promise<SamlDetection[]> {
    return this.grouper.detections(q, limit);
  }

  /** How many detections there are (counted in SQL). */
  detectionCount(): Promise<number> {
    return this.grouper.detectionCount();
  }

  detection(id: string): Promise<SamlDetection | null> {
    return this.grouper.detection(id);
  }

  /** The matched events of an alert, oldest first, after a keyset position, at most `limit`. */
  eventsOf(alertId: string, after: { eventTime: string; n: number } | null = null, limit?: number): Promise<SamlMatchedEvent[]> {
    return this.grouper.eventsOf(alertId, after, limit);
  }

  close(): void {}

  /** @internal used by IngestSession */
  ingestOne(value: unknown): { ok: true; match: Match | null; suppressed?: string } | { ok: false; reason: string } {
    const check = checkCloudTrailRecord(value);
    if (!check.ok) return check;
    // Rules only see the log types they declare (a Panther row of another type is accepted and ignored).
    const logType = check.record['p_log_type'] ?? CLOUDTRAIL_LOG_TYPE;
    if (!this.spec.enabled || !this.spec.logTypes.includes(String(logType))) return { ok: true, match: null };
    // rule() reads no p_* field, so most records are settled on the raw record; only matches and errors
    // pay for the p_* enrichment their alert context needs.
    if (!ruleMightAlert(check.record)) return { ok: true, match: null };
    const evaluation = evaluateRule(this.spec, toPantherRow(check.record, this.opts.clock.now()));
    if (!evaluation.matched && !evaluation.ruleError) return { ok: true, match: null };
    if (this.suppresses(evaluation, check.record)) {
      this.opts.logger.debug({ actorArn: principalArnsOf(check.record)[0] ?? null, eventName: check.record['eventName'] }, 'SAML match by an ignored principal: suppressed');
      return { ok: true, match: null, suppressed: matchKeyOf(check.record) };
    }
    return { ok: true, match: { evaluation, record: check.record, eventTimeMs: check.eventTimeMs } };
  }

  /** @internal used by IngestSession */
  async group(matches: Match[], source: string): Promise<string[]> {
    matches.sort((a, b) => a.eventTimeMs - b.eventTimeMs);
    const changes = await this.grouper.add(matches);
    for (const change of changes) {
      this.opts.pubsub.publish('saml:detection', change);
      this.opts.logger.info(
        { detectionId: change.detection.id, kind: change.kind, eventCount: change.detection.eventCount, source },
        `SAML detection ${change.kind.toLowerCase()}: ${change.detection.title}`,
      );
    }
    return changes.map((c) => c.detection.id);
  }
}

/** rule() returned True or raised. */
function ruleMightAlert(record: JsonObject): boolean {
  try {
    return rule(record);
  } catch {
    return true;
  }
}

/** One body or file being ingested: counts what it accepted, rejected and matched. */
export class IngestSession {
  private readonly summary: IngestSummary = { accepted: 0, rejected: 0, matched: 0, ruleErrors: 0, suppressed: 0, rejections: [], detectionIds: [] };
  private pending: Match[] = [];
  /** Match keys of this session's suppressed matches, stored when it finishes. */
  private suppressedKeys: string[] = [];
  /** Batches are grouped one after the other, in the order they filled. */
  private flushing: Promise<void> = Promise.resolve();
  private flushError: unknown = null;
  private items = 0;
  /** Items that were valid JSON: a body with none is not JSON at all. */
  private jsonItems = 0;

  constructor(
    private readonly service: SamlDetectionService,
    private readonly source: string,
  ) {}

  get jsonValues(): number {
    return this.jsonItems;
  }

  /** The records this session's rule can settle on their raw bytes (see saml-raw-prefilter.ts). */
  get rawPrefilter(): RawPrefilter | null {
    return SAML_RAW_PREFILTER;
  }

  /** A record the raw prefilter settled: what push() does for an accepted record the rule finds nothing in. */
  pushSettled(): void {
    this.items += 1;
    this.jsonItems += 1;
    this.summary.accepted += 1;
  }

  /** A parsed value, or the reason the text around it could not be parsed. */
  push(item: { ok: true; value: unknown } | { ok: false; reason: string }): void {
    this.items += 1;
    if (!item.ok) return this.reject(item.reason);
    this.jsonItems += 1;
    const result = this.service.ingestOne(item.value);
    if (!result.ok) return this.reject(result.reason);
    this.summary.accepted += 1;
    // A suppressed match is still a match of the rule: counted in both, grouped into no alert.
    if (result.suppressed) {
      this.summary.matched += 1;
      this.summary.suppressed += 1;
      this.suppressedKeys.push(result.suppressed);
    }
    if (!result.match) return;
    if (result.match.evaluation.ruleError) this.summary.ruleErrors += 1;
    else this.summary.matched += 1;
    this.pending.push(result.match);
    if (this.pending.length >= MATCH_BATCH) this.flush();
  }

  /** A rejection outside any item (the body as a whole). */
  reject(reason: string): void {
    this.summary.rejected += 1;
    if (this.summary.rejections.length < MAX_LISTED_REJECTIONS) this.summary.rejections.push({ index: this.items, reason });
  }

  /** Waits for the batches handed to grouping so far: the reader calls it between chunks (back-pressure). */
  async drain(): Promise<void> {
    await this.flushing;
    if (this.flushError) throw this.flushError;
  }

  /** Groups what is left; resolves once every match of the session is stored. */
  async finish(): Promise<IngestSummary> {
    this.flush();
    await this.drain();
    await this.service.recordSuppressed(this.suppressedKeys.splice(0));
    this.service.totals.accepted += this.summary.accepted;
    this.service.totals.rejected += this.summary.rejected;
    this.service.totals.matched += this.summary.matched;
    return { ...this.summary, detectionIds: [...new Set(this.summary.detectionIds)] };
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(async () => {
      if (this.flushError) return;
      try {
        this.summary.detectionIds.push(...(await this.service.group(batch, this.source)));
      } catch (e) {
        this.flushError = e;
      }
    });
  }
}


