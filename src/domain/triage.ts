// The triage record every alert carries (src/triage/): Panther's status, an assignee, comments and the
// activity history, plus the live updates the queue publishes. Stored as rows (src/store/alerts.ts); times are
// ISO-8601 strings so everything here survives JSON (the pub/sub between instances).
import type { Actor } from '../identity/actor.js';
import type { AlertSeverity, AlertSource, TriageStatus } from './alert.js';

/** What a source tells the queue about one of its alerts (written in the source's own transaction). */
export interface SourceAlert {
  alertId: string;
  source: AlertSource;
  /** The source's own id (incident id, STA alert id, SAML detection id). */
  sourceId: string;
  severity: AlertSeverity;
  title: string;
  createdAt: string;
  /** Lower-cased words the queue's text filter finds the alert by. */
  searchText: string;
  /** The source's own state shown beside the triage status (SaaS: OPEN/CLOSED upstream; STA: the run's state). */
  sourceState: string | null;
}

/** An alert's row: what the source said plus its triage record. */
export interface AlertRecord extends SourceAlert {
  status: TriageStatus;
  assignee: string | null;
  updatedAt: string | null;
  updatedBy: Actor | null;
  /** The first move out of OPEN. */
  triagedAt: string | null;
  /** The latest move to RESOLVED or CLOSED; null while open. */
  resolvedAt: string | null;
}

export interface AlertCommentEdit {
  body: string;
  /** When this body was replaced. */
  replacedAt: string;
}

export interface AlertComment {
  /** `<alertId>#c<n>`: global, stable. */
  id: string;
  alertId: string;
  seq: number;
  author: Actor;
  body: string;
  createdAt: string;
  editedAt: string | null;
  /** Earlier bodies, oldest first: edits are kept. */
  edits: AlertCommentEdit[];
}

/** `status`, `assignee`, `comment`; `match` when a later match joined a SAML detection. */
export const ALERT_ACTIVITY_FIELDS = ['status', 'assignee', 'comment', 'match'] as const;
export type AlertActivityField = (typeof ALERT_ACTIVITY_FIELDS)[number];

export interface AlertActivity {
  /** `<alertId>#a<n>`. */
  id: string;
  alertId: string;
  seq: number;
  at: string;
  actor: Actor;
  field: AlertActivityField;
  from: string | null;
  to: string | null;
  /** Why, in words (a status change's comment, "closed at the source", "a later match joined"). */
  note: string | null;
}

export const ALERT_UPDATE_KINDS = ['CREATED', 'STATUS_CHANGED', 'ASSIGNED', 'COMMENTED', 'UPDATED'] as const;
export type AlertUpdateKind = (typeof ALERT_UPDATE_KINDS)[number];

/** One live update of the queue: logged in the transaction of the change (ids agree on every instance). */
export interface AlertUpdateEvent {
  id: number;
  kind: AlertUpdateKind;
  alertId: string;
  /** The alert's columns after the change, for subscription filters. */
  source: AlertSource;
  status: TriageStatus;
  severity: AlertSeverity;
  assignee: string | null;
  createdAt: string;
  at: string;
}

export type NewAlertUpdateEvent = Omit<AlertUpdateEvent, 'id'>;

export interface AlertQuery {
  sources?: readonly AlertSource[] | null;
  statuses?: readonly TriageStatus[] | null;
  assignee?: string | null;
  unassigned?: boolean | null;
  severities?: readonly AlertSeverity[] | null;
  /** createdAt bounds, ISO, inclusive. */
  from?: string | null;
  to?: string | null;
  text?: string | null;
}

export const alertCommentId = (alertId: string, seq: number): string => `${alertId}#c${seq}`;
export const alertActivityId = (alertId: string, seq: number): string => `${alertId}#a${seq}`;

/** The alert and number a comment id names, or null. */
export function parseAlertCommentId(id: string): { alertId: string; seq: number } | null {
  const m = /^(.+)#c(\d{1,9})$/.exec(id);
  return m ? { alertId: m[1]!, seq: Number(m[2]) } : null;
}

export const isClosedStatus = (s: TriageStatus): boolean => s === 'RESOLVED' || s === 'CLOSED';
