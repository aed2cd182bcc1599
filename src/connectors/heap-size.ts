// What a cached value costs on V8's heap, estimated from its shape rather than its JSON length: the in-memory
// cache's cap (SECGRAPH_CACHE_MAX_MB) counts these bytes. JSON length undercounted a parsed incident page by
// about a tenth and, with the mapped copy kept beside it, by nearly half; with a cap that counted too little
// and V8's lazy old-space collection on top, the issue measured 350 MB of RSS growth at a 64 MB cap.
// Sizes are those of 64-bit V8 without pointer compression (Node's builds): an 8-byte tagged slot, strings of
// one byte a character (two when any character is past U+00FF), numbers outside the small-integer range boxed.
// Shared values (the same object reached twice) are counted each time: an overestimate, so the cap still holds.

const SLOT = 8;
const OBJECT_HEADER = 3 * SLOT; // map, properties, elements
const ARRAY_HEADER = 4 * SLOT + 2 * SLOT; // JSArray (with length) + its FixedArray's map and length
const STRING_HEADER = 2 * SLOT; // map, hash and length
const HEAP_NUMBER = 2 * SLOT;
const WIDE = /[^\u0000-\u00ff]/;

const align = (n: number) => (n + 7) & ~7;

function stringSize(s: string): number {
  return align(STRING_HEADER + (WIDE.test(s) ? 2 * s.length : s.length));
}

/** Bytes `value` holds on the heap, itself and everything it reaches (object keys excepted: they are shared). */
export function heapSize(value: unknown, depth = 0): number {
  switch (typeof value) {
    case 'string':
      return stringSize(value);
    case 'number':
      return Number.isInteger(value) && value >= -(2 ** 30) && value < 2 ** 30 ? 0 : HEAP_NUMBER;
    case 'object': {
      if (value === null) return 0;
      if (depth > 64) return 0; // no cached wire value nests this deep; a cycle stops here
      if (Array.isArray(value)) {
        let n = ARRAY_HEADER + SLOT * value.length;
        for (const item of value) n += heapSize(item, depth + 1);
        return n;
      }
      if (value instanceof Date) return OBJECT_HEADER + 2 * SLOT;
      let n = OBJECT_HEADER;
      for (const key in value) n += SLOT + heapSize((value as Record<string, unknown>)[key], depth + 1);
      return n;
    }
    case 'bigint':
      return HEAP_NUMBER;
    default:
      return 0; // booleans, undefined, symbols and functions (never cached)
  }
}
