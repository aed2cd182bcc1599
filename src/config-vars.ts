// The parsers every configuration variable goes through: each reads one variable, treats the empty string
// as unset, and throws a ConfigError naming the variable when the value is wrong. src/config.ts uses them to
// assemble the whole configuration (environment and SECGRAPH_CONFIG file) in one place.

/** A setting that was accepted but adjusted (as the reference does): logged as a warning at start. */
export interface ConfigWarning {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/** Reads an optional variable, treating the empty string as unset. */
export function envValue(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

export function parseIntVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = envValue(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function parseBoolVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = envValue(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

export function parseEnumVar<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = envValue(env, name);
  if (raw === undefined) return fallback;
  const hit = values.find((v) => v.toLowerCase() === raw.toLowerCase());
  if (!hit) throw new ConfigError(name, `must be one of ${values.join(', ')}, got "${raw}"`);
  return hit;
}

export function parseNumberVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = envValue(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new ConfigError(name, `expected a number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function parseUrlVar(env: Env, name: string): string | undefined {
  const raw = envValue(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a valid URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, got "${url.protocol}"`);
  }
  return raw.replace(/\/+$/, '');
}

/** The trimmed, non-empty items of a comma-separated variable (none when unset). */
export function listItems(env: Env, name: string): string[] {
  return (envValue(env, name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90` (seconds), `30s`, `1m`, `1m30s`, `2h`, `500ms` → milliseconds. */
export function parseDurationVar(env: Env, name: string, fallbackMs: number, minMs: number, maxMs: number): number {
  const raw = envValue(env, name)?.toLowerCase().replace(/\s+/g, '');
  if (raw === undefined) return fallbackMs;
  let ms: number;
  if (/^\d+$/.test(raw)) ms = Number(raw) * 1000;
  else if (/^(\d+(ms|s|m|h|d))+$/.test(raw)) {
    ms = 0;
    for (const [, n, unit] of raw.matchAll(/(\d+)(ms|s|m|h|d)/g)) ms += Number(n) * DURATION_UNITS_MS[unit!]!;
  } else throw new ConfigError(name, `expected a duration such as 90, 30s, 1m or 1h, got "${raw}"`);
  if (ms < minMs || ms > maxMs) throw new ConfigError(name, `must be between ${minMs} ms and ${maxMs} ms, got ${ms} ms`);
  return ms;
}

/** A whole number clamped into min..max with a warning, as the reference's validate_limit; negative is an error. */
export function parseClampedIntVar(env: Env, name: string, fallback: number, min: number, max: number, warnings: ConfigWarning[]): number {
  const raw = envValue(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number that is not negative, got "${raw}"`);
  const n = Number(raw);
  const clamped = Math.min(max, Math.max(min, n));
  if (clamped !== n) warnings.push({ variable: name, message: `${n} is outside ${min}..${max}: using ${clamped}` });
  return clamped;
}

/** A comma-separated list whose items must each be one of `values` (case-insensitive), via `aliases` too. */
export function parseListVar<T extends string>(env: Env, name: string, values: readonly T[], aliases: Record<string, T> = {}): T[] {
  return listItems(env, name).map((item) => {
      const key = item.toUpperCase().replace(/[\s-]+/g, '_');
      const hit = values.find((v) => v === key) ?? aliases[item.toLowerCase()];
      if (!hit) throw new ConfigError(name, `unknown value "${item}" (one of ${values.join(', ')})`);
      return hit;
    });
}
