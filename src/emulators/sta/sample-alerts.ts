// Two STA alert emails for the sandbox, as the mail listener would read them, so that with no mailbox
// configured the graph still shows a push-rejection run (a user parked in the unusual-activity group) and a
// lockout run (a user's sessions ended) against the STA sandbox. Recorded once: their Message-IDs dedupe.
import type { Clock } from '../../clock.js';
import { STA_ALERT_SUBJECTS } from '../../mail/sta-alert-classifier.js';
import type { IncomingStaAlert } from '../../playbooks/sta-playbook-runner.js';
import { SANDBOX_PEOPLE } from '../sandbox-people.js';

export const SANDBOX_ALERT_INSTANCE = 'SafeNet Trusted Access (sandbox)';

export function sandboxStaAlerts(clock: Clock): IncomingStaAlert[] {
  const now = new Date(clock.now()).toISOString();
  const pusher = SANDBOX_PEOPLE[3]!;
  const lockedOut = SANDBOX_PEOPLE[9]!;
  const common = { tenantName: 'secgraph sandbox', instanceName: SANDBOX_ALERT_INSTANCE, sentAt: now, receivedAt: now };
  return [
    {
      ...common,
      kind: 'PUSH_REJECTION',
      subject: STA_ALERT_SUBJECTS.PUSH_REJECTION,
      messageId: '<sandbox-push-rejection-1@secgraph.example>',
      userName: pusher.userName,
      unlockAt: null,
      source: 'sandbox/1/1',
    },
    {
      ...common,
      kind: 'ACCOUNT_LOCKOUT',
      subject: STA_ALERT_SUBJECTS.ACCOUNT_LOCKOUT,
      messageId: '<sandbox-lockout-1@secgraph.example>',
      userName: lockedOut.userName,
      unlockAt: new Date(clock.now() + 30 * 60_000).toISOString(),
      source: 'sandbox/1/2',
    },
  ];
}
