// What the outbox delivers and what it records. An AlertNotice is one event of one alert, as every destination
// type needs it (they format it differently); it is stored with each delivery row, so a retry days later sends
// the alert as it was when the event happened. Times are ISO strings: notices are JSON in the database.
import type { AlertEventKind, AlertSeverity, AlertSource, TriageStatus } from './alert.js';

/** An alert event, or `TEST` (testDestination's message). */
export type DeliveryEvent = AlertEventKind | 'TEST';

export interface AlertNotice {
  /** The global alert id (alertIdOf). */
  alertId: string;
  source: AlertSource;
  event: DeliveryEvent;
  severity: AlertSeverity;
  title: string;
  description: string | null;
  /** Panther's `id`: the detection that raised it (the rule id, the SaaS policy, the STA alert kind). */
  detectionId: string;
  /** Panther's `type`: RULE, RULE_ERROR, SAAS_INCIDENT, STA_ALERT. */
  type: string;
  createdAt: string;
  /** When this event happened. */
  at: string;
  /** Triage status (null until the triage queue knows the alert). */
  status: TriageStatus | null;
  /** The status before a STATUS_CHANGED. */
  previousStatus?: TriageStatus | null;
  assignee: string | null;
  /** Who acted (STATUS_CHANGED) or whom the alert is about (the STA user, the SAML actor, the asset owner). */
  actor: string | null;
  runbook: string | null;
  tags: string[];
  /** Panther's alertContext: what an automation needs about the alert. */
  context: Record<string, unknown>;
  /** The SaaS incident asset owner's email (the XSOAR "Incident Processor" playbook mails them). */
  ownerEmail: string | null;
  /** The console path of the alert (`#/saml`), joined to SECGRAPH_PUBLIC_URL when sent. */
  consolePath: string;
}

export const DELIVERY_STATUSES = ['PENDING', 'RETRYING', 'DELIVERED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One delivery of one alert event to one destination, with its last attempt. */
export interface AlertDelivery {
  /** Also the Idempotency-Key of every attempt. */
  id: string;
  destination: string;
  alertId: string;
  event: DeliveryEvent;
  /** Attempts made. */
  attempt: number;
  status: DeliveryStatus;
  /** The last attempt (or the enqueue, before the first). */
  at: string;
  createdAt: string;
  responseStatus: number | null;
  /** A short excerpt of the last answer, or the last error. */
  response: string | null;
}
