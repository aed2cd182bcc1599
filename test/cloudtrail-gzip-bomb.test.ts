// A gzip bomb sent to POST /ingest/cloudtrail (or dropped in the watched folder) is refused after a few
// inflated megabytes, not after inflating to CLOUDTRAIL_INGEST_MAX_BYTES. What is measured is how far the
// gateway inflated before refusing: the bombs below carry one valid record after every MiB of whitespace, so
// the records it accepted before its 413 count the MiB it inflated (and the log line says the bytes).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { createPubSub } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../src/clock.js';
import { samlRuleSpec } from '../src/detection/rule-spec.js';
import { SamlDetectionService } from '../src/detection/saml-detection-service.js';
import { CloudTrailFolderWatcher } from '../src/ingest/cloudtrail-folder-watcher.js';
import { createLogger } from '../src/logger.js';
import type { Topics } from '../src/pubsub.js';
import { openDatabase } from '../src/store/database.js';
import { FileMarks } from '../src/store/file-marks.js';
import { startServedGateway, type ServedGateway } from './helpers/server.js';

const KEY = 'bomb-ingest-key-0123456789';
const MIB = 1024 * 1024;
/** The body limit, on the wire and after gunzip. */
const CAP = 32 * MIB;
/** A refused bomb may have inflated this much at most: an eighth of the cap (the floor is 1 MiB). */
const BOUNDED = 4 * MIB;

let n = 0;
function record(extra: Record<string, unknown> = {}): Record<string, unknown> {
  n += 1;
  return {
    eventVersion: '1.11',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111122223333:user/ops', accountId: '111122223333', userName: 'ops' },
    eventTime: new Date(Date.UTC(2026, 2, 2) + n * 1000).toISOString().replace('.000', ''),
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    awsRegion: 'us-east-1',
    sourceIPAddress: `198.51.100.${n % 250}`,
    userAgent: 'aws-cli/2.15.30',
    requestID: `req-${n}`,
    eventID: `evt-${n}`,
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
    ...extra,
  };
}

/** `{"Records":[` then, `mib` times, a MiB of whitespace and a record: about 1000:1, as a bomb is. */
async function markedBomb(mib: number): Promise<Buffer> {
  const gzip = createGzip();
  const out: Buffer[] = [];
  gzip.on('data', (b: Buffer) => out.push(b));
  const done = new Promise((r) => gzip.once('end', r));
  const spaces = Buffer.alloc(MIB, 0x20);
  gzip.write('{"Records":[');
  for (let i = 0; i < mib; i++) {
    gzip.write(spaces);
    gzip.write(`${i ? ',' : ''}${JSON.stringify(record())}`);
    // Let zlib keep up instead of queueing the whole body.
    if (i % 8 === 7) await new Promise((r) => setImmediate(r));
  }
  gzip.end(']}');
  await done;
  return Buffer.concat(out);
}

describe('gzip bombs on POST /ingest/cloudtrail', () => {
  let served: ServedGateway;
  let bomb: Buffer;
  beforeAll(async () => {
    served = await startServedGateway({
      SECGRAPH_API_KEYS: `${KEY}=ingest+read`,
      CLOUDTRAIL_INGEST_MAX_BYTES: String(CAP),
      CLOUDTRAIL_MAX_RECORD_CHARS: '65536',
    });
    // Inflates to 4 times the cap: today's gateway would inflate the whole cap (32 MiB) before its 413.
    bomb = await markedBomb(4 * CAP / MIB);
    expect(bomb.length).toBeLessThan(CAP / 100);
  });
  afterAll(async () => {
    await served?.close();
  });

  const post = async (body: Uint8Array | string, headers: Record<string, string> = { 'content-type': 'application/gzip' }) => {
    const res = await fetch(`${served.gateway.url}/ingest/cloudtrail`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, ...headers }, body: body as BodyInit });
    return { status: res.status, body: (await res.json()) as any };
  };
  const bombLines = () => served.logs.lines.map((l) => JSON.parse(l)).filter((l) => /CloudTrail body cut off/.test(l.msg));

  it('refuses a bomb (413) after inflating a few MiB, not the 32 MiB cap, and says how much in its log line', async () => {
    const before = bombLines().length;
    const r = await post(bomb);
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('CLOUDTRAIL_GZIP_MAX_RATIO') });
    // One marker record per inflated MiB: today's gateway accepted 31 of them before refusing.
    expect(r.body.ingestedBeforeTheError.accepted).toBeLessThanOrEqual(BOUNDED / MIB);
    const line = bombLines().slice(before);
    expect(line).toHaveLength(1);
    expect(line[0]).toMatchObject({ level: 40, inflated: expect.any(Number), compressed: expect.any(Number), maxRatio: 100 });
    expect(line[0].inflated).toBeGreaterThan(MIB);
    expect(line[0].inflated).toBeLessThanOrEqual(BOUNDED);
  });

  it('refuses three bombs at once the same way, and keeps serving', async () => {
    const results = await Promise.all([post(bomb), post(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' }), post(bomb, {})]);
    for (const r of results) {
      expect(r.status).toBe(413);
      expect(r.body.ingestedBeforeTheError.accepted).toBeLessThanOrEqual(BOUNDED / MIB);
    }
    expect(bombLines().slice(-3).every((l) => l.inflated <= BOUNDED)).toBe(true);
    expect((await post(gzipSync(JSON.stringify({ Records: [record()] })))).body).toMatchObject({ accepted: 1 });
    expect((await fetch(`${served.gateway.url}/health`)).status).toBe(200);
  });

  it('refuses a body of deflated zeros at its first bytes: it is not JSON (400)', async () => {
    const zeros = gzipSync(Buffer.alloc(64 * MIB));
    const r = await post(zeros);
    expect(r).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT', message: expect.stringMatching(/not JSON/) } } });
  });

  it('accepts a large legitimate gzip log (tens of MiB inflated, about 40:1)', async () => {
    const records = Array.from({ length: 20_000 }, () => record({ requestParameters: { instancesSet: {}, filterSet: { items: [{ name: 'tag:team', valueSet: { items: [{ value: 'platform' }] } }] }, maxResults: 100 } }));
    const json = Buffer.from(JSON.stringify({ Records: records }));
    const file = gzipSync(json);
    expect(json.length).toBeGreaterThan(8 * MIB);
    expect(json.length).toBeLessThan(CAP);
    expect(json.length / file.length).toBeGreaterThan(10);
    const r = await post(file);
    expect(r).toMatchObject({ status: 200, body: { accepted: 20_000, rejected: 0 } });
  });

  it('still applies the per-record cap inside a gzip body: the oversized record is counted, the rest kept', async () => {
    const big = record({ requestParameters: { blob: randomBytes(48 * 1024).toString('hex') } });
    const r = await post(gzipSync(JSON.stringify({ Records: [record(), big, record()] })));
    expect(r).toMatchObject({ status: 200, body: { accepted: 2, rejected: 1 } });
    expect(r.body.rejections[0].reason).toMatch(/record larger than 65536 characters/);
  });
});

describe('gzip bombs in the watched CloudTrail folder', () => {
  it('records a bomb file as refused after a few MiB, keeps what it gave and does not retry it', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'secgraph-bomb-root-'));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'secgraph-bomb-data-'));
    const rel = 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/02/111122223333_CloudTrail_us-east-1_20260302T1005Z_aaaaaaaaaaaaaaaa.json.gz';
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    // The folder has no size limit: today the whole file (64 MiB) is inflated and scanned.
    writeFileSync(path.join(root, rel), await markedBomb(64));
    const logger = createLogger('silent');
    const database = await openDatabase({ dataDir });
    const service = new SamlDetectionService({ spec: samlRuleSpec(), database, pubsub: createPubSub<Topics>(), clock: new ManualClock(), logger });
    const marks = new FileMarks(database.db);
    const watcher = new CloudTrailFolderWatcher({ root, service, marks, pollIntervalMs: 60_000, settleMs: 0, maxRecordChars: 65_536, wallClock: systemClock, logger });
    try {
      const scan = await watcher.scanOnce();
      expect(scan.filesRead).toEqual([rel]);
      expect(scan.summaries[0]!.accepted).toBeLessThanOrEqual(BOUNDED / MIB);
      expect((await marks.get(rel))?.error).toMatch(/inflates more than 100 times/);
      expect((await watcher.scanOnce()).filesRead).toEqual([]);
    } finally {
      await watcher.stop();
      await database.close();
    }
  });
});
