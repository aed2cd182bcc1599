// SAML detections for the graph: list (keyset-paged, newest window first), get, the matched events of one,
// and evaluating an event against the rule without storing it.
import type { Context } from '../context.js';
import type { Indicators } from '../detection/cloudtrail-indicators.js';
import { isObject } from '../detection/panther-event.js';
import type { SamlDetectionService } from '../detection/saml-detection-service.js';
import { describeFunctionError } from '../detection/saml-rule.js';
import { samlProviderOf, type SamlProvider } from '../detection/saml-triage.js';
import type { SamlDetection, SamlDetectionEvent, SamlDetectionEventKind, SamlMatchedEvent } from '../domain/saml-detection.js';
import { badInput, notConfigured } from '../errors.js';
import type { CursorSigner } from '../security/cursor-signer.js';
import type { SubscriptionFailure } from '../subscriptions/bounded-subscription.js';
import { resumableStream } from '../subscriptions/resumable-stream.js';
import { parseEventId } from './incident-events.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Connection } from './incidents.js';

export function samlDetection(ctx: Context): SamlDetectionService {
  const s = ctx.services.samlDetection;
  if (!s) throw notConfigured('SAML detection');
  return s;
}

export interface SamlDetectionFilter {
  from?: Date | null;
  to?: Date | null;
  accountIds?: readonly string[] | null;
  actorArn?: string | null;
}

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

function pageSize(first: number | null | undefined): number {
  const n = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  return n;
}

/**
 * Cursors are the sort key of the last item seen, so inserts while paging neither repeat nor skip items;
 * signed for their list (`samlDetections`, or one detection's `samlDetectionEvents:<id>`).
 */
function decodeKey(signer: CursorSigner, list: string, cursor: string): [string, string | number] {
  const k = signer.verifyJson(list, cursor);
  if (Array.isArray(k) && k.length === 2 && typeof k[0] === 'string' && (typeof k[1] === 'string' || typeof k[1] === 'number')) {
    return k as [string, string | number];
  }
  throw badInput('not a cursor this gateway issued', 'after');
}

/** A connection from up to first + 1 items read in order after the cursor: the extra one means a next page. */
function connection<T>(signer: CursorSigner, list: string, items: T[], first: number, keyOf: (t: T) => Key, hadCursor: boolean): Connection<T> {
  const edges = items.slice(0, first).map((node) => ({ node, cursor: signer.signJson(list, keyOf(node)) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: items.length > first,
      hasPreviousPage: hadCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

type Key = [string, string | number];
const DETECTIONS_LIST = 'samlDetections';
/** Newest window first, then by id; the store orders the same way. */
const detectionKey = (d: SamlDetection): Key => [d.firstEventAt, d.id];
/** Matched events oldest first, then by arrival. */
const eventKey = (e: SamlMatchedEvent): Key => [e.eventTime, e.n];

export function matchesSamlDetectionFilter(d: SamlDetection, f: SamlDetectionFilter | null | undefined): boolean {
  if (!f) return true;
  // Windows that overlap [from, to].
  if (f.from && Date.parse(d.lastEventAt) < f.from.getTime()) return false;
  if (f.to && Date.parse(d.firstEventAt) > f.to.getTime()) return false;
  if (f.accountIds?.length && !(d.accountId && f.accountIds.includes(d.accountId))) return false;
  if (f.actorArn && d.actorArn !== f.actorArn) return false;
  return true;
}

export async function listSamlDetections(args: PageArgs & { filter?: SamlDetectionFilter | null }, ctx: Context): Promise<Connection<SamlDetection>> {
  const f = args.filter;
  if (f?.from && f.to && f.from > f.to) throw badInput('filter.from is after filter.to', 'filter');
  const first = pageSize(args.first);
  const after = args.after ? decodeKey(ctx.services.cursors, DETECTIONS_LIST, args.after) : null;
  const items = await samlDetection(ctx).detections(
    {
      from: f?.from?.toISOString() ?? null,
      to: f?.to?.toISOString() ?? null,
      accountIds: f?.accountIds ?? null,
      actorArn: f?.actorArn ?? null,
      after: after ? { firstEventAt: String(after[0]), id: String(after[1]) } : null,
    },
    first + 1,
  );
  return connection(ctx.services.cursors, DETECTIONS_LIST, items, first, detectionKey, Boolean(after));
}

export async function getSamlDetection(args: { id: string }, ctx: Context): Promise<SamlDetection | null> {
  return samlDetection(ctx).detection(args.id);
}

export async function listSamlDetectionEvents(detection: SamlDetection, args: PageArgs, ctx: Context): Promise<Connection<SamlMatchedEvent>> {
  const first = pageSize(args.first);
  // One detection's events: a cursor of another detection's is refused.
  const list = `samlDetectionEvents:${detection.id}`;
  const after = args.after ? decodeKey(ctx.services.cursors, list, args.after) : null;
  const items = await samlDetection(ctx).eventsOf(detection.id, after ? { eventTime: String(after[0]), n: Number(after[1]) } : null, first + 1);
  return connection(ctx.services.cursors, list, items, first, eventKey, Boolean(after));
}

export interface SamlRuleResult {
  matches: boolean;
  /** Matches by a principal in SAML_IGNORE_PRINCIPALS: shown, but no alert would be raised. */
  suppressed: boolean;
  ruleError: boolean;
  title: string | null;
  dedupString: string | null;
  alertContext: Record<string, unknown> | null;
  indicators: Indicators;
  error: string | null;
}

export function evaluateSamlRule(args: { event?: unknown; asIngested?: boolean | null }, ctx: Context): SamlRuleResult {
  if (!isObject(args.event)) throw badInput('event must be a JSON object (one CloudTrail record)', 'event');
  const r = samlDetection(ctx).evaluate(args.event, args.asIngested ?? false);
  const errors = [...(r.ruleError ? [r.ruleError] : []), ...r.auxErrors].map(describeFunctionError);
  return {
    matches: r.matched,
    suppressed: r.suppressed,
    ruleError: r.ruleError !== null,
    title: r.title,
    dedupString: r.dedupString,
    alertContext: r.alertContext,
    indicators: r.indicators,
    error: errors.length ? errors.join('; ') : null,
  };
}

export interface SamlDetectionEventFilter {
  kinds?: readonly SamlDetectionEventKind[] | null;
  accountIds?: readonly string[] | null;
}

export function matchesSamlDetectionEventFilter(e: SamlDetectionEvent, f: SamlDetectionEventFilter | null | undefined): boolean {
  if (!f) return true;
  if (f.kinds?.length && !f.kinds.includes(e.kind)) return false;
  if (f.accountIds?.length && !(e.detection.accountId && f.accountIds.includes(e.detection.accountId))) return false;
  return true;
}

/** The SAML provider a detection is about: that of the event that opened its window. */
export async function samlProviderOfDetection(detection: SamlDetection, ctx: Context): Promise<SamlProvider> {
  // The earliest event: a window opens at its first match's eventTime and only later ones join it.
  const [first] = await samlDetection(ctx).eventsOf(detection.id, null, 1);
  return first ? samlProviderOf(first.record) : { arn: null, name: null };
}

export interface SamlDetectionStatus {
  ignoredPrincipals: readonly string[];
  suppressedEvents: number;
}

export async function getSamlDetectionStatus(ctx: Context): Promise<SamlDetectionStatus> {
  const s = samlDetection(ctx);
  return { ignoredPrincipals: s.ignoreList.entries, suppressedEvents: await s.suppressedEvents() };
}

/** samlDetectionEvents: live, or with `after` the logged events after that id first (on any instance). */
export async function samlDetectionEventStream(
  args: { filter?: SamlDetectionEventFilter | null; after?: string | null },
  ctx: Context,
): Promise<AsyncIterableIterator<SamlDetectionEvent | SubscriptionFailure>> {
  const log = samlDetection(ctx).eventLog;
  const after = args.after == null ? null : parseEventId(args.after);
  if (after !== null) await log.checkAfter(after);
  return resumableStream(ctx.services.pubsub.subscribe('saml:detection'), after === null ? null : log, after, (e) => matchesSamlDetectionEventFilter(e, args.filter), {
    capacity: ctx.services.config.incidentFetch.subscriberBuffer,
    onDrop: (reason) => ctx.logger.warn({ reason: reason.message }, 'samlDetectionEvents subscription ended'),
  });
}
