// Prompts for the common jobs, built from the tools: each runs its tool(s) with the caller's credentials
// (audited and rate-limited like any call) and hands the assistant the data with what to do next, naming
// the tools it should use for the rest. A tool the caller may not use shows up as its tool error.
import type { GetPromptResult, Prompt } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface PromptDefinition {
  prompt: Prompt;
  /** The tools it runs, with their arguments, from the prompt's arguments. */
  calls(args: Record<string, string>): Array<{ tool: string; args: Record<string, unknown> }>;
  /** What the assistant is asked to do with the data. */
  instructions(args: Record<string, string>): string;
}

/** A SAML detection's alert id from either form an analyst may paste: `saml:<id>` or the bare id. */
const samlIds = (id: string) => {
  const bare = id.replace(/^saml:/, '');
  return { alertId: `saml:${bare}`, id: bare };
};

export const PROMPTS: readonly PromptDefinition[] = [
  {
    prompt: {
      name: 'triage_open_alerts',
      title: 'Triage the open alerts',
      description: 'Goes through the OPEN alerts of every source, most severe first, and proposes what to do with each.',
      arguments: [{ name: 'first', description: 'How many open alerts to look at (1 to 200; default 25).', required: false }],
    },
    calls: (a) => [{ tool: 'list_alerts', args: { first: Number(a['first'] ?? 25) || 25, filter: { statuses: ['OPEN'] } } }],
    instructions: () =>
      'Triage the open alerts below (SaaS Security incidents, SafeNet Trusted Access alerts and AWS SAML detections, ' +
      'newest first). Order them by severity (CRITICAL, HIGH, MEDIUM, LOW, INFO), then age. For each of the most ' +
      'severe, open it with get_alert: for an incident look at the exposure and the asset owner, for an STA alert at ' +
      "the user's recent access logs and the playbook run, for a SAML detection at the matched events and the actor. " +
      'Propose for each: TRIAGED (being worked, and by whom: assign_alerts), RESOLVED or CLOSED (false positive), with ' +
      'a one-line reason. Record findings with add_alert_comment. Ask the analyst before calling update_alert_status: ' +
      'resolving or closing a SaaS Security incident closes it upstream, and that cannot be undone. Page with ' +
      'list_alerts and pageInfo.endCursor when there are more.',
  },
  {
    prompt: {
      name: 'investigate_sta_user',
      title: 'Investigate this STA user',
      description: "Looks at a SafeNet Trusted Access user's groups, live sessions and recent access logs and says whether they look compromised.",
      arguments: [
        { name: 'userName', description: 'The STA userName (often the email).', required: true },
        { name: 'since', description: 'Look at access logs from this time (ISO 8601); default 7 days ago.', required: false },
      ],
    },
    calls: (a) => [
      { tool: 'get_sta_user', args: { userName: a['userName'], ...(a['since'] ? { since: a['since'] } : {}) } },
      { tool: 'search_sta_access_logs', args: { filter: { userName: a['userName'], ...(a['since'] ? { since: a['since'] } : {}) }, first: 100 } },
      // Their alerts of any source (STA push rejections and lockouts, incidents on assets they own, ...).
      { tool: 'list_alerts', args: { first: 20, filter: { text: a['userName'] } } },
    ],
    instructions: (a) =>
      `Investigate the SafeNet Trusted Access user ${a['userName']}. From the data below: which groups they are in (an ` +
      '"Unusual Activity" group means a playbook parked them there), which SSO sessions are live and from which ' +
      'applications, and what their access logs show: failed or rejected authentications, new IP addresses, ' +
      'unusual applications or hours, and which alerts name them (open them with get_alert). Say whether the ' +
      'account looks compromised and why, citing log entries. ' +
      'If it does, propose terminate_sta_user_sessions and wait for the analyst to confirm before calling it. ' +
      'Use search_sta_access_logs with filter.since to look further back.',
  },
  {
    prompt: {
      name: 'explain_saml_detection',
      title: 'Explain this SAML detection',
      description: "Explains an AWS.Suspicious.SAML.Activity detection: what changed, who did it, and whether it looks legitimate.",
      arguments: [{ name: 'id', description: 'The detection id (SamlDetection.id), or its alert id `saml:<id>`.', required: true }],
    },
    calls: (a) => [
      { tool: 'get_saml_detection', args: { id: samlIds(a['id']!).id } },
      { tool: 'get_alert', args: { alertId: samlIds(a['id']!).alertId } },
    ],
    instructions: (a) =>
      `Explain the SAML detection ${a['id']} to a SOC analyst. Panther's rule AWS.Suspicious.SAML.Activity fires when ` +
      'a SAML identity provider of an AWS account is created, updated or deleted, or its tags change: an attacker ' +
      'who controls a SAML provider can sign in as any role that trusts it. From the data below say which account ' +
      'and provider changed, what the matched CloudTrail events did (event names, source IPs, user agents, times), ' +
      'who the actor is (the STA user behind it when known, with groups), and whether this looks like planned ' +
      'administration or an attack, taking its triage so far (status, comments) into account. To see what the rule ' +
      "makes of a single record, use evaluate_saml_rule; to look at the actor's sign-ins, use get_sta_user; to record " +
      'the conclusion, add_alert_comment, and update_alert_status once the analyst agrees.',
  },
];

/** The prompt's messages: the instructions, then each tool's result as JSON (or its error). */
export function promptResult(definition: PromptDefinition, args: Record<string, string>, results: Array<{ tool: string; result: CallToolResult }>): GetPromptResult {
  const sections = results.map(({ tool, result }) => {
    const body = result.isError
      ? `(the tool failed) ${result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n')}`
      : `\`\`\`json\n${JSON.stringify(result.structuredContent ?? {}, null, 2)}\n\`\`\``;
    return `Result of ${tool}:\n${body}`;
  });
  return {
    description: definition.prompt.description,
    messages: [{ role: 'user', content: { type: 'text', text: [definition.instructions(args), ...sections].join('\n\n') } }],
  };
}
