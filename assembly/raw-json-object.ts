// AssemblyScript (compiled by `npm run build:wasm` to src/ingest/raw-json-object.wasm, which is committed):
// checks one JSON object on its raw UTF-8 bytes exactly as JSON.parse's grammar does, with the probed facts
// of src/ingest/raw-json-object.ts, which loads it, writes the probe and the bytes into its memory, and says
// why decoding cannot change the answer. Strings, the bulk of CloudTrail, are skipped 16 bytes at a time
// (SIMD). The eventTime check stays in TypeScript: check() leaves the time string's span in timeStart and
// timeEnd.

export const NEEDS_PARSE: i32 = -1;
export const INCOMPLETE: i32 = -2;

const MAX_DEPTH: i32 = 64;
const MAX_KEYS: i32 = 32;

// The probe, written by TypeScript (layout in raw-json-object.ts): counts, key indices, then per key and per
// excluded value a (u16 offset into PROBE, u8 length) entry, then the bytes themselves.
const PROBE: usize = memory.data(4096, 16);
const STACK: usize = memory.data(MAX_DEPTH, 16);
const STOP: usize = memory.data(256, 16);

export function probeAddress(): usize {
  return PROBE;
}

/** Where TypeScript writes the bytes to check. */
export function inputAddress(): usize {
  return (__heap_base + 15) & ~15;
}

export let timeStart: i32 = -1;
export let timeEnd: i32 = -1;

export function init(): void {
  for (let c = 0; c < 0x20; c++) store<u8>(STOP + c, 1);
  store<u8>(STOP + 0x22, 1);
  store<u8>(STOP + 0x5c, 1);
}

@inline function keyCount(): i32 {
  return load<u8>(PROBE);
}
@inline function requiredCount(): i32 {
  return load<u8>(PROBE, 1);
}
@inline function timeKey(): i32 {
  return load<i8>(PROBE, 2);
}
@inline function parentKey(): i32 {
  return load<i8>(PROBE, 3);
}
@inline function valueKey(): i32 {
  return load<i8>(PROBE, 4);
}
@inline function excludedCount(): i32 {
  return load<u8>(PROBE, 5);
}
/** Entry k of the key table (k < MAX_KEYS) or of the excluded values (MAX_KEYS + j); MAX_KEYS * 2: the nested key. */
@inline function entryOffset(k: i32): usize {
  return PROBE + <usize>load<u16>(PROBE + 16 + (<usize>k << 2));
}
@inline function entryLength(k: i32): i32 {
  return load<u8>(PROBE + 16 + (<usize>k << 2), 2);
}

function equalBytes(a: usize, b: usize, len: i32): bool {
  for (let j = 0; j < len; j++) if (load<u8>(a + j) != load<u8>(b + j)) return false;
  return true;
}

function probedKey(s: usize, e: usize): i32 {
  const len = <i32>(e - s);
  const n = keyCount();
  for (let k = 0; k < n; k++) {
    if (entryLength(k) == len && equalBytes(entryOffset(k), s, len)) return k;
  }
  return -1;
}

function isExcluded(s: usize, e: usize): bool {
  const len = <i32>(e - s);
  const n = excludedCount();
  for (let j = 0; j < n; j++) {
    if (entryLength(MAX_KEYS + j) == len && equalBytes(entryOffset(MAX_KEYS + j), s, len)) return true;
  }
  return false;
}

/** Equal to the (lower-case ASCII) nested key ignoring the case of A-Z (see raw-json-object.ts). */
function isNestedKey(s: usize, e: usize): bool {
  const len = <i32>(e - s);
  if (entryLength(MAX_KEYS * 2) != len) return false;
  const key = entryOffset(MAX_KEYS * 2);
  for (let j = 0; j < len; j++) {
    let c = <u32>load<u8>(s + j);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c != <u32>load<u8>(key + j)) return false;
  }
  return true;
}

/** The first quote, backslash or control byte at or after i, or limit. */
@inline function stringStop(i: usize, limit: usize): usize {
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  const space = i8x16.splat(0x20);
  while (i + 16 <= limit) {
    const v = v128.load(i);
    const bits = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)), i8x16.lt_u(v, space)));
    if (bits != 0) return i + <usize>ctz(bits);
    i += 16;
  }
  while (i < limit && load<u8>(STOP + <usize>load<u8>(i)) == 0) i++;
  return i;
}

@inline function isWs(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}
@inline function isDigit(c: u32): bool {
  return c - 0x30 <= 9;
}

/** End of a number at i (JSON's grammar), NEEDS_PARSE, or INCOMPLETE when it may go on. */
function numberEnd(i: usize, limit: usize): isize {
  if (load<u8>(i) == 0x2d) i++;
  if (i >= limit) return INCOMPLETE;
  let c = <u32>load<u8>(i);
  if (c == 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) {
    i++;
    while (i < limit && isDigit(load<u8>(i))) i++;
  } else return NEEDS_PARSE;
  if (i >= limit) return INCOMPLETE;
  if (load<u8>(i) == 0x2e) {
    i++;
    if (i >= limit) return INCOMPLETE;
    if (!isDigit(load<u8>(i))) return NEEDS_PARSE;
    while (i < limit && isDigit(load<u8>(i))) i++;
    if (i >= limit) return INCOMPLETE;
  }
  c = load<u8>(i);
  if (c == 0x65 || c == 0x45) {
    i++;
    if (i >= limit) return INCOMPLETE;
    c = load<u8>(i);
    if (c == 0x2b || c == 0x2d) i++;
    if (i >= limit) return INCOMPLETE;
    if (!isDigit(load<u8>(i))) return NEEDS_PARSE;
    while (i < limit && isDigit(load<u8>(i))) i++;
    if (i >= limit) return INCOMPLETE;
  }
  return <isize>i;
}

/** End of `true`, `false` or `null` at i, NEEDS_PARSE, or INCOMPLETE. */
function literalEnd(i: usize, limit: usize): isize {
  const c = load<u8>(i);
  const len: usize = c == 0x66 ? 5 : 4;
  if (i + len > limit) return INCOMPLETE;
  if (c == 0x74) return load<u8>(i, 1) == 0x72 && load<u8>(i, 2) == 0x75 && load<u8>(i, 3) == 0x65 ? <isize>(i + 4) : NEEDS_PARSE;
  if (c == 0x6e) return load<u8>(i, 1) == 0x75 && load<u8>(i, 2) == 0x6c && load<u8>(i, 3) == 0x6c ? <isize>(i + 4) : NEEDS_PARSE;
  return load<u8>(i, 1) == 0x61 && load<u8>(i, 2) == 0x6c && load<u8>(i, 3) == 0x73 && load<u8>(i, 4) == 0x65 ? <isize>(i + 5) : NEEDS_PARSE;
}

const VALUE = 0;
const AFTER_VALUE = 1;
const KEY = 2;
const KEY_OR_CLOSE = 3;
const VALUE_OR_CLOSE = 4;

/**
 * The object whose `{` is at input + start, read no further than input + limit: the offset just after its
 * `}` when JSON.parse would accept it and every probed fact but the time holds (timeStart/timeEnd: the
 * last eventTime string, or -1), else NEEDS_PARSE or INCOMPLETE.
 */
export function check(start: i32, limit: i32): i32 {
  const base = inputAddress();
  const lim = base + <usize>limit;
  let i = base + <usize>start + 1;
  let depth = 1;
  store<u8>(STACK, 1);
  let state = KEY_OR_CLOSE;
  let present: u32 = 0;
  let key = -1;
  let tStart: isize = -1;
  let tEnd: isize = -1;
  let parentDepth = 0;
  let nestedValue = false;
  let excluded = false;
  while (true) {
    if (i >= lim) return INCOMPLETE;
    let c = <u32>load<u8>(i);
    if (c <= 0x20) {
      while (i < lim && isWs(load<u8>(i))) i++;
      if (i >= lim) return INCOMPLETE;
      c = load<u8>(i);
    }
    if (state == KEY_OR_CLOSE || state == KEY) {
      if (c != 0x22) {
        if (c == 0x7d && state == KEY_OR_CLOSE) {
          depth--;
          if (depth == parentDepth - 1) parentDepth = 0;
          i++;
          if (depth == 0) break;
          state = AFTER_VALUE;
          continue;
        }
        return NEEDS_PARSE;
      }
      const s = ++i;
      i = stringStop(i, lim);
      if (i >= lim) return INCOMPLETE;
      if (load<u8>(i) != 0x22) return NEEDS_PARSE;
      if (depth == 1) key = probedKey(s, i);
      else if (depth == parentDepth) nestedValue = isNestedKey(s, i);
      i++;
      if (i < lim && load<u8>(i) <= 0x20) while (i < lim && isWs(load<u8>(i))) i++;
      if (i >= lim) return INCOMPLETE;
      if (load<u8>(i) != 0x3a) return NEEDS_PARSE;
      i++;
      state = VALUE;
      continue;
    }
    if (state == AFTER_VALUE) {
      const inObject = load<u8>(STACK + <usize>(depth - 1)) == 1;
      if (c == 0x2c) {
        i++;
        state = inObject ? KEY : VALUE;
        continue;
      }
      if (c != (inObject ? 0x7d : 0x5d)) return NEEDS_PARSE;
      depth--;
      if (depth == parentDepth - 1) parentDepth = 0;
      i++;
      if (depth == 0) break;
      continue;
    }
    if (state == VALUE_OR_CLOSE && c == 0x5d) {
      depth--;
      i++;
      state = AFTER_VALUE;
      continue;
    }
    // A value.
    if (nestedValue) {
      if (c != 0x22 && c != 0x6e) return NEEDS_PARSE;
      nestedValue = false;
    }
    const topKey = depth == 1 ? key : -1;
    if (topKey >= 0) {
      if (topKey >= requiredCount()) return NEEDS_PARSE;
      if (c == 0x6e) present &= ~(<u32>1 << topKey);
      else present |= <u32>1 << topKey;
      if (topKey == timeKey()) tStart = -1;
      if (topKey == valueKey()) excluded = false;
      key = -1;
    }
    if (c == 0x22) {
      const s = ++i;
      i = stringStop(i, lim);
      if (i >= lim) return INCOMPLETE;
      if (load<u8>(i) != 0x22) return NEEDS_PARSE;
      if (topKey >= 0) {
        if (topKey == timeKey()) {
          tStart = <isize>(s - base);
          tEnd = <isize>(i - base);
        } else if (topKey == valueKey()) excluded = isExcluded(s, i);
      }
      i++;
      state = AFTER_VALUE;
    } else if (c == 0x7b) {
      if (depth == MAX_DEPTH) return NEEDS_PARSE;
      if (topKey >= 0 && topKey == parentKey()) parentDepth = depth + 1;
      store<u8>(STACK + <usize>depth, 1);
      depth++;
      i++;
      state = KEY_OR_CLOSE;
    } else if (c == 0x5b) {
      if (depth == MAX_DEPTH) return NEEDS_PARSE;
      store<u8>(STACK + <usize>depth, 0);
      depth++;
      i++;
      state = VALUE_OR_CLOSE;
    } else {
      let end: isize = NEEDS_PARSE;
      if (c == 0x74 || c == 0x66 || c == 0x6e) end = literalEnd(i, lim);
      else if (c == 0x2d || isDigit(c)) end = numberEnd(i, lim);
      if (end < 0) return <i32>end;
      i = <usize>end;
      state = AFTER_VALUE;
    }
  }
  const all: u32 = (<u32>1 << requiredCount()) - 1;
  if (present != all || excluded) return NEEDS_PARSE;
  timeStart = <i32>tStart;
  timeEnd = <i32>tEnd;
  return <i32>(i - base);
}
