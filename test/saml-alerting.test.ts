// Panther's alert grouping for the SAML rule on the events' eventTime: windows anchored at the first match,
// thresholds, separate dedup keys, rule-error alerts, and alerts that survive a restart.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPubSub } from 'graphql-yoga';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { parseRuleSpec, SAML_RULE_FILE, samlRuleSpec, type RuleSpec } from '../src/detection/rule-spec.js';
import { SamlDetectionService } from '../src/detection/saml-detection-service.js';
import type { SamlDetectionEvent } from '../src/domain/saml-detection.js';
import { createLogger } from '../src/logger.js';
import type { GatewayPubSub, Topics } from '../src/pubsub.js';
import { openDatabase, type Database } from '../src/store/database.js';

const ACTOR = 'arn:aws:sts::111122223333:assumed-role/Admin/mallory';

function record(eventTime: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:mallory', arn: ACTOR, accountId: '111122223333', accessKeyId: 'ASIAEXAMPLE' },
    eventTime,
    eventSource: 'iam.amazonaws.com',
    eventName: 'UpdateSAMLProvider',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.7',
    userAgent: 'aws-cli/2.15.30',
    requestParameters: { sAMLProviderArn: 'arn:aws:iam::111122223333:saml-provider/Okta' },
    responseElements: { sAMLProviderArn: 'arn:aws:iam::111122223333:saml-provider/Okta' },
    eventID: `id-${eventTime}`,
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
    ...overrides,
  };
}

interface Harness {
  service: SamlDetectionService;
  published: SamlDetectionEvent[];
  ingest(...records: Array<Record<string, unknown>>): ReturnType<ReturnType<SamlDetectionService['startIngest']>['finish']>;
  close(): Promise<void>;
}

async function open(dataDir: string, spec: RuleSpec = samlRuleSpec()): Promise<Harness> {
  const pubsub = createPubSub<Topics>();
  const published: SamlDetectionEvent[] = [];
  const recording = { ...pubsub, publish: (topic: 'saml:detection', e: SamlDetectionEvent) => published.push(e) } as unknown as GatewayPubSub;
  const database = await openDatabase({ dataDir });
  opened.push(database);
  const service = new SamlDetectionService({ spec, database, pubsub: recording, clock: new ManualClock(), logger: createLogger('silent') });
  return {
    service,
    published,
    ingest(...records) {
      const session = service.startIngest('test');
      for (const r of records) session.push({ ok: true, value: r });
      return session.finish();
    },
    close: () => database.close(),
  };
}

const opened: Database[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
});

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'secgraph-saml-alerting-'));
const withThreshold = (threshold: number) =>
  parseRuleSpec(readFileSync(SAML_RULE_FILE, 'utf8').replace(/^Threshold: 1$/m, `Threshold: ${threshold}`));

describe('dedup windows on eventTime', () => {
  it('follows the Panther KB example: 10:07 opens, matches until 11:06 join, 11:07 starts a new alert', async () => {
    const h = await open(tempDir());
    await h.ingest(...['10:07', '10:36', '10:42', '11:06', '11:07'].map((t) => record(`2026-03-02T${t}:00Z`)));
    const detections = (await h.service.detections()).sort((a, b) => a.firstEventAt.localeCompare(b.firstEventAt));
    expect(detections.map((d) => [d.eventCount, d.firstEventAt, d.lastEventAt])).toEqual([
      [4, '2026-03-02T10:07:00.000Z', '2026-03-02T11:06:00.000Z'],
      [1, '2026-03-02T11:07:00.000Z', '2026-03-02T11:07:00.000Z'],
    ]);
    const title = `[${ACTOR}] performed [UpdateSAMLProvider] in account [111122223333]`;
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    expect(detections.map((d) => d.id)).toEqual([md5(`AWS.Suspicious.SAML.Activity:1:${title}`), md5(`AWS.Suspicious.SAML.Activity:2:${title}`)]);
    expect(detections[0]).toMatchObject({ title, dedupString: title, severity: 'MEDIUM', alertType: 'RULE', accountId: '111122223333', actorArn: ACTOR, actorName: 'mallory' });
    expect(h.published.map((e) => e.kind)).toEqual(['CREATED', 'CREATED']);
  });

  it('sorts a batch by eventTime, so the order inside a file does not change the alerts', async () => {
    const h = await open(tempDir());
    await h.ingest(...['11:07', '10:42', '10:07', '11:06'].map((t) => record(`2026-03-02T${t}:00Z`)));
    expect((await h.service.detections()).map((d) => d.eventCount).sort()).toEqual([1, 3]);
  });

  it('accepts the three eventTime formats on one clock', async () => {
    const h = await open(tempDir());
    await h.ingest(record('2026-03-02T10:00:00Z'), record('2026-03-02 10:20:00.000000000'), record('2026-03-02 10:40:00'));
    expect((await h.service.detections()).map((d) => d.eventCount)).toEqual([3]);
  });

  it('keeps different dedup strings apart: another action, actor or account is another alert', async () => {
    const h = await open(tempDir());
    await h.ingest(
      record('2026-03-02T10:00:00Z'),
      record('2026-03-02T10:01:00Z', { eventName: 'DeleteSAMLProvider' }),
      record('2026-03-02T10:02:00Z', { userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/bob', userName: 'bob' } }),
      record('2026-03-02T10:03:00Z', { recipientAccountId: '444455556666' }),
      record('2026-03-02T10:04:00Z'),
    );
    expect((await h.service.detections()).map((d) => d.eventCount).sort()).toEqual([1, 1, 1, 2]);
    expect((await h.service.detections()).find((d) => d.actorArn?.endsWith('user/bob'))?.actorName).toBe('bob');
  });

  it('publishes UPDATED when a later batch joins an open window', async () => {
    const h = await open(tempDir());
    await h.ingest(record('2026-03-02T10:00:00Z'));
    await h.ingest(record('2026-03-02T10:30:00Z'), record('2026-03-02T10:31:00Z'));
    expect(h.published.map((e) => [e.kind, e.detection.eventCount])).toEqual([
      ['CREATED', 1],
      ['UPDATED', 3],
    ]);
    const [d] = (await h.service.detections());
    expect((await h.service.eventsOf(d!.id)).map((e) => e.eventTime)).toEqual(['2026-03-02T10:00:00.000Z', '2026-03-02T10:30:00.000Z', '2026-03-02T10:31:00.000Z']);
  });

  it('does not alert on non-matching, suppressed or excluded records', async () => {
    const h = await open(tempDir());
    const summary = await h.ingest(
      record('2026-03-02T10:00:00Z', { eventName: 'ListSAMLProviders' }),
      record('2026-03-02T10:00:00Z', { errorCode: 'NoSuchEntity' }),
      record('2026-03-02T10:00:00Z', { userIdentity: { arn: 'arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForSSO/AWS-SSO' } }),
    );
    expect(summary).toMatchObject({ accepted: 3, matched: 0, rejected: 0 });
    expect((await h.service.detections())).toEqual([]);
    expect(h.published).toEqual([]);
  });
});

describe('threshold above 1', () => {
  it('creates the alert when the window count reaches the threshold, with every event of the window', async () => {
    const h = await open(tempDir(), withThreshold(3));
    await h.ingest(record('2026-03-02T10:00:00Z'), record('2026-03-02T10:10:00Z'));
    expect((await h.service.detections())).toEqual([]);
    expect(h.published).toEqual([]);
    await h.ingest(record('2026-03-02T10:20:00Z'));
    expect(h.published.map((e) => e.kind)).toEqual(['CREATED']);
    const [d] = (await h.service.detections());
    expect(d).toMatchObject({ eventCount: 3, firstEventAt: '2026-03-02T10:00:00.000Z', createdAt: '2026-03-02T10:20:00.000Z' });
    expect((await h.service.eventsOf(d!.id))).toHaveLength(3);
    await h.ingest(record('2026-03-02T10:59:00Z'));
    expect(h.published.map((e) => e.kind)).toEqual(['CREATED', 'UPDATED']);
  });

  it('discards a window that expires below the threshold', async () => {
    const h = await open(tempDir(), withThreshold(3));
    await h.ingest(record('2026-03-02T10:00:00Z'), record('2026-03-02T10:50:00Z'));
    await h.ingest(record('2026-03-02T11:00:00Z'), record('2026-03-02T11:05:00Z'));
    expect((await h.service.detections())).toEqual([]);
    await h.ingest(record('2026-03-02T11:30:00Z'));
    expect((await h.service.detections()).map((d) => [d.eventCount, d.firstEventAt])).toEqual([[3, '2026-03-02T11:00:00.000Z']]);
  });
});

describe('rule errors', () => {
  it('become RULE_ERROR alerts on their own key, and the ingestion goes on', async () => {
    const h = await open(tempDir());
    const summary = await h.ingest(
      record('2026-03-02T10:00:00Z', { userIdentity: { arn: 42 } }),
      record('2026-03-02T10:01:00Z', { userIdentity: { arn: 42 } }),
      record('2026-03-02T10:02:00Z'),
    );
    expect(summary).toMatchObject({ accepted: 3, matched: 1, ruleErrors: 2 });
    const errors = (await h.service.detections()).filter((d) => d.alertType === 'RULE_ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ eventCount: 2, error: "AttributeError: 'int' object has no attribute 'endswith' (in rule)", title: '[42] performed [UpdateSAMLProvider] in account [111122223333]' });
    expect((await h.service.detections()).filter((d) => d.alertType === 'RULE')).toHaveLength(1);
  });
});

describe('durability', () => {
  it('keeps alerts, their events and open windows across a restart', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await first.ingest(record('2026-03-02T10:00:00Z'), record('2026-03-02T10:05:00Z'));
    const [before] = (await first.service.detections());
    await first.close();

    const second = await open(dir);
    expect((await second.service.detections())).toEqual([before]);
    expect((await second.service.eventsOf(before!.id))).toHaveLength(2);
    await second.ingest(record('2026-03-02T10:30:00Z'), record('2026-03-02T11:00:00Z'));
    expect(second.published.map((e) => [e.kind, e.detection.id, e.detection.eventCount])).toEqual([
      ['UPDATED', before!.id, 3],
      ['CREATED', expect.not.stringMatching(before!.id), 1],
    ]);
    expect((await second.service.eventsOf(before!.id)).map((e) => e.n)).toEqual([1, 2, 3]);
    await second.close();
  });
});
