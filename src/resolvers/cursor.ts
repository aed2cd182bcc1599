// Opaque connection cursors. A cursor names an upstream page (its path) and a position inside it, so it
// stays valid across requests however the client's `first` varies.
import { badInput } from '../errors.js';

export interface PageCursor {
  /** Upstream path and query of the page. */
  path: string;
  /** How many items of that page come before the cursor's position. */
  skip: number;
  /** The STA instance (tenant) the list was read from, for lists that have one; a cursor is refused elsewhere. */
  tenant?: string;
}

export function encodeCursor(c: PageCursor): string {
  return Buffer.from(JSON.stringify(c.tenant === undefined ? { p: c.path, s: c.skip } : { p: c.path, s: c.skip, t: c.tenant })).toString('base64url');
}

export function decodeCursor(cursor: string, argument = 'after'): PageCursor {
  try {
    const raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown; s?: unknown; t?: unknown };
    if (typeof raw.p === 'string' && Number.isInteger(raw.s) && (raw.s as number) >= 0) {
      return typeof raw.t === 'string' ? { path: raw.p, skip: raw.s as number, tenant: raw.t } : { path: raw.p, skip: raw.s as number };
    }
  } catch {
    // fall through to the typed error
  }
  throw badInput('not a cursor this gateway issued', argument);
}

/** A cursor of an STA list: decoded, and refused unless it was issued for the same tenant. */
export function decodeTenantCursor(cursor: string, tenant: string, argument = 'after'): PageCursor {
  const c = decodeCursor(cursor, argument);
  if ((c.tenant ?? '') !== tenant) throw badInput('this cursor belongs to another STA instance', argument);
  return c;
}
