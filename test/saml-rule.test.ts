// The ported AWS.Suspicious.SAML.Activity rule: its YAML's own Tests (as `pat test` runs them), the upstream
// CloudTrail events of other Panther rules, and every branch of the rule and engine the spec lists.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeIndicators } from '../src/detection/cloudtrail-indicators.js';
import { formatPantherTime, parseEventTime } from '../src/detection/event-time.js';
import { pyStr } from '../src/detection/panther-event.js';
import { toPantherRow } from '../src/detection/panther-row.js';
import { parseRuleSpec, SAML_RULE_FILE, samlRuleSpec } from '../src/detection/rule-spec.js';
import { runRuleTest, runRuleTests } from '../src/detection/rule-tests.js';
import { evaluateRule } from '../src/detection/saml-rule.js';
import { recordedFixturePath } from './helpers/fixtures.js';

const spec = samlRuleSpec();
const clone = <T>(v: T): T => structuredClone(v);
/** YAML test 1: a CreateSAMLProvider by an assumed role, no errorCode. */
const base = () => clone(spec.tests.find((t) => t.name === 'CreateSAMLProvider')!.log);
const sso = () => clone(spec.tests.find((t) => t.name === 'Activity from AWSSSO Service Managed Role')!.log);
const evaluate = (event: Record<string, unknown>) => evaluateRule(spec, event);
const matches = (event: Record<string, unknown>) => {
  const r = evaluate(event);
  expect(r.ruleError).toBeNull();
  return r.matched;
};

describe('rule YAML', () => {
  it('is the source of the rule metadata', () => {
    expect(spec).toMatchObject({
      ruleId: 'AWS.Suspicious.SAML.Activity',
      displayName: 'AWS SAML Activity',
      severity: 'MEDIUM',
      threshold: 1,
      dedupPeriodMinutes: 60,
      logTypes: ['AWS.CloudTrail'],
      enabled: true,
      filename: 'aws_saml_activity.py',
      description: 'Identifies when SAML activity has occurred in AWS. An adversary could gain backdoor access via SAML.',
      reference: 'https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-managing-saml-idp-console.html',
    });
    expect(spec.tests.map((t) => [t.name, t.expectedResult])).toEqual([
      ['CreateSAMLProvider', true],
      ['DeleteSAMLProvider', true],
      ['Non Target Event', false],
      ['UpdateSAMLProvider', true],
      ['Activity from AWSSSO Service Managed Role', false],
    ]);
  });

  it.each(spec.tests.map((t) => [t.name, t] as const))('embedded test "%s" passes as pat test judges it', (_name, test) => {
    const outcome = runRuleTest(spec, test);
    expect(outcome.errors).toEqual([]);
    expect(outcome.passed).toBe(true);
  });

  it('gives the upstream titles for the positive tests', () => {
    const titles = runRuleTests(spec).filter((o) => o.expected).map((o) => o.title);
    expect(titles).toEqual(['CreateSAMLProvider', 'DeleteSAMLProvider', 'UpdateSAMLProvider'].map((n) => `[arn:aws:sts::0123456789:assumed-role/role/account] performed [${n}] in account [0123456789]`));
  });

  it('fails a test whose expectation the rule does not meet', () => {
    const yaml = readFileSync(SAML_RULE_FILE, 'utf8').replace('  - ExpectedResult: true\n    Log:\n      awsRegion: us-east-1\n      eventID: EID12345\n      eventName: CreateSAMLProvider', '  - ExpectedResult: false\n    Log:\n      awsRegion: us-east-1\n      eventID: EID12345\n      eventName: CreateSAMLProvider');
    const broken = parseRuleSpec(yaml);
    expect(runRuleTests(broken).map((o) => o.passed)).toEqual([false, true, true, true, true]);
  });

  it('fails a true test when alert_context raises, as pat test does', () => {
    const outcome = runRuleTest(spec, { name: 'null p_log_type', expectedResult: true, log: { ...base(), p_log_type: null } });
    expect(outcome.actual).toBe(true);
    expect(outcome.passed).toBe(false);
    expect(outcome.errors).toEqual(["AttributeError: 'NoneType' object has no attribute 'lower' (in alert_context)"]);
  });
});

describe('upstream CloudTrail events of other Panther rules', () => {
  const lines = readFileSync(recordedFixturePath('cloudtrail/panther-other-rules-tests.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { name: string; expected: boolean; log: Record<string, unknown> });

  it('has the 20 events', () => expect(lines).toHaveLength(20));

  it.each(lines.map((l) => [l.name, l] as const))('%s', (_name, l) => {
    const r = evaluate(l.log);
    expect(r.ruleError).toBeNull();
    expect(r.matched).toBe(l.expected);
  });
});

describe('AWS SSO service-role exclusion', () => {
  it.each(['aws', 'aws-us-gov', 'aws-cn'])('ignores the SSO service role in partition %s and any account', (partition) => {
    const e = base();
    (e['userIdentity'] as any).arn = `arn:${partition}:sts::999988887777:assumed-role/AWSServiceRoleForSSO/AWS-SSO`;
    expect(matches(e)).toBe(false);
  });

  it('is a case-sensitive suffix test', () => {
    const e = base();
    (e['userIdentity'] as any).arn = 'arn:aws:sts::123412341234:assumed-role/awsservicerolefor sso/aws-sso';
    expect(matches(e)).toBe(true);
    (e['userIdentity'] as any).arn = 'arn:aws:sts::123412341234:assumed-role/AWSServiceRoleForSSO/AWS-SSO-other';
    expect(matches(e)).toBe(true);
  });

  it.each([
    ['no userIdentity', (e: any) => delete e.userIdentity],
    ['userIdentity null', (e: any) => (e.userIdentity = null)],
    ['userIdentity not an object', (e: any) => (e.userIdentity = 'AssumedRole')],
    ['no arn', (e: any) => delete e.userIdentity.arn],
    ['arn null', (e: any) => (e.userIdentity.arn = null)],
  ])('%s: not excluded, and the title says None', (_n, mutate) => {
    const e = base();
    mutate(e);
    const r = evaluate(e);
    expect(r.ruleError).toBeNull();
    expect(r.matched).toBe(true);
    expect(r.title).toBe('[None] performed [CreateSAMLProvider] in account [0123456789]');
  });

  it.each([
    [123, 'int'],
    [1.5, 'float'],
    [true, 'bool'],
    [['arn:aws:iam::1:user/x'], 'ImmutableList'],
    [{ a: 1 }, 'ImmutableCaseInsensitiveDict'],
  ])('a non-string arn %j is a rule error, not a crash and not a miss', (arn, pyType) => {
    const e = base();
    (e['userIdentity'] as any).arn = arn;
    const r = evaluate(e);
    expect(r.matched).toBe(false);
    expect(r.ruleError).toEqual({ function: 'rule', type: 'AttributeError', message: `'${pyType}' object has no attribute 'endswith'` });
    // Production still titles the Rule Error alert.
    expect(r.title).toBe(`[${pyStr(arn)}] performed [CreateSAMLProvider] in account [0123456789]`);
  });
});

describe('errorCode suppression (Python truthiness)', () => {
  it.each([['AccessDenied'], ['NoSuchEntity'], ['EntityAlreadyExistsException'], ['0'], [' '], [1], [true], [['x']], [{ a: 1 }]])(
    'errorCode %j suppresses',
    (code) => expect(matches({ ...base(), errorCode: code })).toBe(false),
  );

  it.each([[null], [''], [0], [false], [[]], [{}]])('falsy errorCode %j does not suppress', (code) => {
    expect(matches({ ...base(), errorCode: code })).toBe(true);
  });

  it('only errorCode counts: an errorMessage alone still fires', () => {
    expect(matches({ ...base(), errorMessage: 'Something failed' })).toBe(true);
  });
});

describe('event match', () => {
  it.each(['CreateSAMLProvider', 'UpdateSAMLProvider', 'DeleteSAMLProvider'])('fires on %s', (name) => {
    expect(matches({ ...base(), eventName: name })).toBe(true);
  });

  it.each(['AssumeRoleWithSAML', 'ListSAMLProviders', 'GetSAMLProvider', 'TagSAMLProvider', 'CreateOpenIDConnectProvider', 'createsamlprovider'])(
    'does not fire on %s',
    (name) => expect(matches({ ...base(), eventName: name })).toBe(false),
  );

  it('compares eventSource exactly', () => {
    expect(matches({ ...base(), eventSource: 'IAM.amazonaws.com' })).toBe(false);
    expect(matches({ ...base(), eventSource: 'sts.amazonaws.com' })).toBe(false);
  });

  it('a non-string eventName is simply not in the list', () => {
    expect(matches({ ...base(), eventName: ['CreateSAMLProvider'] })).toBe(false);
    expect(matches({ ...base(), eventName: { n: 'CreateSAMLProvider' } })).toBe(false);
  });
});

describe('key lookup: exact first, then case-insensitive', () => {
  it('finds keys in another case, nested too', () => {
    const { eventName, eventSource, ...rest } = base();
    expect(matches({ ...rest, EventName: eventName, EVENTSOURCE: eventSource })).toBe(true);
    const e = sso();
    const identity = e['userIdentity'] as Record<string, unknown>;
    delete e['userIdentity'];
    const { arn, ...otherIdentity } = identity;
    expect(matches({ ...e, UserIdentity: { ...otherIdentity, ARN: arn } })).toBe(false);
  });

  it('prefers the exact key over a case-insensitive one', () => {
    expect(matches({ ...base(), eventName: 'ListRoles', EventName: 'CreateSAMLProvider' })).toBe(false);
    const { eventName: _drop, ...rest } = base();
    expect(matches({ ...rest, EVENTNAME: 'CreateSAMLProvider', eventname: 'ListRoles' })).toBe(true);
  });
});

describe('title and dedup', () => {
  it('renders values with Python str()', () => {
    expect(evaluate({ ...base(), recipientAccountId: 123456789012 }).title).toBe('[arn:aws:sts::0123456789:assumed-role/role/account] performed [CreateSAMLProvider] in account [123456789012]');
    expect(evaluate({ ...base(), recipientAccountId: true }).title).toMatch(/in account \[True\]$/);
    expect(evaluate({ ...base(), recipientAccountId: null }).title).toMatch(/in account \[None\]$/);
    const { recipientAccountId: _r, ...noAccount } = base();
    expect(evaluate(noAccount).title).toMatch(/in account \[None\]$/);
    expect(pyStr(1e20)).toBe('1e+20');
    expect(pyStr(0.5)).toBe('0.5');
    expect(pyStr(['a', "it's"])).toBe(`['a', "it's"]`);
  });

  it('truncates title and dedup string at 1000 characters', () => {
    const e = base();
    (e['userIdentity'] as any).arn = `arn:aws:sts::0123456789:assumed-role/role/${'x'.repeat(2000)}`;
    const r = evaluate(e);
    expect(r.title).toHaveLength(1000);
    expect(r.title!.endsWith('... (truncated)')).toBe(true);
    expect(r.dedupString).toBe(r.title);
  });

  it('uses the title as the dedup string', () => {
    const r = evaluate(base());
    expect(r.dedupString).toBe(r.title);
  });
});

describe('alert context (aws_rule_context)', () => {
  it('keeps the key order and the upstream defaults', () => {
    const r = evaluate({ eventSource: 'iam.amazonaws.com', eventName: 'CreateSAMLProvider' });
    expect(r.alertContext).toEqual({
      eventName: 'CreateSAMLProvider',
      eventSource: 'iam.amazonaws.com',
      awsRegion: '<MISSING_AWS_REGION>',
      recipientAccountId: '<MISSING_ACCOUNT_ID>',
      sourceIPAddress: '<MISSING_SOURCE_IP>',
      userAgent: '<MISSING_USER_AGENT>',
      userIdentity: '<MISSING_USER_IDENTITY>',
      'PantherFlow Investigation':
        "union panther_signals.public.correlation_signals\n    , panther_logs.public.\n| where p_event_time between time.parse_timestamp('') - time.parse_timespan('30m') .. time.parse_timestamp('') + time.parse_timespan('30m')\n| sort p_event_time",
    });
    expect(Object.keys(r.alertContext!)).toEqual(['eventName', 'eventSource', 'awsRegion', 'recipientAccountId', 'sourceIPAddress', 'userAgent', 'userIdentity', 'PantherFlow Investigation']);
  });

  it('uses a default only for absent keys, never for null', () => {
    const r = evaluate({ ...base(), userAgent: null });
    expect(r.alertContext!['userAgent']).toBeNull();
  });

  it('builds the PantherFlow investigation from the p_any_* fields (all but account ids)', () => {
    const e = sso();
    (e['userIdentity'] as any).arn = 'arn:aws:sts::123412341234:assumed-role/SomeRole/someone';
    const r = evaluate(e);
    expect(r.matched).toBe(true);
    expect(r.alertContext!['PantherFlow Investigation']).toBe(
      [
        'union panther_signals.public.correlation_signals',
        '    , panther_logs.public.aws_cloudtrail',
        "| where p_event_time between time.parse_timestamp('2022-12-12 21:46:17.000000000') - time.parse_timespan('30m') .. time.parse_timestamp('2022-12-12 21:46:17.000000000') + time.parse_timespan('30m')",
        "| where arrays.overlap(p_any_aws_arns, ['arn:aws:iam::123412341234:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO', 'arn:aws:iam::123412341234:saml-provider/AWSSSO_abdf34fd171b4a7e_DO_NOT_DELETE', 'arn:aws:sts::123412341234:assumed-role/AWSServiceRoleForSSO/AWS-SSO'])",
        "     or arrays.overlap(p_any_domain_names, ['sso.amazonaws.com'])",
        "     or arrays.overlap(p_any_trace_ids, ['ASIAXXXXNLMHSP3MFXX'])",
        "     or arrays.overlap(p_any_usernames, ['AWSServiceRoleForSSO'])",
        '| sort p_event_time',
      ].join('\n'),
    );
  });

  it('replaces a context that raises by {_error: repr(exc)}', () => {
    const r = evaluate({ ...base(), p_any_usernames: 'not-a-list' });
    expect(r.matched).toBe(true);
    expect(r.alertContext).toEqual({ _error: `AttributeError("'str' object has no attribute 'copy'")` });
    expect(r.auxErrors).toHaveLength(1);
  });
});

describe('p_any_* indicators of the CloudTrail parser', () => {
  it('gives the real Panther row its own indicators back', () => {
    const row = sso();
    const raw = Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith('p_')));
    const i = computeIndicators(raw);
    expect(i).toEqual({
      awsAccountIds: row['p_any_aws_account_ids'],
      awsArns: row['p_any_aws_arns'],
      domainNames: row['p_any_domain_names'],
      traceIds: row['p_any_trace_ids'],
      usernames: row['p_any_usernames'],
      ipAddresses: [],
    });
    expect(Object.keys(toPantherRow(raw, 0)).filter((k) => k.startsWith('p_any_'))).toEqual([
      'p_any_aws_account_ids',
      'p_any_aws_arns',
      'p_any_domain_names',
      'p_any_trace_ids',
      'p_any_usernames',
    ]);
  });

  it('splits sourceIPAddress into IPs (v4, v6) and domain names, and reads the request and response blobs', () => {
    const i = computeIndicators({
      sourceIPAddress: '2001:db8::1',
      recipientAccountId: '111122223333',
      userIdentity: { accessKeyId: '', userName: 'bob' },
      requestParameters: { instancesSet: { items: [{ privateIpAddress: '10.0.0.5', privateDnsName: 'ip-10-0-0-5.ec2.internal' }] }, roleArn: 'arn:aws:iam::444455556666:role/x' },
      responseElements: { domain: 'xn--bcher-kva.example' },
    });
    expect(i).toEqual({
      awsAccountIds: ['111122223333', '444455556666'],
      awsArns: ['arn:aws:iam::444455556666:role/x'],
      ipAddresses: ['10.0.0.5', '2001:db8::1'],
      domainNames: ['bücher.example', 'ip-10-0-0-5.ec2.internal'],
      traceIds: [],
      usernames: ['bob'],
    });
    expect(computeIndicators({ sourceIPAddress: 'AWS Internal' }).domainNames).toEqual(['AWS Internal']);
  });
});

describe('eventTime in the three formats', () => {
  it.each([
    ['2024-06-02T19:41:40Z', '2024-06-02T19:41:40.000Z'],
    ['2024-06-02 19:41:40.000000000', '2024-06-02T19:41:40.000Z'],
    ['2021-10-14 21:25:20', '2021-10-14T21:25:20.000Z'],
    ['2024-06-02T19:41:40.123456Z', '2024-06-02T19:41:40.123Z'],
    ['2024-06-02T21:41:40+02:00', '2024-06-02T19:41:40.000Z'],
  ])('reads %s', (raw, iso) => {
    expect(new Date(parseEventTime(raw)!).toISOString()).toBe(iso);
  });

  it.each([['yesterday'], ['2024-02-30T00:00:00Z'], ['2024-06-02'], [1717357300], [null]])('rejects %j', (raw) => {
    expect(parseEventTime(raw)).toBeNull();
  });

  it("renders Panther's p_event_time", () => {
    expect(formatPantherTime(Date.parse('2022-12-12T21:46:17Z'))).toBe('2022-12-12 21:46:17.000000000');
    expect(toPantherRow({ eventTime: '2021-10-14 21:25:20' }, 0)['p_event_time']).toBe('2021-10-14 21:25:20.000000000');
    // No timestamp: the parse time.
    expect(toPantherRow({}, Date.parse('2026-01-01T00:00:00Z'))['p_event_time']).toBe('2026-01-01 00:00:00.000000000');
  });

  it('matches whatever the eventTime format', () => {
    for (const t of ['2024-06-02T19:41:40Z', '2024-06-02 19:41:40.000000000', '2021-10-14 21:25:20']) {
      expect(matches({ ...base(), eventTime: t })).toBe(true);
    }
  });
});
