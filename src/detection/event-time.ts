// CloudTrail eventTime in the three forms the spec lists (§5): RFC 3339 as AWS writes it
// (`2024-06-02T19:41:40Z`), Panther's normalised `2024-06-02 19:41:40.000000000`, and the bare
// `2021-10-14 21:25:20` of rule test fixtures. All are UTC unless an offset is given.

const EVENT_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Epoch milliseconds, or null when the value is not a timestamp in one of the accepted forms. */
export function parseEventTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = EVENT_TIME.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number((frac ?? '').padEnd(3, '0').slice(0, 3)));
  // Date.UTC rolls 2024-02-30 over to March: reject dates that do not exist.
  const check = new Date(ms);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return null;
  }
  if (!zone || zone.toUpperCase() === 'Z') return ms;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return ms - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/** Panther's timestamp rendering, `YYYY-MM-DD HH:MM:SS.fffffffff` (nanoseconds), as in p_event_time. */
export function formatPantherTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString(); // 2024-06-02T19:41:40.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${iso.slice(20, 23)}000000`;
}
