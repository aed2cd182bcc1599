// The logic of Panther's aws_saml_activity.py and of the engine around it (spec §1, §3.4, §3.5), ported
// function by function. Python exceptions become PythonError so callers can tell a rule error from a miss.
import type { Indicators } from './cloudtrail-indicators.js';
import { INDICATOR_FIELDS, computeIndicators } from './cloudtrail-indicators.js';
import { deepGet, isObject, pyGet, pyRepr, pyReprString, pyStr, pyTruthy, pyTypeName, type JsonObject } from './panther-event.js';
import type { RuleSpec } from './rule-spec.js';

export const SSO_SERVICE_ROLE_SUFFIX = ':assumed-role/AWSServiceRoleForSSO/AWS-SSO';
export const SAML_ACTIONS = ['UpdateSAMLProvider', 'CreateSAMLProvider', 'DeleteSAMLProvider'] as const;

/** panther_core MAX_GENERATED_FIELD_SIZE and its suffix. */
export const MAX_GENERATED_FIELD_SIZE = 1000;
const TRUNCATED_SUFFIX = '... (truncated)';
/** panther_core MAX_ALERT_CONTEXT_SIZE (characters of the JSON). */
export const MAX_ALERT_CONTEXT_SIZE = 200 * 1024;
export const ALERT_CONTEXT_ERROR_KEY = '_error';

/** An exception the Python rule would raise, named as Python names it. */
export class PythonError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
    this.name = pyType;
  }
  /** Python's repr(exc), which Panther stores as the alert context on errors. */
  get repr(): string {
    return `${this.pyType}(${pyReprString(this.message)})`;
  }
}

const attributeError = (v: unknown, attr: string) =>
  new PythonError('AttributeError', `'${pyTypeName(v)}' object has no attribute '${attr}'`);

// ---- the rule file ----

export function rule(event: JsonObject): boolean {
  const arn = deepGet(event, ['userIdentity', 'arn'], '');
  // `.endswith` on a number, bool, list or dict raises: a rule error, not a miss.
  if (typeof arn !== 'string') throw attributeError(arn, 'endswith');
  if (arn.endsWith(SSO_SERVICE_ROLE_SUFFIX)) return false;
  if (pyTruthy(pyGet(event, 'errorCode'))) return false;
  const eventName = pyGet(event, 'eventName');
  return pyGet(event, 'eventSource') === 'iam.amazonaws.com' && (SAML_ACTIONS as readonly unknown[]).includes(eventName);
}

export function title(event: JsonObject): string {
  const arn = deepGet(event, ['userIdentity', 'arn']);
  return `[${pyStr(arn)}] performed [${pyStr(pyGet(event, 'eventName'))}] in account [${pyStr(pyGet(event, 'recipientAccountId'))}]`;
}

/** `event.get(key, default)`: the default only when the key is absent, never for null. */
const getOr = (event: JsonObject, key: string, fallback: string) => {
  const v = pyGet(event, key);
  return v === undefined ? fallback : v;
};

/** panther_base_helpers.pantherflow_investigation(event, interval="30m"). */
export function pantherflowInvestigation(event: JsonObject, interval = '30m'): string {
  const logType = getOr(event, 'p_log_type', '');
  if (typeof logType !== 'string') throw attributeError(logType, 'lower');
  const timestamp = pyStr(getOr(event, 'p_event_time', ''));
  let query =
    `union panther_signals.public.correlation_signals\n    , panther_logs.public.${logType.toLowerCase().replaceAll('.', '_')}\n` +
    `| where p_event_time between time.parse_timestamp('${timestamp}') - time.parse_timespan('${interval}') .. ` +
    `time.parse_timestamp('${timestamp}') + time.parse_timespan('${interval}')\n`;
  let first = true;
  for (const [key, value] of Object.entries(event)) {
    if (!key.startsWith('p_any_') || key === 'p_any_aws_account_ids') continue;
    // `value.copy()`: lists and dicts have it, anything else raises.
    if (!Array.isArray(value) && !isObject(value)) throw attributeError(value, 'copy');
    query += `${first ? '| where' : '     or'} arrays.overlap(${key}, ${pyRepr(value)})\n`;
    first = false;
  }
  return `${query}| sort p_event_time`;
}

/** panther_aws_helpers.aws_rule_context, keys in this order (the eventSource default is upstream's). */
export function alertContext(event: JsonObject): JsonObject {
  return {
    eventName: getOr(event, 'eventName', '<MISSING_EVENT_NAME>'),
    eventSource: getOr(event, 'eventSource', '<MISSING_ACCOUNT_ID>'),
    awsRegion: getOr(event, 'awsRegion', '<MISSING_AWS_REGION>'),
    recipientAccountId: getOr(event, 'recipientAccountId', '<MISSING_ACCOUNT_ID>'),
    sourceIPAddress: getOr(event, 'sourceIPAddress', '<MISSING_SOURCE_IP>'),
    userAgent: getOr(event, 'userAgent', '<MISSING_USER_AGENT>'),
    userIdentity: getOr(event, 'userIdentity', '<MISSING_USER_IDENTITY>'),
    'PantherFlow Investigation': pantherflowInvestigation(event),
  };
}

// ---- the engine around it ----

export function truncateGenerated(s: string): string {
  return s.length > MAX_GENERATED_FIELD_SIZE ? s.slice(0, MAX_GENERATED_FIELD_SIZE - TRUNCATED_SUFFIX.length) + TRUNCATED_SUFFIX : s;
}

export interface FunctionError {
  function: 'rule' | 'title' | 'alert_context';
  type: string;
  message: string;
}

export interface RuleEvaluation {
  /** rule() returned True. */
  matched: boolean;
  /** rule() raised: a RULE_ERROR in production. */
  ruleError: FunctionError | null;
  /** title() or alert_context() raised: production falls back to defaults, `pat test` fails the test. */
  auxErrors: FunctionError[];
  /** Set for matches and rule errors (production values, with the engine's fallbacks). */
  title: string | null;
  dedupString: string | null;
  alertContext: JsonObject | null;
  /** The p_any_* of the event when it carries them, else what the CloudTrail parser would give it. */
  indicators: Indicators;
}

function asFunctionError(fn: FunctionError['function'], e: unknown): FunctionError {
  if (e instanceof PythonError) return { function: fn, type: e.pyType, message: e.message };
  throw e; // not a Python exception: a bug in the port, surfaced as such
}

/** Runs the rule as Panther's engine does: rule(), then title (dedup = title) and alert context. */
export function evaluateRule(spec: RuleSpec, event: JsonObject): RuleEvaluation {
  const indicators = indicatorsOf(event);
  let matched = false;
  let ruleError: FunctionError | null = null;
  try {
    matched = rule(event);
  } catch (e) {
    ruleError = asFunctionError('rule', e);
  }
  if (!matched && !ruleError) return { matched, ruleError, auxErrors: [], title: null, dedupString: null, alertContext: null, indicators };

  const auxErrors: FunctionError[] = [];
  let t: string;
  try {
    t = truncateGenerated(title(event));
  } catch (e) {
    auxErrors.push(asFunctionError('title', e));
    t = spec.ruleId;
  }
  let context: JsonObject;
  try {
    context = alertContext(event);
    const size = JSON.stringify(context).length;
    if (size > MAX_ALERT_CONTEXT_SIZE) {
      context = { [ALERT_CONTEXT_ERROR_KEY]: `alert_context size is ${size} characters, bigger than maximum of ${MAX_ALERT_CONTEXT_SIZE / 1024} KB` };
    }
  } catch (e) {
    const err = asFunctionError('alert_context', e);
    auxErrors.push(err);
    context = { [ALERT_CONTEXT_ERROR_KEY]: new PythonError(err.type, err.message).repr };
  }
  return { matched, ruleError, auxErrors, title: t, dedupString: truncateGenerated(t), alertContext: context, indicators };
}

function indicatorsOf(event: JsonObject): Indicators {
  const computed = computeIndicators(event);
  const out = { ...computed };
  for (const [field, name] of INDICATOR_FIELDS) {
    const given = event[field];
    if (Array.isArray(given)) out[name] = given.filter((v): v is string => typeof v === 'string');
  }
  return out;
}

/** "AttributeError: 'int' object has no attribute 'endswith'" */
export function describeFunctionError(e: FunctionError): string {
  return `${e.type}: ${e.message} (in ${e.function})`;
}
