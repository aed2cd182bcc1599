// The audit trail for clients: a newest-first page (Query.auditLog), the live stream (Subscription.auditEvents,
// resumable from a sequence number on any instance) and the filter both take.
import type { AuditOutcome } from '../audit/audit-log.js';
import type { Context } from '../context.js';
import type { AuditEntry, AuditEvent } from '../domain/audit-entry.js';
import { badInput, notConfigured } from '../errors.js';
import type { CursorSigner } from '../security/cursor-signer.js';
import type { AuditEntries, AuditFilter } from '../store/audit-entries.js';
import type { SubscriptionFailure } from '../subscriptions/bounded-subscription.js';
import { resumableStream } from '../subscriptions/resumable-stream.js';

export interface AuditFilterArgs {
  actorId?: string | null;
  action?: string | null;
  target?: string | null;
  outcome?: AuditOutcome | null;
  from?: Date | null;
  to?: Date | null;
}

export interface AuditConnection {
  edges: Array<{ node: AuditEntry; cursor: string }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

function trail(ctx: Context): AuditEntries {
  if (!ctx.services.auditTrail) throw notConfigured('The audit trail');
  return ctx.services.auditTrail;
}

/** A cursor names the entry it follows (the next page is the entries with a smaller id), signed as every cursor. */
const AUDIT_LIST = 'auditLog';
const encodeAuditCursor = (signer: CursorSigner, id: number) => signer.sign(AUDIT_LIST, String(id));

function decodeAuditCursor(signer: CursorSigner, cursor: string): number {
  const id = signer.verify(AUDIT_LIST, cursor);
  if (!/^\d{1,15}$/.test(id)) throw badInput('not an auditLog cursor this gateway issued', 'after');
  return Number(id);
}

export function storeFilter(f: AuditFilterArgs | null | undefined): AuditFilter {
  if (!f) return {};
  if (f.from && f.to && f.from > f.to) throw badInput('filter.from is after filter.to', 'filter');
  return { actorId: f.actorId, action: f.action, target: f.target, outcome: f.outcome, from: f.from?.toISOString() ?? null, to: f.to?.toISOString() ?? null };
}

/** Query.auditLog: up to `first` entries matching the filter, newest first, after the cursor. */
export async function auditLogPage(args: { first?: number | null; after?: string | null; filter?: AuditFilterArgs | null }, ctx: Context): Promise<AuditConnection> {
  const first = args.first ?? DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`, 'first');
  const before = args.after == null ? null : decodeAuditCursor(ctx.services.cursors, args.after);
  const rows = await trail(ctx).page(storeFilter(args.filter), first + 1, before);
  const edges = rows.slice(0, first).map((node) => ({ node, cursor: encodeAuditCursor(ctx.services.cursors, node.id) }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, hasPreviousPage: before !== null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

export function matchesAuditFilter(e: AuditEntry, f: AuditFilter): boolean {
  if (f.actorId != null && e.actor.id !== f.actorId) return false;
  if (f.action != null && e.action !== f.action) return false;
  if (f.target != null && e.target !== f.target) return false;
  if (f.outcome != null && e.outcome !== f.outcome) return false;
  if (f.from != null && e.at < f.from) return false;
  if (f.to != null && e.at > f.to) return false;
  return true;
}

/**
 * Subscription.auditEvents: each entry as it is begun, recorded or completed (an action begun and completed
 * comes twice: ATTEMPTED, then its outcome). With `after` (an entry's `sequence`), the entries written after
 * it come first, from the database, then the live ones, each once.
 */
export async function auditEventStream(args: { after?: string | null; filter?: AuditFilterArgs | null }, ctx: Context): Promise<AsyncIterableIterator<AuditEvent | SubscriptionFailure>> {
  const filter = storeFilter(args.filter);
  let after: number | null = null;
  const log = trail(ctx);
  if (args.after != null) {
    if (!/^\d{1,15}$/.test(args.after.trim())) throw badInput(`an audit sequence number is a whole number, got "${args.after}"`, 'after');
    after = Number(args.after);
    const last = await log.lastId();
    if (after > last) throw badInput(`no audit entry has sequence ${after} yet; the newest is ${last}`, 'after');
  }
  return resumableStream(ctx.services.pubsub.subscribe('audit:event'), after === null ? null : log, after, (e) => matchesAuditFilter(e.entry, filter), {
    capacity: ctx.services.config.incidentFetch.subscriberBuffer,
    onDrop: (reason) => ctx.logger.warn({ reason: reason.message }, 'auditEvents subscription ended'),
  });
}
