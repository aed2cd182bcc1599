// A SAML detection is one Panther-style alert of AWS.Suspicious.SAML.Activity: the matches of one dedup key
// inside one dedup window. Times are ISO strings so detections survive JSON (disk, Redis pub/sub).
import type { Indicators } from '../detection/cloudtrail-indicators.js';
import type { PantherSeverity } from '../detection/rule-spec.js';

export type { Indicators };

/** RULE: the rule matched. RULE_ERROR: rule() raised (Panther's Rule Error alerts, dedup key + ":error"). */
export const SAML_ALERT_TYPES = ['RULE', 'RULE_ERROR'] as const;
export type SamlAlertType = (typeof SAML_ALERT_TYPES)[number];

export interface SamlDetection {
  /** md5(ruleId:alertCount:dedup), Panther's alert id. */
  id: string;
  ruleId: string;
  alertType: SamlAlertType;
  title: string;
  dedupString: string;
  severity: PantherSeverity;
  description: string;
  reference: string;
  /** The rule error ("AttributeError: …") for RULE_ERROR alerts. */
  error: string | null;
  eventCount: number;
  /** eventTime of the window's first match (the window start). */
  firstEventAt: string;
  lastEventAt: string;
  /** eventTime of the match that brought the count to the rule's Threshold. */
  createdAt: string;
  /** eventTime of the latest match that joined. */
  updatedAt: string;
  /** The context of the event that opened the window, as Panther keeps it. */
  alertContext: Record<string, unknown>;
  /** Union of the matched events' p_any_* indicators. */
  indicators: Indicators;
  /** recipientAccountId of the opening event. */
  accountId: string | null;
  /** userIdentity.arn of the opening event. */
  actorArn: string | null;
  /** Role-session name or user name of the opening event (see detection/actor.ts). */
  actorName: string | null;
}

export const SAML_DETECTION_EVENT_KINDS = ['CREATED', 'UPDATED'] as const;
export type SamlDetectionEventKind = (typeof SAML_DETECTION_EVENT_KINDS)[number];

export interface SamlDetectionEvent {
  /** From the SAML detection event log: the same on every instance; resume with samlDetectionEvents(after:). */
  id: number;
  kind: SamlDetectionEventKind;
  detection: SamlDetection;
  /** ISO-8601: when it was logged. */
  at: string;
}

/** One matched CloudTrail record of a detection. */
export interface SamlMatchedEvent {
  alertId: string;
  /** Order of arrival inside the alert. */
  n: number;
  eventTime: string;
  record: Record<string, unknown>;
}
