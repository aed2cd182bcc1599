// Checks one JSON object on its raw UTF-8 bytes, without building it: the grammar JSON.parse enforces
// (strings, numbers, literals, nesting, its four whitespace bytes) plus a few facts a rule prefilter asks
// about named keys. A JS validator that builds nothing and reads each byte once is cheaper than JSON.parse,
// which allocates every string and object (README "Performance").
//
// Only what it can decide exactly is answered: a backslash anywhere, nesting past MAX_DEPTH or a probed fact
// that does not hold gives NEEDS_PARSE, and the caller evaluates the record in full. Decoding cannot change
// the answer: UTF-8 decoding turns every non-ASCII byte sequence into non-ASCII characters (U+FFFD for
// invalid ones) and never swallows or invents an ASCII byte, and JSON's grammar is all ASCII, so the bytes
// are valid JSON exactly when the decoded text is.

/** The object is not valid JSON, or is not something this check decides: evaluate it in full. */
export const NEEDS_PARSE = -1;
/** The bytes end before the object does. */
export const INCOMPLETE = -2;

const MAX_DEPTH = 64;

/** What to establish about an object's keys, compiled from key names (see compileProbe). */
export interface RawObjectProbe {
  /** Top-level keys whose last value (JSON.parse keeps the last of duplicates) must be neither absent nor null, then the forbidden ones. */
  readonly required: readonly Uint8Array[];
  readonly requiredCount: number;
  /** Index in `required` of the key whose last value must be a string that `timeOk` accepts. */
  readonly timeKey: number;
  readonly timeOk: (bytes: Uint8Array, start: number, end: number) => boolean;
  /** Index in `required` of the key whose object value is searched for `nestedKey`. */
  readonly parentKey: number;
  /** Lower-case ASCII: inside parentKey's object, a key equal to it ignoring ASCII case must hold a string or null. */
  readonly nestedKey: Uint8Array;
  /** Index in `required` of the key whose last value must not be a string equal to one of `excludedValues`. */
  readonly valueKey: number;
  readonly excludedValues: readonly Uint8Array[];
  /** Top-level keys that must not appear at all. */
  readonly forbidden: readonly Uint8Array[];
}

export function compileProbe(p: {
  required: readonly string[];
  timeKey: string;
  timeOk: RawObjectProbe['timeOk'];
  parentKey: string;
  nestedKey: string;
  valueKey: string;
  excludedValues: readonly string[];
  forbidden: readonly string[];
}): RawObjectProbe {
  const enc = new TextEncoder();
  if (p.required.length + p.forbidden.length > 30) throw new Error('at most 30 probed keys');
  // See isNestedKey: its ASCII case folding is exact for letters other than k.
  if (!/^[a-jl-z]+$/i.test(p.nestedKey)) throw new Error(`nested key ${p.nestedKey}: ASCII letters other than k only`);
  const keys = [...p.required, ...p.forbidden];
  return {
    // Forbidden keys follow the required ones: an index past required.length is a forbidden key.
    required: keys.map((k) => enc.encode(k)),
    requiredCount: p.required.length,
    valueKey: p.required.indexOf(p.valueKey),
    excludedValues: p.excludedValues.map((v) => enc.encode(v)),
    forbidden: p.forbidden.map((k) => enc.encode(k)),
    timeKey: p.required.indexOf(p.timeKey),
    timeOk: p.timeOk,
    parentKey: p.required.indexOf(p.parentKey),
    nestedKey: enc.encode(p.nestedKey.toLowerCase()),
  };
}

// Bytes that end the fast loop inside a string: the quote, a backslash, and the control bytes JSON forbids.
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[0x22] = 1;
STRING_STOP[0x5c] = 1;

/** The first quote, backslash or control byte at or after i, or limit. Four at a time: about 12% faster. */
function stringStop(b: Uint8Array, i: number, limit: number): number {
  const T = STRING_STOP;
  while (i + 4 <= limit && (T[b[i]!]! | T[b[i + 1]!]! | T[b[i + 2]!]! | T[b[i + 3]!]!) === 0) i += 4;
  while (i < limit && T[b[i]!] === 0) i++;
  return i;
}

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Index of the probed key equal to bytes [s, e), or -1. */
function probedKey(probe: RawObjectProbe, b: Uint8Array, s: number, e: number): number {
  const keys = probe.required;
  const len = e - s;
  outer: for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    if (key.length !== len) continue;
    for (let j = 0; j < len; j++) if (b[s + j] !== key[j]) continue outer;
    return k;
  }
  return -1;
}

function isOneOf(values: readonly Uint8Array[], b: Uint8Array, s: number, e: number): boolean {
  const len = e - s;
  outer: for (const v of values) {
    if (v.length !== len) continue;
    for (let j = 0; j < len; j++) if (b[s + j] !== v[j]) continue outer;
    return true;
  }
  return false;
}

function isNestedKey(probe: RawObjectProbe, b: Uint8Array, s: number, e: number): boolean {
  const key = probe.nestedKey;
  if (e - s !== key.length) return false;
  // Lower-cases A-Z only; no other character lower-cases to an ASCII letter but U+212A (KELVIN SIGN, to
  // `k`), so for a key of letters other than k this is exactly String.prototype.toLowerCase's equality.
  for (let j = 0; j < key.length; j++) {
    const c = b[s + j]!;
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== key[j]) return false;
  }
  return true;
}

/** End of a number starting at i (JSON's grammar), NEEDS_PARSE, or INCOMPLETE when it may go on. */
function numberEnd(b: Uint8Array, i: number, limit: number): number {
  if (b[i] === 0x2d) i++;
  if (i >= limit) return INCOMPLETE;
  let c = b[i]!;
  if (c === 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) {
    i++;
    while (i < limit && isDigit(b[i]!)) i++;
  } else return NEEDS_PARSE;
  if (i >= limit) return INCOMPLETE;
  if (b[i] === 0x2e) {
    i++;
    if (i >= limit) return INCOMPLETE;
    if (!isDigit(b[i]!)) return NEEDS_PARSE;
    while (i < limit && isDigit(b[i]!)) i++;
    if (i >= limit) return INCOMPLETE;
  }
  c = b[i]!;
  if (c === 0x65 || c === 0x45) {
    i++;
    if (i >= limit) return INCOMPLETE;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (i >= limit) return INCOMPLETE;
    if (!isDigit(b[i]!)) return NEEDS_PARSE;
    while (i < limit && isDigit(b[i]!)) i++;
    if (i >= limit) return INCOMPLETE;
  }
  return i;
}

/** End of `true`, `false` or `null` at i, NEEDS_PARSE, or INCOMPLETE. */
function literalEnd(b: Uint8Array, i: number, limit: number): number {
  const c = b[i];
  const len = c === 0x66 ? 5 : 4;
  if (i + len > limit) return INCOMPLETE;
  if (c === 0x74) return b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65 ? i + 4 : NEEDS_PARSE;
  if (c === 0x6e) return b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c ? i + 4 : NEEDS_PARSE;
  return b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65 ? i + 5 : NEEDS_PARSE;
}

// Parser states.
const VALUE = 0; // a value comes next
const AFTER_VALUE = 1; // `,` or the container's close comes next
const KEY = 2; // a key string comes next
const KEY_OR_CLOSE = 3; // just after `{`
const VALUE_OR_CLOSE = 4; // just after `[`

const stack = new Uint8Array(MAX_DEPTH); // 1: object, 0: array

/**
 * Checks the object whose `{` is at b[start], reading no further than `limit`. Returns the index just after
 * its closing `}` when JSON.parse would accept its text and every probed fact holds; NEEDS_PARSE or INCOMPLETE
 * otherwise.
 */
export function checkRawObject(b: Uint8Array, start: number, limit: number, probe: RawObjectProbe): number {
  let i = start + 1;
  let depth = 1;
  stack[0] = 1;
  let state = KEY_OR_CLOSE;
  let present = 0; // bit k: the last value of required[k] so far is not null
  let key = -1; // the probed top-level key whose value comes next
  let timeStart = -1;
  let timeEnd = -1;
  let parentDepth = 0; // depth of the parent key's object while it is open
  let nestedValue = false; // the next value is the nested key's
  let excluded = false; // the last value of the value key is an excluded string
  for (;;) {
    if (i >= limit) return INCOMPLETE;
    let c = b[i]!;
    if (c <= 0x20) {
      while (i < limit && isWs(b[i]!)) i++;
      if (i >= limit) return INCOMPLETE;
      c = b[i]!;
    }
    switch (state) {
      case KEY_OR_CLOSE:
      case KEY: {
        if (c !== 0x22) {
          if (c === 0x7d && state === KEY_OR_CLOSE) {
            depth--;
            if (depth === parentDepth - 1) parentDepth = 0;
            i++;
            if (depth === 0) break;
            state = AFTER_VALUE;
            continue;
          }
          return NEEDS_PARSE;
        }
        const s = ++i;
        i = stringStop(b, i, limit);
        if (i >= limit) return INCOMPLETE;
        if (b[i] !== 0x22) return NEEDS_PARSE; // a backslash or a control byte
        if (depth === 1) key = probedKey(probe, b, s, i);
        else if (depth === parentDepth) nestedValue = isNestedKey(probe, b, s, i);
        i++;
        if (i < limit && b[i]! <= 0x20) while (i < limit && isWs(b[i]!)) i++;
        if (i >= limit) return INCOMPLETE;
        if (b[i] !== 0x3a) return NEEDS_PARSE;
        i++;
        state = VALUE;
        continue;
      }
      case VALUE_OR_CLOSE:
        if (c === 0x5d) {
          depth--;
          i++;
          state = AFTER_VALUE;
          continue;
        }
      // falls through: a value
      case VALUE: {
        if (nestedValue) {
          // A nested key of another type (a number, a list…) makes the rule raise: evaluate in full.
          if (c !== 0x22 && c !== 0x6e) return NEEDS_PARSE;
          nestedValue = false;
        }
        const topKey = depth === 1 ? key : -1;
        if (topKey >= 0) {
          if (topKey >= probe.requiredCount) return NEEDS_PARSE; // a forbidden key
          if (c === 0x6e) present &= ~(1 << topKey);
          else present |= 1 << topKey;
          if (topKey === probe.timeKey) timeStart = -1;
          if (topKey === probe.valueKey) excluded = false;
          key = -1;
        }
        if (c === 0x22) {
          const s = ++i;
          i = stringStop(b, i, limit);
          if (i >= limit) return INCOMPLETE;
          if (b[i] !== 0x22) return NEEDS_PARSE;
          if (topKey >= 0) {
            if (topKey === probe.timeKey) {
              timeStart = s;
              timeEnd = i;
            } else if (topKey === probe.valueKey) excluded = isOneOf(probe.excludedValues, b, s, i);
          }
          i++;
          state = AFTER_VALUE;
        } else if (c === 0x7b) {
          if (depth === MAX_DEPTH) return NEEDS_PARSE;
          if (topKey >= 0 && topKey === probe.parentKey) parentDepth = depth + 1;
          stack[depth++] = 1;
          i++;
          state = KEY_OR_CLOSE;
        } else if (c === 0x5b) {
          if (depth === MAX_DEPTH) return NEEDS_PARSE;
          stack[depth++] = 0;
          i++;
          state = VALUE_OR_CLOSE;
        } else {
          const end = c === 0x74 || c === 0x66 || c === 0x6e ? literalEnd(b, i, limit) : c === 0x2d || isDigit(c) ? numberEnd(b, i, limit) : NEEDS_PARSE;
          if (end < 0) return end;
          i = end;
          state = AFTER_VALUE;
        }
        continue;
      }
      case AFTER_VALUE: {
        const inObject = stack[depth - 1] === 1;
        if (c === 0x2c) {
          i++;
          state = inObject ? KEY : VALUE;
          continue;
        }
        if (c !== (inObject ? 0x7d : 0x5d)) return NEEDS_PARSE;
        depth--;
        if (depth === parentDepth - 1) parentDepth = 0;
        i++;
        if (depth === 0) break;
        continue;
      }
    }
    break; // the top-level object closed
  }
  if (present !== (1 << probe.requiredCount) - 1 || excluded) return NEEDS_PARSE;
  if (probe.timeKey >= 0 && (timeStart < 0 || !probe.timeOk(b, timeStart, timeEnd))) return NEEDS_PARSE;
  return i;
}
