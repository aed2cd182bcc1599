// Which STA alert an email is, by its subject: the reference's "SafeNet Trusted Access – Alert Classifier"
// (an exact match on the raw subject) together with the guide's pre-process drop rules, as one filter.
import type { StaAlertKind } from '../domain/sta-alert.js';

/** The subjects the guide tells the admin to set on the two STA email templates. */
export const STA_ALERT_SUBJECTS: Readonly<Record<StaAlertKind, string>> = {
  PUSH_REJECTION: 'SafeNet Trusted Access Push Notification Rejection Alert',
  ACCOUNT_LOCKOUT: 'SafeNet Trusted Access User Lockout Alert',
};

/** The phrases the guide's drop rules look for ("Name doesn't contain …"). */
const ALERT_PHRASES = ['Push Notification Rejection Alert', 'User Lockout Alert'];

export type SubjectClassification = { kind: StaAlertKind } | { dropped: string };

export function classifySubject(subject: string | undefined | null): SubjectClassification {
  if (!subject) return { dropped: 'the email has no subject' };
  for (const kind of Object.keys(STA_ALERT_SUBJECTS) as StaAlertKind[]) {
    if (subject === STA_ALERT_SUBJECTS[kind]) return { kind };
  }
  if (/^\s*(fwd?|re)\s*:/i.test(subject)) {
    // The reference classifies these as "STA - Email Alert", a type no playbook handles: a copy of an alert
    // must never remediate a second time.
    return { dropped: 'a forwarded or replied copy of an alert, not the alert itself' };
  }
  if (ALERT_PHRASES.some((p) => subject.includes(p))) {
    return { dropped: 'the subject names an alert but is not exactly one of the two STA alert subjects' };
  }
  return { dropped: 'not an STA alert subject' };
}
