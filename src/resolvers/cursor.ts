// Opaque connection cursors over upstream pages. A cursor names an upstream page (its path) and a position
// inside it, so it stays valid across requests however the client's `first` varies. The path goes upstream
// as is, so cursors are signed (src/security/cursor-signer.ts): a client cannot write one.
import type { CursorSigner } from '../security/cursor-signer.js';
import { badInput } from '../errors.js';

export interface PageCursor {
  /** Upstream path and query of the page. */
  path: string;
  /** How many items of that page come before the cursor's position. */
  skip: number;
  /** The STA instance (tenant) the list was read from, for lists that have one; a cursor is refused elsewhere. */
  tenant?: string;
}

/** A signed cursor of `list` (the connection it belongs to: `incidents`, `staAccessLogs`, …). */
export function encodeCursor(signer: CursorSigner, list: string, c: PageCursor): string {
  return signer.signJson(list, c.tenant === undefined ? { p: c.path, s: c.skip } : { p: c.path, s: c.skip, t: c.tenant });
}

export function decodeCursor(signer: CursorSigner, list: string, cursor: string, argument = 'after'): PageCursor {
  const raw = signer.verifyJson(list, cursor, argument) as { p?: unknown; s?: unknown; t?: unknown } | null;
  if (raw && typeof raw.p === 'string' && Number.isInteger(raw.s) && (raw.s as number) >= 0) {
    return typeof raw.t === 'string' ? { path: raw.p, skip: raw.s as number, tenant: raw.t } : { path: raw.p, skip: raw.s as number };
  }
  throw badInput('not a cursor this gateway issued', argument);
}

/** A cursor of an STA list: verified, and refused unless it was issued for the same tenant. */
export function decodeTenantCursor(signer: CursorSigner, list: string, cursor: string, tenant: string, argument = 'after'): PageCursor {
  const c = decodeCursor(signer, list, cursor, argument);
  if ((c.tenant ?? '') !== tenant) throw badInput('this cursor belongs to another STA instance', argument);
  return c;
}
