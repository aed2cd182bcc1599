// The SAML ingest raw prefilter (src/ingest/record-reader.ts, raw-json-object.ts, saml-raw-prefilter.ts) must
// give exactly what full evaluation gives: every body here is ingested twice, once with every record parsed
// and evaluated, once with the raw path on, and the summaries (accepted, rejected with their reasons, matched,
// suppressed, rule errors), the detections, their matched events and indicators, the published events and any
// thrown error must be the same. Bodies: the shared fixtures, the rule's YAML tests, the generated sandbox
// tree, and crafted records (escaped spellings, escaped keys, duplicate keys, a non-string arn, malformed
// JSON, invalid UTF-8, nesting, braces in strings, records split across chunks at every byte).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createPubSub } from 'graphql-yoga';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { checkCloudTrailRecord } from '../src/detection/cloudtrail-record.js';
import { parseEventTime } from '../src/detection/event-time.js';
import { samlRuleSpec } from '../src/detection/rule-spec.js';
import { SamlDetectionService } from '../src/detection/saml-detection-service.js';
import { isPlainEventTime, SAML_RAW_PREFILTER } from '../src/detection/saml-raw-prefilter.js';
import { rule } from '../src/detection/saml-rule.js';
import type { SamlDetectionEvent } from '../src/domain/saml-detection.js';
import { writeSampleCloudTrailTree } from '../src/emulators/cloudtrail/sample-tree.js';
import { SeededRandom } from '../src/emulators/random.js';
import { ingestCloudTrailStream } from '../src/ingest/cloudtrail-stream.js';
import { objectElementEnd } from '../src/ingest/record-reader.js';
import { createLogger } from '../src/logger.js';
import type { GatewayPubSub, Topics } from '../src/pubsub.js';
import { openDatabase } from '../src/store/database.js';

const root = mkdtempSync(path.join(tmpdir(), 'secgraph-raw-prefilter-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
/** The fewest records the raw path settled in the raw runs of the last expectSame. */
let lastSettled = 0;

const IGNORED = 'arn:aws:sts::111122223333:assumed-role/Automation/*';

interface Outcome {
  error: string | null;
  sawJson?: boolean;
  summary?: unknown;
  detections?: unknown;
  events?: unknown;
  published: Array<Omit<SamlDetectionEvent, 'at'>>;
}

/** Ingests `body` (split into `chunk`-byte pieces) with or without the raw path and records all it gave. */
async function ingest(body: Buffer, opts: { raw: boolean; chunk: number; gzip?: boolean; maxRecordChars?: number }): Promise<Outcome> {
  const pubsub = createPubSub<Topics>();
  const published: Array<Omit<SamlDetectionEvent, 'at'>> = [];
  // Without `at`: when it was published, a wall-clock time.
  const recording = { ...pubsub, publish: (_topic: 'saml:detection', { at: _at, ...e }: SamlDetectionEvent) => published.push(e) } as unknown as GatewayPubSub;
  const database = await openDatabase({ dataDir: path.join(root, String(dirs++)) });
  try {
    const service = new SamlDetectionService({
      spec: samlRuleSpec(),
      database,
      pubsub: recording,
      clock: new ManualClock(),
      logger: createLogger('silent'),
      ignorePrincipals: [IGNORED],
    });
    const bytes = opts.gzip ? gzipSync(body) : body;
    const pieces = Readable.from(
      (function* () {
        for (let i = 0; i < bytes.length; i += opts.chunk) yield bytes.subarray(i, i + opts.chunk);
      })(),
    );
    const session = service.startIngest('test');
    const settle = session.pushSettled.bind(session);
    let settled = 0;
    session.pushSettled = () => {
      settled += 1;
      settle();
    };
    let sawJson: boolean;
    try {
      ({ sawJson } = await ingestCloudTrailStream(pieces, session, {
        gzip: opts.gzip ?? false,
        maxBytes: 1 << 30,
        maxRecordChars: opts.maxRecordChars ?? 4096,
        rawPrefilter: opts.raw,
      }));
    } catch (e) {
      return { error: `${(e as Error).name}: ${(e as Error).message}`, published };
    }
    const summary = await session.finish();
    const detections = await service.detections({}, 1000);
    const events = await Promise.all(detections.map((d) => service.eventsOf(d.id, null, 1000)));
    if (opts.raw) lastSettled = Math.min(lastSettled, settled);
    return { error: null, sawJson, summary, detections, events, published };
  } finally {
    await database.close();
  }
}

/** Full evaluation and the raw path agree on `body` at every chunk size given. */
async function expectSame(body: Buffer, chunks: number[], extra: { gzip?: boolean; maxRecordChars?: number; mayThrow?: boolean } = {}): Promise<Outcome> {
  const full = await ingest(body, { ...extra, raw: false, chunk: body.length || 1 });
  if (!extra.mayThrow) expect(full.error).toBeNull();
  lastSettled = Infinity;
  for (const chunk of chunks) {
    const raw = await ingest(body, { ...extra, raw: true, chunk });
    // NotJsonError quotes the first chunk: compare it with full evaluation of the same chunks.
    const reference = extra.mayThrow ? await ingest(body, { ...extra, raw: false, chunk }) : full;
    expect(raw, `chunks of ${chunk} bytes`).toEqual(reference);
  }
  return full;
}

const ACTOR = 'arn:aws:sts::111122223333:assumed-role/Admin/mallory';
let seq = 0;
/** A CloudTrail record as AWS writes it; by default one the rule finds nothing in. */
function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  seq += 1;
  return {
    eventVersion: '1.11',
    userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:mallory', arn: ACTOR, accountId: '111122223333' },
    eventTime: `2026-03-02T10:${String(seq % 60).padStart(2, '0')}:00Z`,
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.7',
    userAgent: 'aws-cli/2.15.30',
    requestParameters: { instancesSet: {}, filterSet: { items: [{ name: 'tag:team', valueSet: { items: [{ value: 'platform' }] } }] } },
    responseElements: null,
    eventID: `id-${seq}`,
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
    ...overrides,
  };
}
const saml = (overrides: Record<string, unknown> = {}) => record({ eventSource: 'iam.amazonaws.com', eventName: 'UpdateSAMLProvider', ...overrides });
/** A record's JSON with `from` replaced by `to` (for spellings JSON.stringify would not write). */
const edit = (r: Record<string, unknown>, from: string, to: string) => {
  const text = JSON.stringify(r);
  if (!text.includes(from)) throw new Error(`${from} not in the record`);
  return text.replace(from, to);
};
const wrap = (elements: Array<string | Buffer>) => Buffer.concat([Buffer.from('{"Records":['), ...elements.flatMap((e, i) => [Buffer.from(i ? ',' : ''), Buffer.from(e)]), Buffer.from(']}')]);

/** Crafted elements: each is evaluated in full by one side and (where it may) settled raw by the other. */
function craftedElements(): Array<string | Buffer> {
  const plain = JSON.stringify(record());
  return [
    plain,
    JSON.stringify(saml()),
    JSON.stringify(saml({ userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/Automation/bot' } })), // suppressed
    // Escaped spellings of a SAML action, of its key, of `arn`; escapes the raw path must not read past.
    edit(saml(), '"UpdateSAMLProvider"', '"Update\\u0053AMLProvider"'),
    edit(saml(), '"UpdateSAMLProvider"', '"\\u0055pdateSAMLProvider"'),
    edit(record({ eventSource: 'iam.amazonaws.com' }), '"eventName":"DescribeInstances"', '"eventName":"DescribeInstances","event\\u004eame":"CreateSAMLProvider"'),
    edit(record({ eventSource: 'iam.amazonaws.com' }), '"eventName":"DescribeInstances"', '"eventName":"Describe\\/Instances"'),
    edit(record(), `"arn":"${ACTOR}"`, '"\\u0061rn":42'),
    edit(record(), '"eventID":', '"event\\u0049D":null,"eventID":'),
    // Duplicate keys: JSON.parse keeps the last one.
    edit(record({ eventSource: 'iam.amazonaws.com' }), '"eventName":"DescribeInstances"', '"eventName":"DescribeInstances","eventName":"DeleteSAMLProvider"'),
    edit(saml(), '"eventName":"UpdateSAMLProvider"', '"eventName":"UpdateSAMLProvider","eventName":"ListRoles"'),
    edit(record(), '"eventID":', '"eventID":null,"eventID":'),
    edit(record(), '"eventID":"', '"eventID":"x","eventID":null,"x":"'),
    edit(record(), '"eventTime":"', '"eventTime":"2026-02-30T00:00:00Z","eventTime":"'),
    edit(record(), '"eventTime":', '"eventTime":"2026-03-02T10:00:00Z","eventTime":'),
    // userIdentity.arn that makes rule() raise, in every case spelling, and ones that do not.
    JSON.stringify(record({ userIdentity: { type: 'IAMUser', arn: 12345 } })),
    JSON.stringify(record({ userIdentity: { type: 'IAMUser', arn: ['a'] } })),
    JSON.stringify(record({ userIdentity: { type: 'IAMUser', arn: { a: 1 } } })),
    JSON.stringify(record({ userIdentity: { type: 'IAMUser', arn: true } })),
    JSON.stringify(record({ userIdentity: { type: 'IAMUser', ARN: 7 } })),
    JSON.stringify(record({ userIdentity: { type: 'IAMUser', aRn: false } })),
    JSON.stringify(record({ userIdentity: { type: 'IAMUser', arn: 'x', Arn: 1 } })),
    JSON.stringify(record({ userIdentity: { type: 'IAMUser', arn: null } })),
    JSON.stringify(record({ userIdentity: { type: 'IAMUser' } })),
    JSON.stringify(record({ userIdentity: { type: 'IAMUser', sessionContext: { arn: 5 } } })),
    JSON.stringify(record({ userIdentity: 'root' })),
    JSON.stringify(record({ userIdentity: [{ arn: 1 }] })),
    JSON.stringify(record({ userIdentity: {} })),
    JSON.stringify(record({ user: { arn: 1 } })),
    JSON.stringify(saml({ userIdentity: { arn: 3.5 } })),
    // What the rule reads otherwise.
    JSON.stringify(saml({ errorCode: 'AccessDenied' })),
    JSON.stringify(saml({ errorCode: '' })),
    JSON.stringify(saml({ userIdentity: { arn: 'arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForSSO/AWS-SSO' } })),
    JSON.stringify(record({ eventSource: 'iam.amazonaws.com', eventName: 'UpdateSAMLProviderX' })),
    JSON.stringify(record({ eventSource: 'iam.amazonaws.com', eventName: ['UpdateSAMLProvider'] })),
    JSON.stringify(record({ eventSource: 'iam.amazonaws.com', eventName: 7 })),
    JSON.stringify(record({ EventName: 'UpdateSAMLProvider', eventSource: 'iam.amazonaws.com' })),
    JSON.stringify(record({ p_log_type: 'AWS.CloudTrail' })),
    JSON.stringify(saml({ p_log_type: 'Okta.SystemLog' })),
    JSON.stringify(record({ p_log_type: 5 })),
    // Required fields and eventTime (checkCloudTrailRecord).
    JSON.stringify(record({ eventID: undefined })),
    JSON.stringify(record({ awsRegion: null })),
    JSON.stringify(record({ sourceIPAddress: 0 })),
    JSON.stringify(record({ eventType: false })),
    JSON.stringify(record({ eventVersion: {} })),
    ...['2026-02-29T00:00:00Z', '2024-02-29T23:59:59Z', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z',
      '2026-04-31T00:00:00Z', '2026-04-30T24:00:00Z', '2026-04-30T23:60:00Z', '2026-04-30T23:59:60Z', '0099-01-01T00:00:00Z', '0999-03-01T00:00:00Z',
      ' 2026-03-02T10:00:00Z', '2026-03-02 10:00:00', '2026-03-02T10:00:00.123Z', '2026-03-02t10:00:00z', '2026-03-02T10:00:00+01:00', '2026-3-02T10:00:00Z',
      '2026-03-02T10:00:0aZ', '２026-03-02T10:00:00Z', ''].map((eventTime) => JSON.stringify(record({ eventTime }))),
    JSON.stringify(record({ eventTime: 1772445600000 })),
    // Grammar: what JSON.parse accepts and what it does not.
    JSON.stringify(record({ n: [0, -0, 1.5, -2e10, 1E+2, 3e-7, 1e400, 123456789012345678901234567890] })),
    JSON.stringify(record({ deep: JSON.parse('['.repeat(100) + ']'.repeat(100)) })),
    JSON.stringify(record({ deep: JSON.parse('{"a":'.repeat(70) + '1' + '}'.repeat(70)) })),
    JSON.stringify(record({ braces: '}{][,:"\'', more: '{"Records":[' })),
    plain.replace('"eventVersion"', '"__proto__":{"arn":1},"constructor":2,"toString":"x","eventVersion"'),
    JSON.stringify(record(), null, 2),
    JSON.stringify(record()).replaceAll(',', ' ,\t').replaceAll(':', '\r\n:'),
    plain.replace('"eventVersion"', '\u00a0"eventVersion"'),
    plain.replace(':"1.11"', ':"1.11",'),
    plain.replace('"1.11"', '01'),
    plain.replace('"1.11"', '1.'),
    plain.replace('"1.11"', '.5'),
    plain.replace('"1.11"', '-'),
    plain.replace('"1.11"', '+1'),
    plain.replace('"1.11"', '1e'),
    plain.replace('"1.11"', '1e+'),
    plain.replace('"1.11"', 'tru'),
    plain.replace('"1.11"', 'nulls'),
    plain.replace('"1.11"', 'NaN'),
    plain.replace('"1.11"', '"a\\x"'),
    plain.replace('"1.11"', '"a\\u12G4"'),
    plain.replace('"1.11"', '"tab\there"'),
    plain.replace('"1.11"', '"line\nbreak"'),
    plain.replace('"1.11"', '"\u0000"'),
    plain.replace('"1.11"', '"\u007f\u2028"'),
    plain.replace('"1.11"', "'1.11'"),
    plain.replace('"1.11"', '[1,]'),
    plain.replace('"1.11"', '[1 2]'),
    plain.replace('"1.11"', '{"a":1]'),
    plain.replace('"1.11"', '{"a" 1}'),
    plain.replace('"1.11"', '{"a":1,}'),
    plain.replace('"1.11"', '{,}'),
    plain.replace('"1.11"', '{1:2}'),
    plain.replace('{"eventVersion"', '{,"eventVersion"'),
    plain.replace('"eventVersion":', '"eventVersion"::'),
    plain + '}',
    plain.slice(0, -1) + ']',
    '{}',
    '{ }',
    // Escapes that hide quotes and brackets from a scanner that ignores them.
    plain.replace('"1.11"', '"\\"}]{[\\\\"'),
    plain.replace('"1.11"', '"\\\\\\""'),
    // Non-ASCII and invalid UTF-8 (decoding replaces, never rejects).
    JSON.stringify(record({ userAgent: 'héllo ☃ 😀 ｅｖｅｎｔ', eventName: 'Ｕｐｄａｔｅ' })),
    Buffer.concat([Buffer.from(plain.split('"aws-cli/2.15.30"')[0]! + '"aws-cli'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"' + plain.split('"aws-cli/2.15.30"')[1]!)]),
    Buffer.concat([Buffer.from(plain.split('"awsRegion"')[0]! + '"awsRegion'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"' + plain.split('"awsRegion"')[1]!)]),
    Buffer.concat([Buffer.from(plain.split('"eventName":"DescribeInstances"')[0]! + '"eventName":"UpdateSAMLProvider'), Buffer.from([0xe2, 0x80]), Buffer.from('","eventSource":"iam.amazonaws.com"' + plain.split('"eventName":"DescribeInstances"')[1]!)]),
    Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from('"}')]),
    // Elements that are not objects, and a BOM between elements.
    '5',
    '"a string"',
    'null',
    '[1,2,{"eventName":"UpdateSAMLProvider"}]',
    'true',
    '\ufeff' + plain,
  ];
}

describe('SAML ingest raw prefilter: identical to full evaluation', () => {
  it('agrees on every crafted record, split into chunks at every size', async () => {
    const elements = craftedElements();
    const body = wrap(elements);
    const full = await expectSame(body, [3, 7, 61, 500, 4096, body.length]);
    // The body exercises all of it: accepted, rejected, matched, suppressed and rule errors.
    const s = full.summary as { accepted: number; rejected: number; matched: number; suppressed: number; ruleErrors: number };
    expect(s.accepted).toBeGreaterThanOrEqual(60);
    expect(s.rejected).toBeGreaterThanOrEqual(50);
    expect(s.matched).toBeGreaterThanOrEqual(6);
    expect(s.suppressed).toBe(1);
    expect(s.ruleErrors).toBeGreaterThanOrEqual(8);
    // …and the raw path settled records in it (at every chunk size), so the comparison is not vacuous.
    expect(lastSettled).toBeGreaterThanOrEqual(5);
    // And each element on its own, so one odd element cannot hide another.
    for (const e of elements) await expectSame(wrap([e]), [1, 100_000]);
  });

  it('fails where full evaluation fails: a p_log_type String() cannot convert', async () => {
    const full = await expectSame(wrap([JSON.stringify(record()), JSON.stringify(record({ p_log_type: { toString: 1 } }))]), [1, 100_000], { mayThrow: true });
    expect(full.error).toMatch(/^TypeError/);
  });

  it('agrees on records over the record limit, counted in characters, not bytes', async () => {
    // Records of exactly `limit` characters and one more, in one-byte, two-byte and four-byte characters.
    const limit = 900;
    const wide = (extra: number, ch: string) => {
      const text = JSON.stringify(record({ pad: '' }));
      const n = limit - text.length + extra;
      return text.replace('"pad":""', `"pad":"${ch.repeat(Math.floor(n / ch.length)) + 'a'.repeat(n % ch.length)}"`);
    };
    await expectSame(wrap([wide(0, 'é'), wide(1, 'é'), wide(0, 'a'), wide(1, 'a'), wide(0, '😀'), wide(1, '😀')]), [1, 9, 700, 100_000], {
      maxRecordChars: limit,
    });
  });

  it('agrees on a record longer than the raw path carries between chunks (256 KiB), kept or over the limit', async () => {
    const big = JSON.stringify(record({ pad: 'x'.repeat(300_000) }));
    const body = wrap([JSON.stringify(record()), big, JSON.stringify(saml()), ...Array.from({ length: 200 }, () => JSON.stringify(record())), big, JSON.stringify(saml())]);
    await expectSame(body, [4096, 65_536, 1 << 20], { maxRecordChars: 1 << 20 });
    await expectSame(body, [65_536, 1 << 20], { maxRecordChars: 200_000 });
  });

  it('agrees on every shape of body the scanner reads', async () => {
    const r = () => JSON.stringify(record());
    const s = () => JSON.stringify(saml());
    const bodies = [
      `{"Records":[${r()},${s()},${r()}]}`,
      `[${r()},${s()}]`,
      `${r()}\n${s()}\n${r()}\n`,
      `{"Records":[${r()}]}{"Records":[${s()},${r()}]}\n{"Records":[${r()}]}`,
      `{"foo":[1,[2]],"Records":[${r()},${s()}],"bar":{"Records":[${s()}]}}`,
      `{"Records":[${r()},${s()}],"Records":[${r()}]}`,
      `\ufeff{"Records":[${r()},${s()}]}`,
      `\ufeff\ufeff {"Records":[${r()},${s()}]}`,
      `\ufeffnope [${r()}]`,
      ` \n\t{"Records": [ ${r()} , ${s()} ,, ${r()} ] }`,
      `{"Records":[]}`,
      `{"Records":[${r()},${s()}`,
      `{"Records":[${r()},${s().slice(0, 200)}`,
      `{"Records":[${r()},${s()}]`,
      `{"Records":{"a":[${r()}]}}`,
      `{"Records":[${r()}}]}\n${s()}`,
      `garbage line\n{"Records":[${r()},${s()}]}`,
      `{"broken":\n{"Records":[${r()},${s()}]}`,
      `not json at all [${r()}]`,
      `[[${r()}],${s()}]`,
      '',
      '   ',
    ];
    for (const body of bodies) await expectSame(Buffer.from(body), [1, 3, 17, 256, 100_000], { mayThrow: /^(not json|garbage|\ufeffnope)/.test(body) });
  });

  it('agrees on the shared fixtures and the rule YAML tests, as one file, as JSON lines and gzipped', async () => {
    const dir = path.join(import.meta.dirname, 'fixtures', 'cloudtrail');
    const logs: unknown[] = [];
    for (const f of readdirSync(dir)) {
      for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) if (line.trim()) logs.push((JSON.parse(line) as { log: unknown }).log);
    }
    for (const t of samlRuleSpec().tests) logs.push(t.log);
    expect(logs.length).toBeGreaterThan(20);
    const asFile = Buffer.from(JSON.stringify({ Records: logs }));
    const full = await expectSame(asFile, [1, 13, 999, asFile.length]);
    expect((full.summary as { matched: number }).matched).toBeGreaterThan(0);
    expect(lastSettled).toBeGreaterThan(5);
    await expectSame(asFile, [asFile.length], { gzip: true });
    await expectSame(Buffer.from(logs.map((l) => JSON.stringify(l)).join('\n')), [7, 100_000]);
  });

  it('agrees on every file of the generated sandbox tree', async () => {
    const tree = await writeSampleCloudTrailTree(path.join(root, 'tree'));
    let matched = 0;
    for (const rel of tree.files) {
      const body = gunzipSync(readFileSync(path.join(tree.root, rel)));
      const full = await expectSame(body, [100_000], { gzip: true });
      matched += (full.summary as { matched: number }).matched;
      expect(lastSettled).toBeGreaterThan(0);
    }
    expect(matched).toBeGreaterThan(0);
  });

  it('settles a record raw only when full evaluation accepts it and finds nothing (mutated records)', () => {
    // Byte-level mutations of realistic records, each decided by the raw check and by full evaluation.
    const rng = new SeededRandom(0x12);
    const alphabet = Buffer.from('{}[]:,"\\ \t\n0123456789.eE+-truefalsn/uAaRrNSAMLPZT\x00\x1f');
    const bases = [record(), saml(), record({ userIdentity: { arn: 'x', ARN: 'y' } }), record({ n: [1.5e3, -0, true, null] })].map((r) => Buffer.from(JSON.stringify(r)));
    let settled = 0;
    const prefilter = SAML_RAW_PREFILTER!;
    expect(prefilter).not.toBeNull(); // the WebAssembly module loads
    for (let n = 0; n < 20_000; n++) {
      const b = Buffer.from(bases[n % bases.length]!);
      const edits = rng.int(0, 3);
      let bytes = b;
      for (let k = 0; k < edits; k++) {
        const at = rng.int(1, bytes.length - 2);
        const op = rng.int(0, 2);
        const ch = Buffer.from([alphabet[rng.int(0, alphabet.length - 1)]!]);
        bytes = Buffer.concat([bytes.subarray(0, at), op === 2 ? Buffer.alloc(0) : ch, bytes.subarray(op === 0 ? at : at + 1)]);
      }
      prefilter.begin(bytes);
      const end = prefilter.check(0, bytes.length);
      if (end < 0) continue;
      settled += 1;
      // Where the scanner would end the element (an early `}` ends it; the rest is the next element's).
      expect(end, bytes.toString('utf8')).toBe(objectElementEnd(bytes, 0, bytes.length));
      const text = bytes.subarray(0, end).toString('utf8');
      const value = JSON.parse(text) as unknown; // throws if the raw check accepted bad JSON
      const check = checkCloudTrailRecord(value);
      expect(check.ok, text).toBe(true);
      if (!check.ok) continue;
      expect(check.record['p_log_type'], text).toBeUndefined();
      expect(rule(check.record), text).toBe(false); // throws if the raw check missed a rule error
    }
    expect(settled).toBeGreaterThan(2000);
  });

  it('runs the module that assembly/raw-json-object.ts compiles to (npm run build:wasm)', () => {
    const out = path.join(root, 'rebuilt.wasm');
    const asc = createRequire(import.meta.url).resolve('assemblyscript/bin/asc.js');
    const script = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8')).scripts['build:wasm'] as string;
    const args = script.replace(/^asc /, '').replace(/-o \S+$/, `-o ${out}`).split(' ');
    execFileSync(process.execPath, [asc, ...args], { cwd: path.join(import.meta.dirname, '..') });
    expect(readFileSync(out).equals(readFileSync(path.join(import.meta.dirname, '..', 'src', 'ingest', 'raw-json-object.wasm')))).toBe(true);
  });

  it('reads plain eventTimes exactly as parseEventTime does', () => {
    const rng = new SeededRandom(7);
    for (let n = 0; n < 20_000; n++) {
      const d = (len: number, max: number) => String(rng.int(0, max)).padStart(len, '0');
      const t = `${d(4, 9999)}-${d(2, 13)}-${d(2, 32)}T${d(2, 25)}:${d(2, 61)}:${d(2, 61)}Z`;
      const bytes = Buffer.from(t);
      if (isPlainEventTime(bytes, 0, bytes.length)) expect(parseEventTime(t), t).not.toBeNull();
      else if (Number(t.slice(0, 4)) >= 1000) expect(parseEventTime(t), t).toBeNull();
    }
  });
});
