// A CloudTrail file read by two watchers (two instances racing, or a takeover mid-file) gives one set of
// detections: a matched record counts once toward its window, and grouping is serialised across instances.
// On PostgreSQL the two watchers have their own connection pools; SQLite is the one-process engine.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createPubSub } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../src/clock.js';
import { samlRuleSpec } from '../src/detection/rule-spec.js';
import { SamlDetectionService } from '../src/detection/saml-detection-service.js';
import { CloudTrailFolderWatcher } from '../src/ingest/cloudtrail-folder-watcher.js';
import { createLogger } from '../src/logger.js';
import type { Topics } from '../src/pubsub.js';
import type { Database } from '../src/store/database.js';
import { FileMarks } from '../src/store/file-marks.js';
import { databaseLocation, ENGINES, openTwo } from './helpers/databases.js';

const ACTOR = 'arn:aws:iam::111122223333:user/ops';
const samlRecord = (minute: number, eventName = 'UpdateSAMLProvider') => ({
  eventVersion: '1.11',
  userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: ACTOR, accountId: '111122223333', userName: 'ops' },
  eventTime: `2026-03-02T10:${String(minute).padStart(2, '0')}:00Z`,
  eventSource: 'iam.amazonaws.com',
  eventName,
  awsRegion: 'us-east-1',
  sourceIPAddress: '203.0.113.9',
  userAgent: 'aws-cli/2.15.30',
  eventID: `saml-${eventName}-${minute}`,
  eventType: 'AwsApiCall',
  recipientAccountId: '111122223333',
  requestParameters: { sAMLProviderArn: 'arn:aws:iam::111122223333:saml-provider/Okta' },
});

function watcher(database: Database, root: string) {
  const logger = createLogger('silent');
  const service = new SamlDetectionService({ spec: samlRuleSpec(), database, pubsub: createPubSub<Topics>(), clock: new ManualClock(), logger });
  const w = new CloudTrailFolderWatcher({ root, service, marks: new FileMarks(database.db), pollIntervalMs: 60_000, settleMs: 0, maxRecordChars: 1_000_000, wallClock: systemClock, logger });
  return { service, watcher: w };
}

describe.each(ENGINES)('two CloudTrail watchers on %s', (engine) => {
  it('read the same files at once and make one set of detections', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'secgraph-two-watchers-'));
    const day = path.join(root, 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/02');
    mkdirSync(day, { recursive: true });
    for (let f = 0; f < 4; f++) {
      const records = [samlRecord(f * 10), samlRecord(f * 10 + 1), samlRecord(f * 10 + 2, 'DeleteSAMLProvider')];
      writeFileSync(path.join(day, `111122223333_CloudTrail_us-east-1_20260302T10${f}0Z_${String(f).repeat(16)}.json.gz`), gzipSync(JSON.stringify({ Records: records })));
    }
    const [da, db] = await openTwo(engine, await databaseLocation(engine));
    const [a, b] = [watcher(da, root), watcher(db, root)];
    await Promise.all([a.watcher.scanOnce(), b.watcher.scanOnce()]);
    // Within one 60-minute window per dedup string: one alert per action, every record counted once.
    const detections = await a.service.detections();
    expect(detections.map((d) => [d.title.includes('DeleteSAMLProvider') ? 'delete' : 'update', d.eventCount]).sort()).toEqual([
      ['delete', 4],
      ['update', 8],
    ]);
    expect(await b.service.detections()).toEqual(detections);
    for (const d of detections) expect(await a.service.eventsOf(d.id)).toHaveLength(d.eventCount);
  });
});
