// /mcp: MCP over Streamable HTTP, driven with the SDK's own client against a gateway on loopback with the
// SaaS Security and STA emulators and the sandbox's SAML detections. Tools are the operations in
// src/mcp/tools/: listed per scope, each called, refused without its scope, failing as tool errors with the
// gateway's code; sessions are per principal and two run at once; calls count toward the rate limit and are
// audited; graphql_query only when enabled; the prompts run their tools; OIDC tokens and the protected-resource
// metadata; the tools as trusted documents (SECGRAPH_ARBITRARY_DOCUMENTS=deny); an alert's deliveries.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalogue } from '../src/mcp/catalogue.js';
import { inputSchemaOf } from '../src/mcp/input-schema.js';
import { loadToolDocuments, parseToolDocument } from '../src/mcp/tool-documents.js';
import { documentIdOf } from '../src/trusted-documents/trusted-documents.js';
import { schema } from '../src/schema/index.js';
import { eventually, ingestSaml, samlRecord, startDestinationGateway } from './helpers/destinations.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startOidcProvider, type TestOidcProvider } from './helpers/oidc-provider.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { callTool, connectMcp, serveOnLoopback, type ServedYoga } from './helpers/mcp.js';

const READER = 'mcp-reader-key-0001';
const RESPONDER = 'mcp-responder-key-0001';
const INGESTER = 'mcp-ingest-only-key-01';
const AUDITOR = 'mcp-auditor-key-0001';
/** A valid key no test uses before the throttle test: never known good at the loopback address. */
const UNUSED = 'mcp-unused-key-000001';
const KEYS = `${READER}=read,${RESPONDER}=read+respond,${INGESTER}=ingest,${AUDITOR}=audit`;
const AUDIT_LOG = `query($first: Int) { auditLog(first: $first) { edges { node { action target outcome errorCode requestId details actor { kind id name email } } } } }`;

const READ_TOOLS = ['evaluate_saml_rule', 'get_alert', 'get_incident', 'get_saml_detection', 'get_sta_user', 'list_alerts', 'list_saml_detections', 'search_sta_access_logs'];
const RESPOND_TOOLS = ['add_alert_comment', 'assign_alerts', 'close_incident', 'remediate_asset', 'terminate_sta_user_sessions', 'update_alert_status'];

describe('tools are operations', () => {
  const catalogue = buildCatalogue(schema, { arbitraryQueries: true });
  const tools = [...catalogue.tools.values()];

  it('loads one tool per file in src/mcp/tools, each valid against the schema', () => {
    expect([...catalogue.tools.keys()].filter((n) => n !== 'graphql_query').sort()).toEqual([...READ_TOOLS, ...RESPOND_TOOLS].sort());
  });

  it('generates input schemas that are valid JSON Schema (2020-12, the MCP default)', () => {
    const ajv = new Ajv2020({ strict: true, validateFormats: false });
    for (const tool of tools) {
      expect(ajv.validateSchema(tool.definition.inputSchema), `${tool.definition.name}: ${ajv.errorsText()}`).toBe(true);
      // And it compiles: a client can validate arguments with it.
      ajv.compile(tool.definition.inputSchema);
    }
  });

  it("names the input properties after the operation's variables, typed from GraphQL", () => {
    const input = (name: string) => catalogue.tools.get(name)!.definition.inputSchema as any;
    expect(input('get_incident')).toMatchObject({ type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false });
    expect(input('get_sta_user').required).toEqual(['userName']);
    expect(Object.keys(input('get_sta_user').properties)).toEqual(['userName', 'instance', 'since', 'logs']);
    expect(input('get_sta_user').properties.since).toMatchObject({ type: 'string', format: 'date-time' });
    expect(input('get_sta_user').properties.logs).toMatchObject({ type: 'integer' });
    // Enums list their values; the argument's description comes along.
    expect(input('close_incident').properties.category).toMatchObject({ type: 'string', enum: ['BUSINESS_JUSTIFIED', 'MISIDENTIFIED', 'NO_REASON'] });
    expect(input('close_incident').required).toEqual(['id', 'category']);
    expect(input('list_alerts').properties.filter.properties.statuses).toMatchObject({ type: 'array', items: { type: 'string', enum: ['CLOSED', 'OPEN', 'RESOLVED', 'TRIAGED'] } });
    expect(Object.keys(input('update_alert_status').properties)).toEqual(['alertIds', 'status', 'comment', 'closeCategory', 'removeUserFromGroup']);
    expect(input('update_alert_status').required).toEqual(['alertIds', 'status']);
    expect(input('update_alert_status').properties.alertIds).toMatchObject({ type: 'array', items: { type: 'string' }, description: 'Up to 100 alert ids.' });
    expect(input('get_alert').required).toEqual(['alertId']);
    // GraphQL's own scalars bring no boilerplate description.
    expect(JSON.stringify(catalogue.tools.get('update_alert_status')!.definition.inputSchema)).not.toMatch(/scalar type represents/);
    expect(input('search_sta_access_logs').properties.first.description).toMatch(/1 to 1000/);
    // Input objects become closed objects with their fields' types, defaults and descriptions.
    const filter = input('search_sta_access_logs').properties.filter;
    expect(filter).toMatchObject({
      type: 'object',
      additionalProperties: false,
      properties: { userName: { type: 'string' }, since: { type: 'string', format: 'date-time' }, includeAnonymous: { type: 'boolean', default: false } },
    });
    expect(filter.properties.userName.description).toMatch(/principal/);
    // Lists of enums (SamlDetectionFilter has lists of strings).
    expect(input('list_saml_detections').properties.filter.properties.accountIds).toEqual(expect.objectContaining({ type: 'array', items: { type: 'string' } }));
    // The JSON scalar takes any value.
    expect(input('evaluate_saml_rule').properties.event.description).toMatch(/CloudTrail record/);
    expect(input('evaluate_saml_rule').properties.event.type).toBeUndefined();
  });

  it('maps lists, non-null items, variable defaults and recursive input types', () => {
    const doc = parseToolDocument(
      `# Incidents of some severities.\nquery some_incidents($severities: [Severity!]! = [HIGH], $first: Int = 5) { incidents(first: $first, filter: { severities: $severities }) { edges { node { id } } } }`,
      schema,
    );
    const input = inputSchemaOf(schema, doc.document, doc.operation) as any;
    expect(input.properties.severities).toMatchObject({ type: 'array', items: { type: 'string', enum: expect.arrayContaining(['HIGH', 'LOW']) }, default: ['HIGH'] });
    expect(input.required).toBeUndefined();
    expect(input.properties.first).toMatchObject({ type: 'integer', default: 5 });
  });

  it('derives the scopes each tool needs from the schema, and marks read-only and destructive tools', () => {
    for (const name of READ_TOOLS) {
      const tool = catalogue.tools.get(name)!;
      expect(tool.scopes, name).toEqual([['read']]);
      expect(tool.definition.annotations, name).toMatchObject({ readOnlyHint: true, destructiveHint: false, idempotentHint: true });
    }
    for (const name of RESPOND_TOOLS) {
      const tool = catalogue.tools.get(name)!;
      expect(tool.scopes.map((s) => [...s]), name).toContainEqual(['respond']);
      expect(tool.definition.annotations, name).toMatchObject({ readOnlyHint: false, destructiveHint: !['assign_alerts', 'add_alert_comment'].includes(name) });
    }
    expect(catalogue.tools.get('close_incident')!.definition.annotations!.idempotentHint).toBe(true);
    expect(catalogue.tools.get('add_alert_comment')!.definition.annotations!.idempotentHint).toBe(false);
    expect(catalogue.tools.get('remediate_asset')!.definition.annotations!.idempotentHint).toBe(false);
  });

  it('refuses a tool document that does not fit the schema or its file', () => {
    expect(() => parseToolDocument('# Lists.\nquery list_nothing { nothing }', schema)).toThrow(/Cannot query field "nothing"/);
    expect(() => parseToolDocument('query no_description { apps { appName } }', schema)).toThrow(/describe the tool/);
    expect(() => parseToolDocument('# A.\nquery a_tool { apps { appName } }', schema, 'b_tool')).toThrow(/name it after the file/);
    expect(() => parseToolDocument('# A.\n# @destructive\nquery a_tool { apps { appName } }', schema)).toThrow(/read-only/);
    expect(() => parseToolDocument('# A.\n# @target app:$id\nquery a_tool { apps { appName } }', schema)).toThrow(/no \$id/);
  });
});

describe('/mcp over Streamable HTTP', () => {
  let gw: TestGateway;
  let served: ServedYoga;
  const clients: Client[] = [];
  const connect = async (key?: string, name?: string) => {
    const client = await connectMcp(served.url, key, name);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    gw = await startTestGateway({ fixtures: true, sta: true, samlSandbox: true, env: { SECGRAPH_API_KEYS: KEYS } });
    served = await serveOnLoopback(gw);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await served?.close();
    await gw?.close();
  });

  it('lists only the tools a credential may use', async () => {
    const reader = await connect(READER);
    expect((await reader.listTools()).tools.map((t) => t.name).sort()).toEqual(READ_TOOLS);
    const responder = await connect(RESPONDER);
    expect((await responder.listTools()).tools.map((t) => t.name).sort()).toEqual([...READ_TOOLS, ...RESPOND_TOOLS].sort());
    const ingester = await connect(INGESTER);
    expect((await ingester.listTools()).tools).toEqual([]);
    // graphql_query is off by default.
    expect((await responder.listTools()).tools.map((t) => t.name)).not.toContain('graphql_query');
  });

  it('calls the read tools against the emulators: data as structuredContent and as text', async () => {
    const client = await connect(READER);
    const incident = await callTool(client, 'get_incident', { id: '3' });
    expect(incident.isError).toBeFalsy();
    expect(incident.structuredContent.incident).toMatchObject({ incidentId: 3, assetId: '61099dc16b544e38fa3cdc4e' });
    expect(JSON.parse((incident.content[0] as { text: string }).text)).toEqual(incident.structuredContent);

    const user = await callTool(client, 'get_sta_user', { userName: 'alice.moreau' });
    expect(user.isError).toBeFalsy();
    expect(user.structuredContent.staUser).toMatchObject({ userName: 'alice.moreau' });
    expect(Array.isArray(user.structuredContent.staUser.groups)).toBe(true);
    expect(Array.isArray(user.structuredContent.staUser.sessions)).toBe(true);
    expect(Array.isArray(user.structuredContent.staUser.accessLogs)).toBe(true);

    const logs = await callTool(client, 'search_sta_access_logs', { first: 5 });
    expect(logs.isError).toBeFalsy();
    expect(logs.structuredContent.staAccessLogs.edges.length).toBeGreaterThan(0);

    const detections = await callTool(client, 'list_saml_detections', { first: 10 });
    expect(detections.isError).toBeFalsy();
    const nodes = detections.structuredContent.samlDetections.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(5);

    const detection = await callTool(client, 'get_saml_detection', { id: nodes[0].id });
    expect(detection.isError).toBeFalsy();
    expect(detection.structuredContent.samlDetection.id).toBe(nodes[0].id);
    expect(detection.structuredContent.samlDetection.events.edges.length).toBe(nodes[0].eventCount);

    const evaluated = await callTool(client, 'evaluate_saml_rule', {
      event: { eventSource: 'iam.amazonaws.com', eventName: 'UpdateSAMLProvider', recipientAccountId: '111122223333', userIdentity: { arn: 'arn:aws:iam::111122223333:user/eve' } },
    });
    expect(evaluated.isError).toBeFalsy();
    expect(evaluated.structuredContent.evaluateSamlRule.matches).toBe(true);
  });

  it('calls the respond tools with a respond key', async () => {
    const client = await connect(RESPONDER);
    const closed = await callTool(client, 'close_incident', { id: '4', category: 'MISIDENTIFIED' });
    expect(closed.isError).toBeFalsy();
    expect(closed.structuredContent.closeIncident).toMatchObject({ incidentId: 4, state: 'CLOSED', category: 'misidentified' });

    const remediation = await callTool(client, 'remediate_asset', { assetId: '61099dc26b544e38fa3ce06d', type: 'QUARANTINE' });
    expect(remediation.isError).toBeFalsy();
    expect(remediation.structuredContent.remediateAsset).toMatchObject({ assetId: '61099dc26b544e38fa3ce06d', status: 'pending' });

    const user = [...gw.sta!.users.values()].find((u) => (gw.sta!.sessions.get(u.id) ?? []).length > 0)!;
    const terminated = await callTool(client, 'terminate_sta_user_sessions', { userName: user.userName });
    expect(terminated.isError).toBeFalsy();
    expect(terminated.structuredContent.terminateStaUserSessions).toMatchObject({ userName: user.userName, sessions: [] });
  });

  it('triages with the alert tools: list, get (events, actor, triage), status, assign, comment', async () => {
    const client = await connect(RESPONDER, 'triage-assistant');
    const list = await callTool(client, 'list_alerts', { first: 10, filter: { statuses: ['OPEN'], sources: ['SAML_DETECTION'] } });
    expect(list.isError).toBeFalsy();
    const alerts = list.structuredContent.alerts.edges.map((e: any) => e.node);
    expect(alerts).toHaveLength(5);
    const alertId: string = alerts[0].alertId;
    expect(alertId).toMatch(/^saml:/);

    const detail = await callTool(client, 'get_alert', { alertId });
    expect(detail.isError).toBeFalsy();
    expect(detail.structuredContent.alert).toMatchObject({ alertId, source: 'SAML_DETECTION', triage: { status: 'OPEN', assignee: null } });
    expect(detail.structuredContent.alert.events.edges.length).toBeGreaterThan(0);

    const status = await callTool(client, 'update_alert_status', { alertIds: [alertId, 'saml:no-such-detection'], status: 'TRIAGED', comment: 'looking into it' });
    expect(status.isError).toBeFalsy();
    const [ok, missing] = status.structuredContent.updateAlertStatus;
    expect(ok).toMatchObject({ alertId, error: null, alert: { triage: { status: 'TRIAGED' } } });
    expect(missing).toMatchObject({ alertId: 'saml:no-such-detection', alert: null, error: { code: 'NOT_FOUND' } });

    const assigned = await callTool(client, 'assign_alerts', { alertIds: [alertId], assignee: 'analyst@example.com' });
    expect(assigned.structuredContent.assignAlerts[0].alert.triage.assignee).toBe('analyst@example.com');

    const comment = await callTool(client, 'add_alert_comment', { alertId, body: 'The actor is a known admin; provider rotated on schedule.' });
    expect(comment.isError).toBeFalsy();
    expect(comment.structuredContent.addAlertComment).toMatchObject({ body: 'The actor is a known admin; provider rotated on schedule.', author: { kind: 'API_KEY' } });

    const after = (await callTool(client, 'get_alert', { alertId })).structuredContent.alert.triage;
    expect(after).toMatchObject({ status: 'TRIAGED', assignee: 'analyst@example.com' });
    expect(after.comments.edges.map((e: any) => e.node.body)).toContain('The actor is a known admin; provider rotated on schedule.');
    expect(after.activity.edges.map((e: any) => e.node.field)).toEqual(expect.arrayContaining(['status', 'assignee', 'comment']));

    // A read key sees the queue but cannot change it.
    const reader = await connect(READER);
    expect((await callTool(reader, 'list_alerts', { first: 1 })).isError).toBeFalsy();
    const refused = await callTool(reader, 'update_alert_status', { alertIds: [alertId], status: 'CLOSED' });
    expect(refused.structuredContent.errors[0].code).toBe('FORBIDDEN');
  });

  it('refuses a respond tool to a read key, as a tool error with FORBIDDEN, without reaching the upstream', async () => {
    const client = await connect(READER);
    const before = gw.emulator.requests.length;
    const result = await callTool(client, 'close_incident', { id: '5', category: 'NO_REASON' });
    expect(result.isError).toBe(true);
    expect(result.structuredContent.errors[0].code).toBe('FORBIDDEN');
    expect((result.content[0] as { text: string }).text).toMatch(/^FORBIDDEN: close_incident needs the respond scope/);
    expect(gw.emulator.requests.length).toBe(before);
    const { body } = await gw.gql(`{ incident(id: "5") { state } }`, {}, READER);
    expect(body.data.incident.state).toBe('OPEN');
  });

  it("returns the gateway's errors as tool errors with their extensions.code, never a stack", async () => {
    const client = await connect(READER);
    const unknownInstance = await callTool(client, 'get_sta_user', { userName: 'alice.moreau', instance: 'nowhere' });
    expect(unknownInstance.isError).toBe(true);
    expect(unknownInstance.structuredContent.errors[0]).toMatchObject({ code: 'BAD_USER_INPUT', path: ['staUser'] });
    const badVariable = await callTool(client, 'close_incident', { id: '5', category: 'NOT_A_CATEGORY' });
    expect(badVariable.isError).toBe(true);
    const wrongType = await callTool(client, 'get_sta_user', { userName: 'alice.moreau', logs: 'many' });
    expect(wrongType.isError).toBe(true);
    expect(wrongType.structuredContent.errors[0].code).toMatch(/^[A-Z_]+$/);
    const unknownArgument = await callTool(client, 'get_incident', { id: '3', incidentId: 3 });
    expect(unknownArgument.structuredContent.errors[0]).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((unknownArgument.content[0] as { text: string }).text).toMatch(/unknown argument incidentId; this tool takes id/);
    const unknownTool = await callTool(client, 'drop_database');
    expect(unknownTool.isError).toBe(true);
    expect(unknownTool.structuredContent.errors[0].code).toBe('NOT_FOUND');
    for (const r of [unknownInstance, badVariable, wrongType, unknownArgument, unknownTool]) {
      expect(JSON.stringify(r)).not.toMatch(/\bat .*\.(?:ts|js):\d+/);
    }
  });

  it('answers an unauthenticated or wrong credential with 401 and a Bearer challenge', async () => {
    await expect(connectMcp(served.url)).rejects.toThrow();
    await expect(connectMcp(served.url, 'not-a-key-at-all')).rejects.toThrow();
    const res = await fetch(`${served.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer wrong-key-000000' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await res.json()).error.data.code).toBe('UNAUTHENTICATED');
    // Without an identity provider there is no protected-resource metadata to point at.
    expect((await fetch(`${served.url}/.well-known/oauth-protected-resource/mcp`)).status).toBe(404);
  });

  it('refuses a cross-site browser Origin, and GET (no server-initiated stream)', async () => {
    const initialize = (headers: Record<string, string>) =>
      fetch(`${served.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${READER}`, ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      });
    const crossSite = await initialize({ origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('mcp-session-id')).toBeNull();
    const sameOrigin = await initialize({ origin: served.url });
    expect(sameOrigin.status).toBe(200);
    const get = await fetch(`${served.url}/mcp`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${READER}`, 'mcp-session-id': sameOrigin.headers.get('mcp-session-id')! },
    });
    expect(get.status).toBe(405);
  });

  it('runs two sessions at once, each bound to its own credential', async () => {
    const [a, b] = await Promise.all([connect(READER, 'assistant-a'), connect(RESPONDER, 'assistant-b')]);
    const [ra, rb] = await Promise.all([callTool(a, 'get_incident', { id: '6' }), callTool(b, 'get_incident', { id: '7' })]);
    expect(ra.structuredContent.incident.incidentId).toBe(6);
    expect(rb.structuredContent.incident.incidentId).toBe(7);
    const sessionA = (a.transport as { sessionId?: string }).sessionId;
    const sessionB = (b.transport as { sessionId?: string }).sessionId;
    expect(sessionA).toBeTruthy();
    expect(sessionA).not.toBe(sessionB);
    // A's session id with B's key is no session at all.
    const hijack = await fetch(`${served.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${RESPONDER}`,
        'mcp-session-id': sessionA!,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(hijack.status).toBe(404);
    // Ending A leaves B working.
    await (a.transport as unknown as { terminateSession(): Promise<void> }).terminateSession();
    expect((await callTool(b, 'get_incident', { id: '8' })).structuredContent.incident.incidentId).toBe(8);
  });

  it("audits every call as mcp.<tool> in the audit log: actor, target, arguments, outcome, the MCP client's name", async () => {
    const client = await connect(RESPONDER, 'audit-assistant');
    await callTool(client, 'get_incident', { id: '3' });
    await callTool(client, 'get_sta_user', { userName: 'alice.moreau', instance: 'nowhere' });
    await callTool(client, 'close_incident', { id: '10', category: 'BUSINESS_JUSTIFIED' });
    const reader = await connect(READER, 'audit-reader');
    await callTool(reader, 'close_incident', { id: '9', category: 'NO_REASON' });

    const { body } = await gw.gql(AUDIT_LOG, { first: 200 }, AUDITOR);
    expect(body.errors).toBeUndefined();
    const entries = body.data.auditLog.edges.map((e: any) => e.node).reverse();
    const ours = entries.filter((e: any) => e.action.startsWith('mcp.') && ['audit-assistant/1.0.0', 'audit-reader/1.0.0'].includes(e.details?.client));
    expect(ours.map((e: any) => [e.action, e.target, e.outcome, e.errorCode])).toEqual([
      ['mcp.get_incident', 'incident:3', 'SUCCEEDED', null],
      ['mcp.get_sta_user', 'staUser:alice.moreau', 'FAILED', 'BAD_USER_INPUT'],
      ['mcp.close_incident', 'incident:10', 'SUCCEEDED', null],
      ['mcp.close_incident', 'incident:9', 'FAILED', 'FORBIDDEN'],
    ]);
    expect(ours[0].actor).toMatchObject({ kind: 'API_KEY', id: expect.stringMatching(/^key:/) });
    expect(ours[0].details).toEqual({ client: 'audit-assistant/1.0.0', arguments: { id: '3' } });
    expect(ours[3].details).toEqual({ client: 'audit-reader/1.0.0', arguments: { id: '9', category: 'NO_REASON' } });
    expect(ours[3].actor.id).not.toBe(ours[0].actor.id);
    // The mutation the tool ran is audited by the schema too, under the same request id.
    const mutation = entries.find((e: any) => e.action === 'closeIncident' && e.target === 'incident:10');
    expect(mutation).toMatchObject({ outcome: 'SUCCEEDED', requestId: ours[2].requestId });
    expect(ours[2].requestId).toBeTruthy();
    expect(JSON.stringify(entries)).not.toContain(RESPONDER);
  });

  it('offers prompts built from the tools', async () => {
    const client = await connect(READER);
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(expect.arrayContaining(['investigate_sta_user', 'explain_saml_detection']));
    const prompt = await client.getPrompt({ name: 'investigate_sta_user', arguments: { userName: 'alice.moreau' } });
    const text = (prompt.messages[0]!.content as { text: string }).text;
    expect(text).toMatch(/Investigate the SafeNet Trusted Access user alice\.moreau/);
    expect(text).toMatch(/Result of get_sta_user:\n```json\n\{\n {2}"staUser": \{/);
    expect(text).toMatch(/terminate_sta_user_sessions/);
    await expect(client.getPrompt({ name: 'investigate_sta_user', arguments: {} })).rejects.toThrow(/userName/);

    const triage = await client.getPrompt({ name: 'triage_open_alerts', arguments: { first: '3' } });
    const triageText = (triage.messages[0]!.content as { text: string }).text;
    expect(triageText).toMatch(/Result of list_alerts:\n```json\n/);
    const listed = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(triageText)![1]!);
    expect(listed.alerts.edges).toHaveLength(3);
    expect(listed.alerts.edges.every((e: any) => e.node.triage.status === 'OPEN')).toBe(true);

    const saml = (await callTool(client, 'list_saml_detections', { first: 1 })).structuredContent.samlDetections.edges[0].node;
    const explain = await client.getPrompt({ name: 'explain_saml_detection', arguments: { id: saml.id } });
    const explainText = (explain.messages[0]!.content as { text: string }).text;
    expect(explainText).toContain(`Result of get_saml_detection:`);
    expect(explainText).toContain(`"alertId": "saml:${saml.id}"`);
  });
});

describe('/mcp limits and graphql_query', () => {
  let gw: TestGateway;
  let served: ServedYoga;
  const clients: Client[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({
      fixtures: true,
      env: {
        SECGRAPH_API_KEYS: `${READER}=read,${RESPONDER}=read+respond,${UNUSED}=read`,
        SECGRAPH_MCP_ARBITRARY_QUERIES: 'true',
        SECGRAPH_RATE_LIMIT_PER_MINUTE: '4',
        SECGRAPH_AUTH_FAILURES_PER_MINUTE: '3',
      },
    });
    served = await serveOnLoopback(gw);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await served?.close();
    await gw?.close();
  });

  it('runs read-only queries with graphql_query when enabled, and refuses mutations', async () => {
    const client = await connectMcp(served.url, RESPONDER);
    clients.push(client);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('graphql_query');
    const ok = await callTool(client, 'graphql_query', { query: 'query($id: ID!) { incident(id: $id) { incidentId } }', variables: { id: '3' } });
    expect(ok.structuredContent).toEqual({ incident: { incidentId: 3 } });
    const before = gw.emulator.requests.length;
    const mutation = await callTool(client, 'graphql_query', { query: 'mutation { closeIncident(id: "3", category: NO_REASON) { id } }' });
    expect(mutation.isError).toBe(true);
    expect(mutation.structuredContent.errors[0].code).toBe('FORBIDDEN');
    const subscription = await callTool(client, 'graphql_query', { query: 'subscription { incidentEvents { id } }' });
    expect(subscription.structuredContent.errors[0].code).toBe('FORBIDDEN');
    expect(gw.emulator.requests.length).toBe(before);
  });

  it('counts tool calls toward the per-key rate limit', async () => {
    const client = await connectMcp(served.url, READER);
    clients.push(client);
    // Listing is not an operation; each call is one.
    await client.listTools();
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await callTool(client, 'get_incident', { id: '3' }));
    expect(results.slice(0, 4).every((r) => !r.isError)).toBe(true);
    expect(results[4]!.isError).toBe(true);
    expect(results[4]!.structuredContent.errors[0].code).toBe('RATE_LIMITED');
  });

  // Last in this block: afterwards its loopback address is throttled for the rest of the minute.
  it('throttles an address that keeps sending wrong credentials: a key not known good there is refused unverified', async () => {
    const initialize = (key: string) =>
      fetch(`${served.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${key}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await initialize(`guess-number-${i}-xxxx`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // UNUSED never authenticated from this address: refused like a guess, even though it is a valid key.
    const valid = await initialize(UNUSED);
    expect(valid.status).toBe(429);
    expect(Number(valid.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await valid.json()).error.data.code).toBe('RATE_LIMITED');
    // READER did, earlier in this block (known good): it is still served (src/security/auth-gate.ts).
    expect((await initialize(READER)).status).toBe(200);
  });
});

describe('/mcp with an identity provider (OIDC)', () => {
  const ANALYST = { sub: 'alice', name: 'Alice Analyst', email: 'alice@example.com', groups: ['soc-analysts'] };
  const VIEWER = { sub: 'victor', name: 'Victor Viewer', groups: ['soc-viewers'] };
  let idp: TestOidcProvider;
  let gw: TestGateway;
  let served: ServedYoga;
  const clients: Client[] = [];

  beforeAll(async () => {
    idp = await startOidcProvider({ users: [ANALYST, VIEWER] });
    gw = await startTestGateway({
      fixtures: true,
      env: {
        SECGRAPH_API_KEYS: `${READER}=read,${AUDITOR}=audit`,
        SECGRAPH_OIDC_ISSUER: idp.issuer,
        SECGRAPH_OIDC_AUDIENCE: idp.audience,
        SECGRAPH_OIDC_ROLE_SCOPES: 'soc-analysts=read+respond,soc-viewers=read',
        SECGRAPH_OIDC_CLOCK_TOLERANCE: '0',
      },
    });
    served = await serveOnLoopback(gw);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await served?.close();
    await gw?.close();
    await idp?.close();
  });

  it('publishes the protected-resource metadata naming the issuer, and points a 401 at it', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(`${served.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ resource: `${served.url}/mcp`, authorization_servers: [idp.issuer], bearer_methods_supported: ['header'] });
    }
    const res = await fetch(`${served.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${served.url}/.well-known/oauth-protected-resource/mcp"`);
  });

  it("takes the provider's tokens: tools by the token's roles, calls audited as the user", async () => {
    const analyst = await connectMcp(served.url, await idp.mint(ANALYST), 'oidc-assistant');
    const viewer = await connectMcp(served.url, await idp.mint(VIEWER));
    clients.push(analyst, viewer);
    expect((await analyst.listTools()).tools.map((t) => t.name)).toContain('close_incident');
    expect((await viewer.listTools()).tools.map((t) => t.name)).not.toContain('close_incident');
    const incident = await callTool(analyst, 'get_incident', { id: '3' });
    expect(incident.structuredContent.incident.incidentId).toBe(3);
    const { body } = await gw.gql(AUDIT_LOG, { first: 50 }, AUDITOR);
    const entry = body.data.auditLog.edges.map((e: any) => e.node).find((e: any) => e.action === 'mcp.get_incident');
    expect(entry.actor).toEqual({ kind: 'USER', id: 'alice', name: 'Alice Analyst', email: 'alice@example.com' });
    expect(entry.details).toMatchObject({ client: 'oidc-assistant/1.0.0' });
    // API keys keep working beside tokens.
    const keyed = await connectMcp(served.url, READER);
    clients.push(keyed);
    expect((await callTool(keyed, 'get_incident', { id: '3' })).isError).toBeFalsy();
  });

  it('refuses an expired token with 401 invalid_token, and a session whose token expired', async () => {
    const token = await idp.mint(ANALYST, { ttl: 1 });
    const client = await connectMcp(served.url, token);
    clients.push(client);
    expect((await callTool(client, 'get_incident', { id: '3' })).isError).toBeFalsy();
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, exp - Date.now()) + 50));
    // The same session, now with an expired token: the client is told to sign in again.
    await expect(client.callTool({ name: 'get_incident', arguments: { id: '3' } })).rejects.toThrow();
    const res = await fetch(`${served.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata=".*", error="invalid_token"$/);
    const body = await res.json();
    expect(body.error.data.code).toBe('UNAUTHENTICATED');
    expect(body.error.message).toMatch(/expired/);
    expect(JSON.stringify(body)).not.toContain(token.split('.')[2]);
  });
});

describe('/mcp on a gateway that runs trusted documents only', () => {
  let gw: TestGateway;
  let served: ServedYoga;
  let client: Client;

  beforeAll(async () => {
    gw = await startTestGateway({
      fixtures: true,
      env: { SECGRAPH_API_KEYS: `${RESPONDER}=read+respond`, SECGRAPH_ARBITRARY_DOCUMENTS: 'deny', SECGRAPH_MCP_ARBITRARY_QUERIES: 'true' },
    });
    served = await serveOnLoopback(gw);
    client = await connectMcp(served.url, RESPONDER);
  });
  afterAll(async () => {
    await client?.close();
    await served?.close();
    await gw?.close();
  });

  it("runs the tools, whose operations are trusted documents, and offers no graphql_query", async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('get_incident');
    expect(names).not.toContain('graphql_query');
    const incident = await callTool(client, 'get_incident', { id: '3' });
    expect(incident.isError).toBeFalsy();
    expect(incident.structuredContent.incident.incidentId).toBe(3);
    const closed = await callTool(client, 'close_incident', { id: '4', category: 'NO_REASON' });
    expect(closed.isError).toBeFalsy();
    // The same operation is refused to a client that sends its own text, and accepted by id.
    const arbitrary = await gw.gql('{ incident(id: "3") { incidentId } }', {}, RESPONDER);
    expect(arbitrary.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_DOCUMENT_REQUIRED');
    const tool = loadToolDocuments(schema).find((d) => d.name === 'get_incident')!;
    const byId = await gw.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${RESPONDER}` },
      body: JSON.stringify({ documentId: documentIdOf(tool.source), variables: { id: '3' } }),
    });
    expect(((await byId.json()) as any).data.incident.incidentId).toBe(3);
  });
});

describe('get_alert with alert destinations', () => {
  let gw: TestGateway;
  let soar: Receiver;
  let served: ServedYoga;
  let client: Client;

  beforeAll(async () => {
    soar = await startReceiver();
    gw = await startDestinationGateway([{ name: 'soar', type: 'webhook', url: '${SOAR_URL}', secret: '${SOAR_SECRET}' }], {
      SECGRAPH_API_KEYS: `${READER}=read`,
      SOAR_URL: soar.url,
      SOAR_SECRET: 'mcp-test-webhook-secret',
    });
    served = await serveOnLoopback(gw);
    client = await connectMcp(served.url, READER);
  });
  afterAll(async () => {
    await client?.close();
    await served?.close();
    await gw?.close();
    await soar?.close();
  });

  it("shows the alert's deliveries to the destinations", async () => {
    await ingestSaml(gw, samlRecord('mcp-delivery-actor'));
    await soar.waitFor(1);
    const alertId = (await callTool(client, 'list_alerts', { first: 1, filter: { sources: ['SAML_DETECTION'] } })).structuredContent.alerts.edges[0].node.alertId;
    const deliveries = await eventually(async () => {
      const d = (await callTool(client, 'get_alert', { alertId })).structuredContent.alert.deliveries;
      return d.some((x: any) => x.status === 'DELIVERED') ? d : undefined;
    }, 15_000, 'the delivery to be recorded');
    expect(deliveries[0]).toMatchObject({ destination: 'soar', event: 'ALERT_CREATED', status: 'DELIVERED', responseStatus: 200 });
    expect(JSON.stringify(deliveries)).not.toContain('mcp-test-webhook-secret');
  });
});
