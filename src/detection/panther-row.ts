// What Panther's log processor adds to a CloudTrail record before rules see it (spec §4.2): p_log_type,
// p_event_time, p_parse_time and the p_any_* indicators. Fields the record already carries (a row exported
// from Panther) are kept as they are.
import { computeIndicators, INDICATOR_FIELDS } from './cloudtrail-indicators.js';
import { formatPantherTime, parseEventTime } from './event-time.js';
import type { JsonObject } from './panther-event.js';

export const CLOUDTRAIL_LOG_TYPE = 'AWS.CloudTrail';

export function toPantherRow(record: JsonObject, parseTimeMs: number): JsonObject {
  const row: JsonObject = { ...record };
  const eventMs = parseEventTime(record['eventTime']);
  row['p_log_type'] ??= CLOUDTRAIL_LOG_TYPE;
  // No timestamp: Panther uses the parse time.
  row['p_event_time'] ??= formatPantherTime(eventMs ?? parseTimeMs);
  row['p_parse_time'] ??= formatPantherTime(parseTimeMs);
  const indicators = computeIndicators(record);
  for (const [field, name] of INDICATOR_FIELDS) {
    if (row[field] === undefined && indicators[name].length > 0) row[field] = indicators[name];
  }
  return row;
}
