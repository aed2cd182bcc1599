// Authenticated connection cursors. A cursor tells the gateway where to go on (an upstream page path, a
// keyset position in the store), so a client must not be able to write one: every cursor the gateway hands
// out carries an HMAC-SHA256 tag over its payload AND the list it belongs to, made with the deployment's
// cursor key (every instance has the same one; see cursor-keys.ts). A cursor that was forged, altered, or
// issued for another list (another field, another STA list or tenant, another alert's comments) is refused
// with BAD_USER_INPUT before anything reaches an upstream or the store.
//
// Wire form: base64url(payload ‖ tag), the tag being the first 16 bytes of the HMAC (128 bits, as HMAC-SHA-256-128
// in RFC 4868: far beyond guessing online, and 22 characters instead of 43, so cursors stay short in URLs).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { badInput } from '../errors.js';

const TAG_BYTES = 16;

export class CursorSigner {
  /** `keys[0]` signs; every key verifies (the previous key during a rotation). */
  constructor(private readonly keys: readonly Buffer[]) {
    if (keys.length === 0) throw new Error('a cursor signer needs a key');
  }

  /**
   * A cursor for a position in `list`. `list` names the connection the cursor belongs to, with whatever
   * scopes it (`staUsers:<tenant>:<search>`, `comments:<alertId>`): a cursor is only accepted back for the same.
   */
  sign(list: string, payload: string): string {
    const body = Buffer.from(payload, 'utf8');
    return Buffer.concat([body, tag(this.keys[0]!, list, body)]).toString('base64url');
  }

  /** The payload of a cursor this deployment signed for `list`; BAD_USER_INPUT (naming `argument`) otherwise. */
  verify(list: string, cursor: string, argument = 'after'): string {
    const raw = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url') : null;
    if (raw && raw.length > TAG_BYTES) {
      const body = raw.subarray(0, raw.length - TAG_BYTES);
      const presented = raw.subarray(raw.length - TAG_BYTES);
      // Constant time per key; trying every key costs the same whichever one (if any) matches.
      let ok = false;
      for (const key of this.keys) ok = timingSafeEqual(tag(key, list, body), presented) || ok;
      if (ok) return body.toString('utf8');
    }
    throw badInput('not a cursor this gateway issued for this list', argument);
  }

  /** sign() for a JSON payload. */
  signJson(list: string, value: unknown): string {
    return this.sign(list, JSON.stringify(value));
  }

  /** verify() for a JSON payload: the parsed value (its shape is the caller's to check). */
  verifyJson(list: string, cursor: string, argument = 'after'): unknown {
    const payload = this.verify(list, cursor, argument);
    try {
      return JSON.parse(payload) as unknown;
    } catch {
      // Only a key holder could have signed it; still, never an untyped error.
      throw badInput('not a cursor this gateway issued', argument);
    }
  }
}

/** The tag binds the list name and the payload: length-prefixed, so no (list, payload) pair reads as another. */
function tag(key: Buffer, list: string, body: Buffer): Buffer {
  const name = Buffer.from(list, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return createHmac('sha256', key).update(length).update(name).update(body).digest().subarray(0, TAG_BYTES);
}
