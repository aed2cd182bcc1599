// Which CloudTrail records the SAML rule can be settled for on their raw bytes, without JSON.parse: those
// that full evaluation would accept (valid JSON, required fields, a readable eventTime) and on which rule()
// can neither return True nor raise. The byte checks themselves are in src/ingest/raw-json-object.ts (a
// WebAssembly module); this file says what they must establish for this rule, and why that is enough.
//
// rule() (saml-rule.ts) returns True only when event.get('eventName') is one of SAML_ACTIONS. eventName is a
// required field, so that get finds the exact key (pyGet tries it first) and JSON.parse keeps its last value:
// the record cannot match unless that value is one of those strings. With no backslash in the record (any
// backslash sends it to full evaluation, so no \u0053AMLProvider spelling gets by) and UTF-8 decoding never
// producing ASCII from non-ASCII bytes, the string's bytes are its text.
// rule() raises only when userIdentity.arn (looked up case-insensitively) is neither a string, null nor
// absent: every key of userIdentity that equals `arn` ignoring case must hold a string or null.
// ingestOne reads p_log_type with String(), which can throw for an object: a record naming it is evaluated.
import { RawObjectChecker } from '../ingest/raw-json-object.js';
import type { RawPrefilter } from '../ingest/record-reader.js';
import { REQUIRED_FIELDS } from './cloudtrail-record.js';
import { SAML_ACTIONS } from './saml-rule.js';

const digit = (b: Uint8Array, i: number) => {
  const c = b[i]! - 0x30;
  return c >= 0 && c <= 9 ? c : -1;
};
const two = (b: Uint8Array, i: number) => {
  const h = digit(b, i);
  const l = digit(b, i + 1);
  return h < 0 || l < 0 ? -1 : h * 10 + l;
};
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `YYYY-MM-DDTHH:MM:SSZ` (how CloudTrail writes eventTime) naming a real instant, year 1000 or later (Date.UTC
 * reads years 0-99 as 1900-1999): exactly the strings of that shape parseEventTime accepts. Any other
 * spelling, valid or not, is left to full evaluation.
 */
export function isPlainEventTime(b: Uint8Array, s: number, e: number): boolean {
  if (e - s !== 20 || b[s + 4] !== 0x2d || b[s + 7] !== 0x2d || b[s + 10] !== 0x54 || b[s + 13] !== 0x3a || b[s + 16] !== 0x3a || b[s + 19] !== 0x5a) return false;
  const hi = two(b, s);
  const lo = two(b, s + 2);
  const month = two(b, s + 5);
  const day = two(b, s + 8);
  const hour = two(b, s + 11);
  const minute = two(b, s + 14);
  const second = two(b, s + 17);
  if (hi < 10 || lo < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  const year = hi * 100 + lo;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : DAYS[month - 1]!);
}

/** What the raw path (record-reader.ts) may settle for the SAML rule without parsing; null without WebAssembly. */
export const SAML_RAW_PREFILTER: RawPrefilter | null = RawObjectChecker.create({
  required: REQUIRED_FIELDS,
  timeKey: 'eventTime',
  timeOk: isPlainEventTime,
  parentKey: 'userIdentity',
  nestedKey: 'arn',
  valueKey: 'eventName',
  excludedValues: SAML_ACTIONS,
  forbidden: ['p_log_type'],
});
