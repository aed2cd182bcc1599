// CloudTrail ingestion: POST /ingest/cloudtrail through the real yoga app (auth, scopes, gzip, JSON lines,
// single records, malformed and mixed bodies, 400 and 413), and the folder watcher on an AWSLogs tree
// (digest and insight files skipped, files remembered across restarts, files still being written left alone).
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createPubSub } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock, type Clock } from '../src/clock.js';
import { samlRuleSpec } from '../src/detection/rule-spec.js';
import { SamlDetectionService } from '../src/detection/saml-detection-service.js';
import { CloudTrailFolderWatcher } from '../src/ingest/cloudtrail-folder-watcher.js';
import { createLogger } from '../src/logger.js';
import type { Topics } from '../src/pubsub.js';
import { openDatabase } from '../src/store/database.js';
import { FileMarks } from '../src/store/file-marks.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const INGEST_KEY = 'ingest-key-0123456789';
const READ_KEY = 'read-only-key-0123456789';
const tempDir = (name: string) => mkdtempSync(path.join(tmpdir(), `secgraph-${name}-`));

let n = 0;
function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  n += 1;
  return {
    eventVersion: '1.11',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111122223333:user/ops', accountId: '111122223333', userName: 'ops' },
    eventTime: `2026-03-02T10:${String(n % 60).padStart(2, '0')}:00Z`,
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.9',
    userAgent: 'aws-cli/2.15.30',
    eventID: `event-${n}`,
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
    ...overrides,
  };
}
const saml = (overrides: Record<string, unknown> = {}) => record({ eventSource: 'iam.amazonaws.com', eventName: 'CreateSAMLProvider', ...overrides });

describe('POST /ingest/cloudtrail', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      env: {
        SECGRAPH_DATA_DIR: tempDir('ingest-http'),
        SECGRAPH_API_KEYS: `${INGEST_KEY}=ingest+read,${READ_KEY}=read`,
        CLOUDTRAIL_INGEST_MAX_BYTES: '65536',
        CLOUDTRAIL_MAX_RECORD_CHARS: '4096',
      },
    });
  });
  afterAll(async () => {
    await gw.close();
  });

  const post = async (body: BodyInit | null, headers: Record<string, string> = {}, key: string | null = INGEST_KEY) => {
    const res = await gw.yoga.fetch('http://yoga/ingest/cloudtrail', {
      method: 'POST',
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    return { status: res.status, body: (await res.json()) as any };
  };

  it('asks for an API key (401), a valid one (401) and the ingest scope (403)', async () => {
    const body = JSON.stringify({ Records: [saml()] });
    expect(await post(body, {}, null)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await post(body, {}, 'wrong-key-0123456789')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'The API key is not valid' } } });
    expect(await post(body, {}, READ_KEY)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    const get = await gw.yoga.fetch('http://yoga/ingest/cloudtrail', { headers: { authorization: `Bearer ${INGEST_KEY}` } });
    expect(get.status).toBe(405);
    expect(gw.logs.text).not.toContain(INGEST_KEY);
    expect(gw.logs.text).not.toContain('wrong-key-0123456789');
  });

  it('ingests a CloudTrail file as S3 stores it, and its detection is in the graph', async () => {
    const arn = 'arn:aws:iam::111122223333:user/plain-file';
    const res = await post(JSON.stringify({ Records: [record(), saml({ userIdentity: { type: 'IAMUser', arn, userName: 'plain-file' } }), record()] }), { 'content-type': 'application/json' });
    expect(res).toMatchObject({ status: 200, body: { accepted: 3, rejected: 0, matched: 1, ruleErrors: 0, rejections: [] } });
    expect(res.body.detectionIds).toHaveLength(1);
    const { body } = await gw.gql(`query($id: ID!) { samlDetection(id: $id) { actorArn eventCount } }`, { id: res.body.detectionIds[0] }, READ_KEY);
    expect(body.data.samlDetection).toEqual({ actorArn: arn, eventCount: 1 });
  });

  it('reads gzip when Content-Type is application/gzip or Content-Encoding is gzip', async () => {
    const file = gzipSync(JSON.stringify({ Records: [record(), saml()] }));
    expect(await post(file, { 'content-type': 'application/gzip' })).toMatchObject({ status: 200, body: { accepted: 2, matched: 1 } });
    expect(await post(file, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).toMatchObject({ status: 200, body: { accepted: 2, matched: 1 } });
    // What an S3 download tool sends: no header, the gzip magic decides.
    expect(await post(file, { 'content-type': 'application/octet-stream' })).toMatchObject({ status: 200, body: { accepted: 2 } });
  });

  it('applies CLOUDTRAIL_INGEST_MAX_BYTES after gunzip too: a small gzip that inflates past it is 413', async () => {
    const bomb = gzipSync(Buffer.from(`{"Records":[${' '.repeat(1024 * 1024)}]}`));
    expect(bomb.length).toBeLessThan(65536);
    const r = await post(new Uint8Array(bomb), { 'content-type': 'application/gzip' });
    expect(r).toMatchObject({ status: 413, body: { error: { code: 'BAD_USER_INPUT' } } });
    expect(r.body.error.message).toContain('CLOUDTRAIL_INGEST_MAX_BYTES');
  });

  it('accepts a single record and JSON lines', async () => {
    expect(await post(JSON.stringify(saml()))).toMatchObject({ status: 200, body: { accepted: 1, matched: 1 } });
    const lines = [record(), saml(), record()].map((r) => JSON.stringify(r)).join('\n');
    expect(await post(lines, { 'content-type': 'application/x-ndjson' })).toMatchObject({ status: 200, body: { accepted: 3, matched: 1 } });
  });

  it('skips and counts malformed records while keeping the rest of the file', async () => {
    const good = JSON.stringify(record());
    const body = `{"Records":[${good},42,{"eventName":"x"},${JSON.stringify(record({ eventTime: 'yesterday' }))},{"broken":tru},${JSON.stringify(saml())}]}`;
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, rejected: 4, matched: 1 });
    expect(res.body.rejections.map((r: any) => r.index)).toEqual([2, 3, 4, 5]);
    expect(res.body.rejections[0].reason).toBe('not a JSON object (number)');
    expect(res.body.rejections[1].reason).toMatch(/^missing required fields awsRegion, eventID, eventSource, eventTime/);
    expect(res.body.rejections[2].reason).toBe('eventTime "yesterday" is not a timestamp');
    expect(res.body.rejections[3].reason).toMatch(/^malformed JSON/);
  });

  it('keeps the good lines of JSON lines around a broken one', async () => {
    const body = [JSON.stringify(record()), '{"eventName": "CreateSAMLProvider", ', 'not json at all', JSON.stringify(saml())].join('\n');
    const res = await post(body);
    expect(res).toMatchObject({ status: 200, body: { accepted: 2, rejected: 2, matched: 1 } });
  });

  it('counts a record over the record limit and a file cut short', async () => {
    const huge = record({ requestParameters: { blob: 'x'.repeat(5000) } });
    const res = await post(`{"Records":[${JSON.stringify(huge)},${JSON.stringify(record())},{"eventName":`);
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, rejected: 2 } });
    expect(res.body.rejections.map((r: any) => r.reason)).toEqual(['record larger than 4096 characters', 'unexpected end of input inside the Records array']);
  });

  it.each([
    ['text', 'hello, this is not CloudTrail', /^the body is not JSON \(it starts with "hello, this is not /],
    ['broken JSON', '{not json', /^the body is not JSON: /],
    ['an empty body', '', /^the body is empty/],
    ['whitespace', '  \n ', /^the body is empty/],
  ])('answers 400 with a message for %s', async (_name, body, message) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_USER_INPUT');
    expect(res.body.error.message).toMatch(message);
  });

  it('answers 400 for a body that claims gzip and is not', async () => {
    const res = await post('{"Records":[]}', { 'content-type': 'application/gzip' });
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT', message: expect.stringMatching(/^the body is not valid gzip/) } } });
  });

  it('accepts an empty Records array', async () => {
    expect(await post('{"Records":[]}')).toMatchObject({ status: 200, body: { accepted: 0, rejected: 0, matched: 0 } });
  });

  it('answers 413 for a body over the limit, announced or streamed', async () => {
    const big = JSON.stringify({ Records: Array.from({ length: 200 }, () => record()) });
    expect(big.length).toBeGreaterThan(65536);
    const announced = await post(big, { 'content-length': String(big.length) });
    expect(announced).toMatchObject({ status: 413, body: { error: { code: 'BAD_USER_INPUT', message: expect.stringContaining('limit of 65536 bytes') } } });
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.slice(i, i + 8192));
        controller.close();
      },
    });
    const streamed = await post(stream);
    expect(streamed.status).toBe(413);
    expect(streamed.body.error.message).toContain('CLOUDTRAIL_INGEST_MAX_BYTES');
    // What was read before the limit was ingested, and the response says how much.
    expect(streamed.body.ingestedBeforeTheError.accepted).toBeGreaterThan(0);
  });
});

describe('CloudTrail folder watcher', () => {
  const gz = (records: unknown[]) => gzipSync(JSON.stringify({ Records: records }));
  const put = (root: string, rel: string, data: Buffer | string) => {
    const full = path.join(root, rel);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, data);
    return full;
  };
  const day = 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/02';

  async function setup(dataDir: string, root: string, wallClock: Clock = systemClock, settleMs = 0) {
    const logger = createLogger('silent');
    const database = await openDatabase({ dataDir });
    const service = new SamlDetectionService({ spec: samlRuleSpec(), database, pubsub: createPubSub<Topics>(), clock: new ManualClock(), logger });
    const marks = new FileMarks(database.db);
    const watcher = new CloudTrailFolderWatcher({ root, service, marks, pollIntervalMs: 60_000, settleMs, maxRecordChars: 1_000_000, wallClock, logger });
    return {
      service,
      watcher,
      marks,
      async close() {
        await watcher.stop();
        await database.close();
      },
    };
  }

  it('reads log files once, skips digests, insights and other files, and remembers across restarts', async () => {
    const root = tempDir('cloudtrail-root');
    const dataDir = tempDir('cloudtrail-data');
    put(root, `${day}/111122223333_CloudTrail_us-east-1_20260302T1005Z_aaaaaaaaaaaaaaaa.json.gz`, gz([record(), saml()]));
    put(root, `${day}/111122223333_CloudTrail_us-east-1_20260302T1010Z_bbbbbbbbbbbbbbbb.json`, JSON.stringify({ Records: [record()] }));
    put(root, 'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/02/111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20260302T100000Z.json.gz', gz([saml()]));
    put(root, 'AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2026/03/02/111122223333_CloudTrail-Insight_us-east-1_20260302T1000Z_cccccccccccccccc.json.gz', gz([saml()]));
    put(root, `${day}/notes.txt`, 'not a log');
    put(root, 'elsewhere/111122223333_CloudTrail_us-east-1_20260302T1010Z_dddddddddddddddd.json.gz', gz([saml()]));

    const a = await setup(dataDir, root);
    const scan = await a.watcher.scanOnce();
    expect(scan.filesRead).toEqual([
      `${day}/111122223333_CloudTrail_us-east-1_20260302T1005Z_aaaaaaaaaaaaaaaa.json.gz`,
      `${day}/111122223333_CloudTrail_us-east-1_20260302T1010Z_bbbbbbbbbbbbbbbb.json`,
    ]);
    expect(scan.summaries.map((s) => [s.accepted, s.matched])).toEqual([[2, 1], [1, 0]]);
    expect((await a.service.detections())).toHaveLength(1);
    expect((await a.watcher.scanOnce()).filesRead).toEqual([]);

    // A file delivered later is picked up by the next pass.
    const later = `${day}/111122223333_CloudTrail_us-east-1_20260302T1015Z_eeeeeeeeeeeeeeee.json.gz`;
    put(root, later, gz([saml({ eventName: 'DeleteSAMLProvider' })]));
    expect((await a.watcher.scanOnce()).filesRead).toEqual([later]);
    await a.close();

    // After a restart: nothing is read twice, new files are.
    const b = await setup(dataDir, root);
    expect((await b.watcher.scanOnce()).filesRead).toEqual([]);
    expect((await b.service.detections())).toHaveLength(2);
    const afterRestart = `AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/03/111122223333_CloudTrail_eu-west-1_20260303T0000Z_ffffffffffffffff.json.gz`;
    put(root, afterRestart, gz([record()]));
    expect((await b.watcher.scanOnce()).filesRead).toEqual([afterRestart]);
    await b.close();
  });

  it('leaves a file that is still being written for a later pass', async () => {
    const root = tempDir('cloudtrail-root');
    const wall = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
    const w = await setup(tempDir('cloudtrail-data'), root, wall, 5_000);
    const file = put(root, `${day}/111122223333_CloudTrail_us-east-1_20260302T1005Z_aaaaaaaaaaaaaaaa.json.gz`, gz([saml()]));
    utimesSync(file, new Date(wall.now() - 1_000), new Date(wall.now() - 1_000));
    expect((await w.watcher.scanOnce()).filesRead).toEqual([]);
    wall.advance(10_000);
    expect((await w.watcher.scanOnce()).filesRead).toHaveLength(1);
    await w.close();
  });

  it('keeps the records of a damaged file, records why, and does not retry it', async () => {
    const root = tempDir('cloudtrail-root');
    const w = await setup(tempDir('cloudtrail-data'), root);
    const whole = gz([saml(), ...Array.from({ length: 300 }, (_, i) => record({ requestParameters: { i, pad: 'y'.repeat(200) } }))]);
    const rel = `${day}/111122223333_CloudTrail_us-east-1_20260302T1005Z_aaaaaaaaaaaaaaaa.json.gz`;
    put(root, rel, whole.subarray(0, Math.floor(whole.length / 2)));
    const scan = await w.watcher.scanOnce();
    expect(scan.filesRead).toEqual([rel]);
    expect(scan.summaries[0]!.matched).toBe(1);
    expect(scan.summaries[0]!.rejected).toBeGreaterThan(0);
    expect((await w.marks.get(rel))?.error).toMatch(/gzip/);
    expect((await w.watcher.scanOnce()).filesRead).toEqual([]);
    await w.close();
  });
});
