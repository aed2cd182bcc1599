// SAML triage context beside the Panther rule: the SAML provider an event changed (on detections and their
// events), and SAML_IGNORE_PRINCIPALS, whose matches show as suppressed in evaluateSamlRule, are counted on
// the detection service and raise no alert. With the list empty the rule's own result is unchanged.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { samlRuleSpec } from '../src/detection/rule-spec.js';
import { evaluateRule } from '../src/detection/saml-rule.js';
import { describeFunctionError } from '../src/detection/saml-rule.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const KEY = 'triage-reader-ingester-01';
const AUTOMATION_ROLE = 'arn:aws:iam::111122223333:role/idp-metadata-rotation';
const PROVIDER = 'arn:aws:iam::111122223333:saml-provider/PartnerIdP';

let gw: TestGateway;
afterEach(async () => {
  await gw?.close();
});

const start = (env: Record<string, string> = {}) =>
  startTestGateway({ env: { SECGRAPH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'secgraph-saml-triage-')), SECGRAPH_API_KEYS: `${KEY}=read+ingest`, ...env } });

/** A SAML provider change by `actor`, as CloudTrail logs it. */
function samlChange(eventName: string, actor: { arn: string; roleArn?: string }, extra: Record<string, unknown> = {}, minute = 0) {
  return {
    eventVersion: '1.08',
    eventTime: new Date(Date.parse('2026-03-10T12:00:00Z') + minute * 60_000).toISOString().replace('.000', ''),
    eventSource: 'iam.amazonaws.com',
    eventName,
    eventType: 'AwsApiCall',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    recipientAccountId: '111122223333',
    eventID: `${eventName}-${minute}-${actor.arn}`,
    userIdentity: {
      type: actor.roleArn ? 'AssumedRole' : 'IAMUser',
      arn: actor.arn,
      accountId: '111122223333',
      ...(actor.roleArn ? { sessionContext: { sessionIssuer: { type: 'Role', arn: actor.roleArn, accountId: '111122223333' } } } : {}),
    },
    ...extra,
  };
}
const automation = { arn: 'arn:aws:sts::111122223333:assumed-role/idp-metadata-rotation/run-42', roleArn: AUTOMATION_ROLE };
const human = { arn: 'arn:aws:iam::111122223333:user/mallory' };

const ingest = async (records: unknown[]) => {
  const res = await gw.yoga.fetch('http://yoga/ingest/cloudtrail', {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ Records: records }),
  });
  return (await res.json()) as any;
};
const EVALUATE = `query($event: JSON!) { evaluateSamlRule(event: $event) { matches suppressed ruleError title dedupString alertContext indicators { awsArns } error } }`;

describe('SAML provider on detections and their events', () => {
  it('names the provider a Create (requestParameters.name, responseElements ARN) and an Update (ARN only) changed', async () => {
    gw = await start();
    const create = samlChange('CreateSAMLProvider', human, { requestParameters: { name: 'PartnerIdP', sAMLMetadataDocument: '<md/>' }, responseElements: { sAMLProviderArn: PROVIDER } });
    const update = samlChange('UpdateSAMLProvider', { arn: 'arn:aws:iam::111122223333:user/bob' }, { requestParameters: { sAMLProviderArn: PROVIDER, sAMLMetadataDocument: '<md/>' }, responseElements: { sAMLProviderArn: PROVIDER } }, 5);
    const summary = await ingest([create, update]);
    expect(summary).toMatchObject({ matched: 2, suppressed: 0 });
    const { body } = await gw.gql(
      `{ samlDetections { edges { node { title samlProviderArn samlProviderName events { edges { node { eventName samlProviderArn samlProviderName } } } } } } }`,
      {},
      KEY,
    );
    expect(body.errors).toBeUndefined();
    const nodes = body.data.samlDetections.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => [n.samlProviderArn, n.samlProviderName])).toEqual([
      [PROVIDER, 'PartnerIdP'],
      [PROVIDER, 'PartnerIdP'],
    ]);
    expect(nodes.flatMap((n: any) => n.events.edges.map((e: any) => e.node.eventName)).sort()).toEqual(['CreateSAMLProvider', 'UpdateSAMLProvider']);
    expect(nodes.every((n: any) => n.events.edges[0].node.samlProviderArn === PROVIDER)).toBe(true);
  });
});

describe('SAML_IGNORE_PRINCIPALS', () => {
  it('with the list empty, evaluateSamlRule gives the Panther rule\'s own result for each of its tests, never suppressed', async () => {
    gw = await start();
    const spec = samlRuleSpec();
    for (const test of spec.tests) {
      const { body } = await gw.gql(EVALUATE, { event: test.log }, KEY);
      expect(body.errors).toBeUndefined();
      const direct = evaluateRule(spec, test.log as Record<string, unknown>);
      const errors = [...(direct.ruleError ? [direct.ruleError] : []), ...direct.auxErrors].map(describeFunctionError);
      expect(body.data.evaluateSamlRule).toEqual({
        matches: direct.matched,
        suppressed: false,
        ruleError: direct.ruleError !== null,
        title: direct.title,
        dedupString: direct.dedupString,
        alertContext: direct.alertContext,
        indicators: { awsArns: direct.indicators.awsArns },
        error: errors.length ? errors.join('; ') : null,
      });
      expect(body.data.evaluateSamlRule.matches).toBe(test.expectedResult);
    }
  });

  it('an ignored role\'s matches show as suppressed, are counted, and raise no alert; others still alert', async () => {
    gw = await start({ SAML_IGNORE_PRINCIPALS: `${AUTOMATION_ROLE}, arn:aws:iam::*:user/ci-*` });
    const byRole = samlChange('UpdateSAMLProvider', automation, { requestParameters: { sAMLProviderArn: PROVIDER } });
    const byCi = samlChange('DeleteSAMLProvider', { arn: 'arn:aws:iam::444455556666:user/ci-deployer' }, { requestParameters: { sAMLProviderArn: PROVIDER } }, 1);
    const byHuman = samlChange('UpdateSAMLProvider', human, { requestParameters: { sAMLProviderArn: PROVIDER } }, 2);

    const evaluated = await gw.gql(EVALUATE, { event: byRole }, KEY);
    expect(evaluated.body.data.evaluateSamlRule).toMatchObject({ matches: true, suppressed: true, ruleError: false });
    expect((await gw.gql(EVALUATE, { event: byHuman }, KEY)).body.data.evaluateSamlRule).toMatchObject({ matches: true, suppressed: false });

    const summary = await ingest([byRole, byCi, byHuman]);
    expect(summary).toMatchObject({ accepted: 3, matched: 3, suppressed: 2 });
    expect(summary.detectionIds).toHaveLength(1);
    const { body } = await gw.gql(`{ samlDetections { edges { node { actorArn } } } samlDetectionStatus { ignoredPrincipals suppressedEvents } }`, {}, KEY);
    expect(body.data.samlDetections.edges.map((e: any) => e.node.actorArn)).toEqual([human.arn]);
    expect(body.data.samlDetectionStatus).toEqual({ ignoredPrincipals: [AUTOMATION_ROLE, 'arn:aws:iam::*:user/ci-*'], suppressedEvents: 2 });

    // The same records again (a re-posted body): counted once, as matches are. The count lives in the
    // database (test/store.test.ts reads it from a second instance).
    expect(await ingest([byRole, byCi])).toMatchObject({ accepted: 2, suppressed: 2 });
    const again = await gw.gql(`{ samlDetectionStatus { suppressedEvents } }`, {}, KEY);
    expect(again.body.data.samlDetectionStatus.suppressedEvents).toBe(2);
  });

  it('refuses an entry that is neither an ARN nor a glob, naming the variable', async () => {
    const { loadConfig } = await import('../src/config.js');
    expect(() => loadConfig({ SAML_IGNORE_PRINCIPALS: 'bob' })).toThrow('SAML_IGNORE_PRINCIPALS');
  });
});
