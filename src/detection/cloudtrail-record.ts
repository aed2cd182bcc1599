// Which values are CloudTrail records Panther's AWS.CloudTrail parser would accept (spec §4.1): an object
// with the schema's required fields, and an eventTime the alerting clock can read.
import { parseEventTime } from './event-time.js';
import { isObject, type JsonObject } from './panther-event.js';

export const REQUIRED_FIELDS = [
  'awsRegion',
  'eventID',
  'eventName',
  'eventSource',
  'eventTime',
  'eventType',
  'eventVersion',
  'sourceIPAddress',
  'userIdentity',
] as const;

export type RecordCheck = { ok: true; record: JsonObject; eventTimeMs: number } | { ok: false; reason: string };

export function checkCloudTrailRecord(value: unknown): RecordCheck {
  if (!isObject(value)) return { ok: false, reason: `not a JSON object (${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value})` };
  const missing = REQUIRED_FIELDS.filter((f) => value[f] === undefined || value[f] === null);
  if (missing.length) return { ok: false, reason: `missing required field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` };
  const eventTimeMs = parseEventTime(value['eventTime']);
  if (eventTimeMs === null) return { ok: false, reason: `eventTime ${JSON.stringify(value['eventTime']).slice(0, 60)} is not a timestamp` };
  return { ok: true, record: value, eventTimeMs };
}
