// Opaque connection cursors. A cursor names an upstream page (its path) and a position inside it, so it
// stays valid across requests however the client's `first` varies.
import { badInput } from '../errors.js';

export interface PageCursor {
  /** Upstream path and query of the page. */
  path: string;
  /** How many items of that page come before the cursor's position. */
  skip: number;
}

export function encodeCursor(c: PageCursor): string {
  return Buffer.from(JSON.stringify({ p: c.path, s: c.skip })).toString('base64url');
}

export function decodeCursor(cursor: string, argument = 'after'): PageCursor {
  try {
    const raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown; s?: unknown };
    if (typeof raw.p === 'string' && Number.isInteger(raw.s) && (raw.s as number) >= 0) return { path: raw.p, skip: raw.s as number };
  } catch {
    // fall through to the typed error
  }
  throw badInput('not a cursor this gateway issued', argument);
}
