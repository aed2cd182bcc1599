// Each destination type's wire format against a loopback receiver that checks it as the service would: Slack
// Block Kit (and its 429 Retry-After), a Teams Workflows message with an Adaptive Card 1.4, PagerDuty Events
// API v2 with trigger → acknowledge → resolve on one dedup_key as the alert is triaged; then the GraphQL side:
// deliveries on the alert, Query.destinations without secrets, redeliverAlert and testDestination (respond).
import { afterEach, describe, expect, it } from 'vitest';
import type { TestGateway } from './helpers/gateway.js';
import { eventually, ingestSaml, samlRecord, startDestinationGateway } from './helpers/destinations.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { AlertDeliveriesDocument, AuditLogDocument, DestinationsDocument, RedeliverAlertDocument, SamlDetectionDeliveriesDocument, SetAlertStatusDocument, TestDestinationDocument } from './gql/graphql.js';

const RESPOND = 'respond-key-0123456789';
const READ = 'read-only-key-0123456789';
const AUDITOR = 'auditor-key-0123456789';
const KEYS = `${RESPOND}=read+respond,${READ}=read,${AUDITOR}=read+audit`;

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function receiver(answer?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(answer);
  open.push(r);
  return r;
}

async function gateway(destinations: unknown[], env: Record<string, string>): Promise<TestGateway> {
  const gw = await startDestinationGateway(destinations, { SECGRAPH_API_KEYS: KEYS, SECGRAPH_PUBLIC_URL: 'https://secgraph.example.com', ...env });
  open.push(gw);
  return gw;
}

describe('Slack', () => {
  it('posts Block Kit blocks with a text fallback, and waits out a 429 Retry-After', async () => {
    const slack = await receiver();
    slack.script({ status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } });
    const gw = await gateway([{ name: 'soc-slack', type: 'slack', url: '${SLACK_URL}', filters: { sources: ['SAML_DETECTION'], minSeverity: 'MEDIUM' } }], { SLACK_URL: slack.url });
    await ingestSaml(gw, samlRecord('grace'));
    const [first, second] = await slack.waitFor(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(second!.body).toBe(first!.body);
    const msg = second!.json;
    expect(typeof msg.text).toBe('string');
    expect(msg.text).toContain('grace');
    const types = msg.blocks.map((b: any) => b.type);
    expect(types[0]).toBe('header');
    expect(types).toContain('section');
    expect(types.at(-1)).toBe('context');
    const header = msg.blocks[0];
    expect(header.text.type).toBe('plain_text');
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    const fields = msg.blocks[1].fields.map((f: any) => f.text).join('\n');
    for (const f of ['*Severity*', '*Source*\nSAML_DETECTION', '*Event*\nNew alert', '*Owner / actor*\ngrace']) expect(fields).toContain(f);
    for (const f of msg.blocks[1].fields) expect(f.type).toBe('mrkdwn');
    expect(msg.blocks.at(-1).elements[0].text).toContain('<https://secgraph.example.com/console/#/saml|Open in secgraph>');
    const alertId = /`(saml:[^`]+)`/.exec(msg.blocks.at(-1).elements[0].text)![1]!;
    const d = await eventually(async () => {
      const [x] = (await gw.services.destinations.deliveriesOf([alertId])).get(alertId)!;
      return x?.status === 'DELIVERED' ? x : undefined;
    });
    expect(d).toMatchObject({ status: 'DELIVERED', attempt: 2, responseStatus: 200 });
  });
});

describe('Microsoft Teams', () => {
  it('posts a Workflows message with one Adaptive Card 1.4 and counts 202 as delivered', async () => {
    const teams = await receiver({ status: 202 });
    const gw = await gateway([{ name: 'soc-teams', type: 'teams', url: '${TEAMS_URL}' }], { TEAMS_URL: teams.url });
    await ingestSaml(gw, samlRecord('heidi'));
    const [req] = await teams.waitFor(1);
    const msg = req!.json;
    expect(msg.type).toBe('message');
    expect(msg.attachments).toHaveLength(1);
    expect(msg.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = msg.attachments[0].content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', weight: 'Bolder' });
    expect(card.body[0].text).toContain('heidi');
    const facts = Object.fromEntries(card.body.find((b: any) => b.type === 'FactSet').facts.map((f: any) => [f.title, f.value]));
    expect(facts).toMatchObject({ Source: 'SAML_DETECTION', Event: 'New alert', Status: 'OPEN', 'Owner / actor': 'heidi' });
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open in secgraph', url: 'https://secgraph.example.com/console/#/saml' }]);
    await eventually(async () => (await gw.services.destinations.summaries())[0]!.delivered === 1);
  });
});

describe('PagerDuty', () => {
  it('triggers with Events API v2 fields, then acknowledges and resolves the same dedup_key as the alert is triaged', async () => {
    const pd = await receiver({ status: 202, body: '{"status":"success","message":"Event processed"}', headers: { 'content-type': 'application/json' } });
    const routingKey = 'R0UTING0KEY0FOR0TESTS0000000000';
    const gw = await gateway([{ name: 'oncall', type: 'pagerduty', routingKey: '${PD_KEY}', url: '${PD_URL}' }], { PD_KEY: routingKey, PD_URL: `${pd.url.replace(/\/hooks.*/, '')}/v2/enqueue` });
    await ingestSaml(gw, samlRecord('ivan'));
    const [trigger] = await pd.waitFor(1);
    expect(trigger!.path).toBe('/v2/enqueue');
    const t = trigger!.json;
    expect(t).toMatchObject({ routing_key: routingKey, event_action: 'trigger', dedup_key: expect.stringMatching(/^saml:/) });
    expect(t.payload.summary.length).toBeLessThanOrEqual(1024);
    expect(t.payload.summary).toContain('ivan');
    expect(t.payload).toMatchObject({ source: 'AWS CloudTrail', component: 'AWS.Suspicious.SAML.Activity', group: 'SAML_DETECTION', class: 'RULE' });
    expect(['critical', 'error', 'warning', 'info']).toContain(t.payload.severity);
    expect(Number.isNaN(Date.parse(t.payload.timestamp))).toBe(false);
    expect(t.payload.custom_details).toMatchObject({ alertId: t.dedup_key, event: 'ALERT_CREATED' });
    expect(t.links).toEqual([{ href: 'https://secgraph.example.com/console/#/saml', text: 'Open in secgraph' }]);

    const alertId = t.dedup_key as string;
    const triaged = await gw.gql(SetAlertStatusDocument, { alertIds: [alertId], status: 'TRIAGED' }, RESPOND);
    expect(triaged.body.data?.updateAlertStatus[0]?.error).toBeNull();
    const [, ack] = await pd.waitFor(2);
    expect(ack!.json).toEqual({ routing_key: routingKey, event_action: 'acknowledge', dedup_key: alertId });
    await gw.gql(SetAlertStatusDocument, { alertIds: [alertId], status: 'RESOLVED' }, RESPOND);
    const [, , resolve] = await pd.waitFor(3);
    expect(resolve!.json).toEqual({ routing_key: routingKey, event_action: 'resolve', dedup_key: alertId });

    // The three deliveries, on the alert through the Alert interface and on the SamlDetection.
    const res = await eventually(async () => {
      const r = await gw.gql(AlertDeliveriesDocument, { alertId }, READ);
      const list = r.body.data?.alert?.deliveries ?? [];
      return list.length === 3 && list.every((d) => d.status === 'DELIVERED') ? r : undefined;
    });
    expect(res.body.data!.alert!.deliveries.map((d) => d.event)).toEqual(['ALERT_CREATED', 'STATUS_CHANGED', 'STATUS_CHANGED']);
    const saml = await gw.gql(SamlDetectionDeliveriesDocument, { id: alertId.slice('saml:'.length) }, READ);
    expect(saml.body.data!.samlDetection!.deliveries.map((d) => d.responseStatus)).toEqual([202, 202, 202]);
  });
});

describe('GraphQL', () => {
  it('lists destinations without secrets, re-sends an alert and tests a destination; both need respond', async () => {
    const soar = await receiver();
    const failing = await receiver({ status: 400, body: 'no such hook' });
    const gw = await gateway(
      [
        { name: 'soar', type: 'webhook', url: '${SOAR_URL}', secret: 'signing-secret-abcdef', filters: { events: ['ALERT_CREATED'], minSeverity: 'LOW' } },
        { name: 'broken', type: 'slack', url: '${BROKEN_URL}', filters: { sources: ['STA_ALERT'] } },
      ],
      { SOAR_URL: soar.url, BROKEN_URL: failing.url },
    );
    await ingestSaml(gw, samlRecord('judy'));
    const [first] = await soar.waitFor(1);
    const alertId = first!.json.alertId as string;
    const list = await eventually(async () => {
      const r = await gw.gql(DestinationsDocument, {}, READ);
      return r.body.data?.destinations[0]?.delivered === 1 ? r : undefined;
    });
    expect(list.body.data!.destinations).toEqual([
      { name: 'soar', type: 'webhook', filters: { sources: null, minSeverity: 'LOW', events: ['ALERT_CREATED'] }, delivered: 1, failed: 0, pending: 0, lastError: null, breaker: 'closed' },
      { name: 'broken', type: 'slack', filters: { sources: ['STA_ALERT'], minSeverity: null, events: null }, delivered: 0, failed: 0, pending: 0, lastError: null, breaker: 'closed' },
    ]);
    expect(JSON.stringify(list.body)).not.toContain('127.0.0.1');

    const denied = await gw.gql(RedeliverAlertDocument, { alertId, destination: 'soar' }, READ);
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const again = await gw.gql(RedeliverAlertDocument, { alertId, destination: 'soar' }, RESPOND);
    expect(again.body.errors).toBeUndefined();
    const [, second] = await soar.waitFor(2);
    // A re-send is a new delivery (its own idempotency key) of the same alert.
    expect(second!.json.alertId).toBe(alertId);
    expect(second!.headers['idempotency-key']).toBe(again.body.data!.redeliverAlert.id);
    expect(second!.headers['idempotency-key']).not.toBe(first!.headers['idempotency-key']);
    // Filters do not apply to a re-send: the STA-only destination takes it when asked.
    await gw.gql(RedeliverAlertDocument, { alertId, destination: 'broken' }, RESPOND);
    await failing.waitFor(1);
    const unknown = await gw.gql(RedeliverAlertDocument, { alertId, destination: 'nowhere' }, RESPOND);
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const never = await gw.gql(RedeliverAlertDocument, { alertId: 'saml:never-raised', destination: 'soar' }, RESPOND);
    expect(never.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const ok = await gw.gql(TestDestinationDocument, { name: 'soar' }, RESPOND);
    expect(ok.body.data!.testDestination).toMatchObject({ destination: 'soar', event: 'TEST', status: 'DELIVERED', attempt: 1, responseStatus: 200 });
    const [, , test] = await soar.waitFor(3);
    expect(test!.json).toMatchObject({ event: 'TEST', alertId: 'test:secgraph' });
    const bad = await gw.gql(TestDestinationDocument, { name: 'broken' }, RESPOND);
    expect(bad.body.data!.testDestination).toMatchObject({ status: 'FAILED', responseStatus: 400, response: 'no such hook' });
    expect((await gw.gql(TestDestinationDocument, { name: 'soar' }, READ)).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The audit trail says what the answers said: the refused test message is a FAILED action.
    const trail = await gw.gql(AuditLogDocument, { first: 10, filter: { action: 'testDestination' } }, AUDITOR);
    const entries = trail.body.data!.auditLog.edges.map((e) => e.node).sort((a, b) => a.target!.localeCompare(b.target!));
    expect(entries.map((e) => [e.target, e.outcome, e.errorCode])).toEqual([
      ['destination:broken', 'FAILED', 'DELIVERY_FAILED'],
      ['destination:soar', 'SUCCEEDED', null],
    ]);
  });
});
