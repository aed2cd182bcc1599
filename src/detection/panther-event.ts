// How a Panther rule sees an event (panther_core PantherEvent / ImmutableCaseInsensitiveDict) and how Python
// renders values, so the ported rule gives exactly what the Python rule gives (spec §1.2, §1.3, §7).

export type JsonObject = { [key: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `event.get(key)`: the exact key first, then the first key (in the event's order) whose lower-case form
 * matches. `undefined` only when absent; a key present with JSON null gives `null` (Python None).
 */
export function pyGet(obj: JsonObject, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/**
 * `event.deep_get(*keys, default=None)`: walks the keys; a non-object on the way, an absent key or a null
 * final value all give `fallback`.
 */
export function deepGet(obj: unknown, keys: readonly string[], fallback: unknown = null): unknown {
  let cur: unknown = obj;
  for (const k of keys) {
    if (!isObject(cur)) return fallback;
    cur = pyGet(cur, k);
    if (cur === undefined) return fallback;
  }
  return cur === null ? fallback : cur;
}

/** Python truthiness of a JSON value: None, "", 0, False, [] and {} are falsy. */
export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === '' || v === 0) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

/** Python `repr()` of a string: single quotes unless the text holds ' and no ". */
export function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/**
 * Python number rendering. JSON.parse loses int vs float (`1.0` arrives as 1), so whole numbers render as
 * ints; other numbers follow Python's float repr (exponent form from 1e16, `e-05` below 1e-4).
 */
function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e16 || abs < 1e-4) {
    const [mant, exp] = n.toExponential().split('e') as [string, string];
    const sign = exp.startsWith('-') ? '-' : '+';
    const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  return String(n);
}

/** Python `repr()` of a JSON value (lists as lists, objects as dicts). */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return pyReprString(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isObject(v)) return `{${Object.entries(v).map(([k, x]) => `${pyReprString(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return pyStr(v);
}

/** Python `str()` as an f-string applies it: None, True/False, strings as they are, containers as repr. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

/** Python's name for the type of a JSON value, for error messages that read like the Python ones. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'ImmutableList';
  return 'ImmutableCaseInsensitiveDict';
}
