// What every STA resolver shares: the per-operation DataLoaders, argument checks, and Relay connections over
// lists the connector returns whole (STA lists are read through every page and cached, then sliced here).
import { StaLoaders } from '../connectors/sta/loaders.js';
import type { Context } from '../context.js';
import { badInput } from '../errors.js';
import { sta } from './connectors.js';
import type { CursorSigner } from '../security/cursor-signer.js';
import { decodeTenantCursor, encodeCursor } from './cursor.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Connection, type Edge } from './incidents.js';

// Keyed on the Context object, which is fresh per operation: loaders never outlive (or leak across) one.
// One set per STA instance.
const loaders = new WeakMap<Context, Map<string, StaLoaders>>();

export function staLoaders(ctx: Context, instance?: string | null): StaLoaders {
  let byInstance = loaders.get(ctx);
  if (!byInstance) {
    byInstance = new Map();
    loaders.set(ctx, byInstance);
  }
  const key = instance?.trim() ?? '';
  let l = byInstance.get(key);
  if (!l) {
    l = new StaLoaders(sta(ctx, key || null));
    byInstance.set(key, l);
  }
  return l;
}

/** A userName, group name or application name argument: trimmed, never empty. */
export function requireName(value: string, argument: string): string {
  const v = value.trim();
  if (!v) throw badInput(`Please provide the value for ${argument}.`, argument);
  return v;
}

export function checkFirst(first: number | null | undefined): number {
  const n = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  return n;
}

/**
 * A connection over a whole list of one STA tenant. The cursor names the list (`listKey`), the tenant and
 * an offset, so a cursor from another list, search or tenant is refused rather than silently applied. It is
 * checked before the list is loaded: a refused cursor costs no upstream request.
 */
export async function sliceConnection<T>(
  signer: CursorSigner,
  listKey: string,
  tenant: string,
  args: { first?: number | null; after?: string | null },
  load: () => Promise<readonly T[]>,
): Promise<Connection<T>> {
  const first = checkFirst(args.first);
  let start = 0;
  if (args.after) {
    // Signed for the list (its key holds any search), not the tenant: another tenant's cursor of the same
    // list verifies and is then refused by name. A cursor of another list never verifies.
    const c = decodeTenantCursor(signer, listKey, args.after, tenant);
    if (c.path !== listKey) throw badInput('this cursor belongs to another list', 'after');
    start = c.skip;
  }
  const items = await load();
  const edges = items.slice(start, start + first).map((node, i) => ({ node, cursor: encodeCursor(signer, listKey, { path: listKey, skip: start + i + 1, tenant }) }));
  return toConnection(edges, start + edges.length < items.length, start > 0);
}

export function toConnection<T>(edges: Edge<T>[], hasNextPage: boolean, hasPreviousPage: boolean): Connection<T> {
  return {
    edges,
    pageInfo: { hasNextPage, hasPreviousPage, startCursor: edges[0]?.cursor ?? null, endCursor: edges[edges.length - 1]?.cursor ?? null },
  };
}
