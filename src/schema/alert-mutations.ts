// The analysts' changes to alerts (src/triage/triage-actions.ts): status, assignee, comments. Scope respond.
// Bulk calls take up to 100 ids and answer per id, so one bad id fails nothing else.
import type { AlertUpdateResult } from '../triage/triage-actions.js';
import { addAlertComment, assignAlerts, editAlertComment, updateAlertStatus } from '../resolvers/alerts.js';
import { AlertRef } from './alert.js';
import { builder } from './builder.js';
import { CloseCategoryRef } from './incident.js';
import { AlertCommentRef, TriageStatusRef } from './triage.js';

const AlertUpdateErrorRef = builder.objectRef<{ code: string; message: string }>('AlertUpdateError').implement({
  fields: (t) => ({ code: t.exposeString('code', { description: 'A gateway error code (NOT_FOUND, UPSTREAM_REJECTED, …).' }), message: t.exposeString('message') }),
});

const AlertUpdateResultRef = builder.objectRef<AlertUpdateResult>('AlertUpdateResult').implement({
  description: 'One id of a bulk change: the alert as it is after it, or why it failed.',
  fields: (t) => ({
    alertId: t.exposeID('alertId'),
    alert: t.field({ type: AlertRef, nullable: true, resolve: (r) => r.alert }),
    error: t.field({ type: AlertUpdateErrorRef, nullable: true, resolve: (r) => r.error }),
  }),
});

const alertIdsArg = (t: any) => t.arg.idList({ required: true, description: 'Up to 100 alert ids.' });

builder.mutationField('updateAlertStatus', (t) =>
  t.field({
    type: [AlertUpdateResultRef],
    description:
      'Moves alerts to a status, with an optional comment. A SaaS Security incident moved to RESOLVED or CLOSED is closed upstream first ' +
      '(CLOSED: misidentified; RESOLVED: closeCategory BUSINESS_JUSTIFIED or NO_REASON); if the upstream refuses, its status is unchanged and its ' +
      "result carries the upstream's code. A closed incident cannot be reopened (the API cannot). Closing an STA alert whose playbook run is open " +
      'cancels the run; removeUserFromGroup takes a user the run parked out of the unusual-activity group (the reference\'s post-processing). ' +
      'Needs the respond scope.',
    authScopes: { respond: true },
    args: {
      alertIds: alertIdsArg(t),
      status: t.arg({ type: TriageStatusRef, required: true }),
      comment: t.arg.string(),
      closeCategory: t.arg({ type: CloseCategoryRef }),
      removeUserFromGroup: t.arg.boolean(),
    },
    audit: { recordedByResolver: 'src/triage/triage-actions.ts: one entry per alert, begun before its upstream call' },
    resolve: (_root, args, ctx) => updateAlertStatus({ ...args, alertIds: (args.alertIds as unknown[]).map(String) }, ctx),
  }),
);

builder.mutationField('assignAlerts', (t) =>
  t.field({
    type: [AlertUpdateResultRef],
    description: 'Assigns alerts to an analyst (an email, or the sub of a signed-in user); null unassigns. Needs the respond scope.',
    authScopes: { respond: true },
    args: { alertIds: alertIdsArg(t), assignee: t.arg.string() },
    audit: { recordedByResolver: 'src/triage/triage-actions.ts: one entry per alert, begun before its upstream call' },
    resolve: (_root, args, ctx) => assignAlerts({ alertIds: (args.alertIds as unknown[]).map(String), assignee: args.assignee }, ctx),
  }),
);

builder.mutationField('addAlertComment', (t) =>
  t.field({
    type: AlertCommentRef,
    description: 'A plain-text comment (up to 10,000 characters). Needs the respond scope.',
    authScopes: { respond: true },
    args: { alertId: t.arg.id({ required: true }), body: t.arg.string({ required: true }) },
    audit: { recordedByResolver: 'src/triage/triage-actions.ts: one entry per alert, begun before its upstream call' },
    resolve: (_root, args, ctx) => addAlertComment({ alertId: String(args.alertId), body: args.body }, ctx),
  }),
);

builder.mutationField('editAlertComment', (t) =>
  t.field({
    type: AlertCommentRef,
    description: 'Replaces the body of a comment: only its author may; the earlier body is kept (previousBodies). Needs the respond scope.',
    authScopes: { respond: true },
    args: { commentId: t.arg.id({ required: true }), body: t.arg.string({ required: true }) },
    audit: { recordedByResolver: 'src/triage/triage-actions.ts: one entry per alert, begun before its upstream call' },
    resolve: (_root, args, ctx) => editAlertComment({ commentId: String(args.commentId), body: args.body }, ctx),
  }),
);
