// The sandbox's CloudTrail bucket: a few hundred generated records over two accounts and three days, in
// AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz files as AWS delivers them, plus a digest and
// an Insights file the reader must skip. Seeded, so every start writes the same tree (and the same alerts).
// Among the background noise, a handful of SAML-provider changes exercise each branch of the rule.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { SANDBOX_PEOPLE } from '../sandbox-people.js';
import { SeededRandom } from '../random.js';

export const SANDBOX_ACCOUNTS = ['111122223333', '444455556666'] as const;
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const START = Date.parse('2026-03-02T07:00:00Z');
const HOUR = 3_600_000;
const DELIVERY_MS = 3 * HOUR;
const SSO_ROLE = 'AWSReservedSSO_AdministratorAccess_5f1c2b9a7e3d4c61';

type Rec = Record<string, unknown>;

interface Actor {
  identity: Rec;
  sourceIPAddress: string;
  userAgent: string;
}

function federated(rng: SeededRandom, account: string, person: (typeof SANDBOX_PEOPLE)[number]): Actor {
  const roleId = `AROA${rng.hex(17).toUpperCase()}`;
  return {
    identity: {
      type: 'AssumedRole',
      principalId: `${roleId}:${person.email}`,
      arn: `arn:aws:sts::${account}:assumed-role/${SSO_ROLE}/${person.email}`,
      accountId: account,
      accessKeyId: `ASIA${rng.hex(16).toUpperCase()}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: roleId,
          arn: `arn:aws:iam::${account}:role/aws-reserved/sso.amazonaws.com/${SSO_ROLE}`,
          accountId: account,
          userName: SSO_ROLE,
        },
        webIdFederationData: {},
        attributes: { creationDate: new Date(START).toISOString().replace('.000', ''), mfaAuthenticated: 'false' },
      },
    },
    sourceIPAddress: `198.51.100.${rng.int(2, 250)}`,
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  };
}

function iamUser(rng: SeededRandom, account: string, userName: string): Actor {
  return {
    identity: {
      type: 'IAMUser',
      principalId: `AIDA${rng.hex(17).toUpperCase()}`,
      arn: `arn:aws:iam::${account}:user/${userName}`,
      accountId: account,
      accessKeyId: `AKIA${rng.hex(16).toUpperCase()}`,
      userName,
    },
    sourceIPAddress: `203.0.113.${rng.int(2, 250)}`,
    userAgent: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/iam.update-saml-provider',
  };
}

function ssoServiceRole(rng: SeededRandom, account: string): Actor {
  const roleId = `AROA${rng.hex(17).toUpperCase()}`;
  return {
    identity: {
      type: 'AssumedRole',
      principalId: `${roleId}:AWS-SSO`,
      arn: `arn:aws:sts::${account}:assumed-role/AWSServiceRoleForSSO/AWS-SSO`,
      accountId: account,
      accessKeyId: `ASIA${rng.hex(16).toUpperCase()}`,
      invokedBy: 'sso.amazonaws.com',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: roleId,
          arn: `arn:aws:iam::${account}:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO`,
          accountId: account,
          userName: 'AWSServiceRoleForSSO',
        },
        webIdFederationData: {},
        attributes: { creationDate: new Date(START).toISOString().replace('.000', ''), mfaAuthenticated: 'false' },
      },
    },
    sourceIPAddress: 'sso.amazonaws.com',
    userAgent: 'sso.amazonaws.com',
  };
}

function record(rng: SeededRandom, at: number, account: string, region: string, actor: Actor, event: Rec): Rec {
  return {
    eventVersion: '1.11',
    userIdentity: actor.identity,
    eventTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: event['eventSource'],
    eventName: event['eventName'],
    awsRegion: region,
    sourceIPAddress: actor.sourceIPAddress,
    userAgent: actor.userAgent,
    ...(event['errorCode'] ? { errorCode: event['errorCode'], errorMessage: event['errorMessage'] } : {}),
    requestParameters: event['requestParameters'] ?? null,
    responseElements: event['responseElements'] ?? null,
    requestID: `${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`,
    eventID: `${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`,
    readOnly: event['readOnly'] ?? false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `${String(event['eventSource']).split('.')[0]}.amazonaws.com` },
  };
}

const METADATA = '<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.sandbox.secgraph.example/saml"/>';

/** Background API calls nobody should be alerted on. */
const NOISE: Rec[] = [
  { eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity', readOnly: true },
  { eventSource: 'ec2.amazonaws.com', eventName: 'DescribeInstances', readOnly: true, requestParameters: { maxResults: 100 } },
  { eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', readOnly: true },
  { eventSource: 'iam.amazonaws.com', eventName: 'ListRoles', readOnly: true },
  { eventSource: 'iam.amazonaws.com', eventName: 'ListSAMLProviders', readOnly: true },
  { eventSource: 'kms.amazonaws.com', eventName: 'Decrypt', readOnly: true },
  { eventSource: 'cloudtrail.amazonaws.com', eventName: 'LookupEvents', readOnly: true },
  { eventSource: 'logs.amazonaws.com', eventName: 'DescribeLogGroups', readOnly: true },
];

/** The SAML-provider story of the sandbox, hour offsets from START. */
function samlChanges(rng: SeededRandom): Array<{ at: number; account: string; actor: Actor; event: Rec }> {
  const [prod, dev] = SANDBOX_ACCOUNTS;
  const ivan = federated(rng, prod, SANDBOX_PEOPLE[8]!);
  const lena = federated(rng, dev, SANDBOX_PEOPLE[11]!);
  const deploy = iamUser(rng, dev, 'ci-deploy');
  const provider = (account: string, name: string) => `arn:aws:iam::${account}:saml-provider/${name}`;
  const create = (account: string, name: string): Rec => ({
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateSAMLProvider',
    requestParameters: { name, sAMLMetadataDocument: METADATA },
    responseElements: { sAMLProviderArn: provider(account, name) },
  });
  const update = (account: string, name: string): Rec => ({
    eventSource: 'iam.amazonaws.com',
    eventName: 'UpdateSAMLProvider',
    requestParameters: { sAMLProviderArn: provider(account, name), sAMLMetadataDocument: METADATA },
    responseElements: { sAMLProviderArn: provider(account, name) },
  });
  return [
    // A new identity provider in production: the backdoor the rule is for.
    { at: START + 5 * HOUR + 13 * 60_000, account: prod, actor: ivan, event: create(prod, 'PartnerIdP') },
    // Its metadata rewritten three times within the hour: one alert with three events.
    ...[17, 29, 48].map((m) => ({ at: START + 6 * HOUR + m * 60_000, account: prod, actor: ivan, event: update(prod, 'PartnerIdP') })),
    // A delete that failed: suppressed by the errorCode check.
    {
      at: START + 7 * HOUR + 2 * 60_000,
      account: prod,
      actor: ivan,
      event: {
        eventSource: 'iam.amazonaws.com',
        eventName: 'DeleteSAMLProvider',
        errorCode: 'NoSuchEntity',
        errorMessage: 'The SAML provider arn:aws:iam::111122223333:saml-provider/Old does not exist.',
        requestParameters: { sAMLProviderArn: provider(prod, 'Old') },
      },
    },
    // IAM Identity Center managing its own provider: excluded.
    { at: START + 26 * HOUR + 4 * 60_000, account: dev, actor: ssoServiceRole(rng, dev), event: create(dev, 'AWSSSO_3f9a1c2b7d4e5f60_DO_NOT_DELETE') },
    // A CI user updating the dev provider twice, two hours apart: two alerts.
    { at: START + 27 * HOUR + 40 * 60_000, account: dev, actor: deploy, event: update(dev, 'DevIdP') },
    { at: START + 29 * HOUR + 41 * 60_000, account: dev, actor: deploy, event: update(dev, 'DevIdP') },
    // The provider removed by the dev account's security lead.
    { at: START + 50 * HOUR + 7 * 60_000, account: dev, actor: lena, event: { eventSource: 'iam.amazonaws.com', eventName: 'DeleteSAMLProvider', requestParameters: { sAMLProviderArn: provider(dev, 'DevIdP') } } },
  ];
}

export interface SampleTree {
  root: string;
  files: string[];
  records: number;
}

const fileStamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';

const gzip = promisify(gzipCallback);

/**
 * Writes the tree under `root` (files already there are left alone) and says what it holds. Asynchronous
 * (compression on libuv's pool) because the gateway writes it after it starts listening, while serving.
 */
export async function writeSampleCloudTrailTree(root: string, noiseRecords = 320): Promise<SampleTree> {
  const rng = new SeededRandom(0x5a41);
  const actors = SANDBOX_ACCOUNTS.map((account) => SANDBOX_PEOPLE.slice(0, 6).map((p) => federated(rng, account, p)));
  const records: Array<{ at: number; account: string; region: string; rec: Rec }> = [];
  for (let i = 0; i < noiseRecords; i++) {
    const a = rng.int(0, SANDBOX_ACCOUNTS.length - 1);
    const account = SANDBOX_ACCOUNTS[a] as string;
    const region = rng.pick(REGIONS);
    const at = START + rng.int(0, 71 * 60) * 60_000 + rng.int(0, 59) * 1000;
    records.push({ at, account, region, rec: record(rng, at, account, region, rng.pick(actors[a]!), rng.pick(NOISE)) });
  }
  for (const c of samlChanges(rng)) records.push({ at: c.at, account: c.account, region: 'us-east-1', rec: record(rng, c.at, c.account, 'us-east-1', c.actor, c.event) });

  // AWS delivers about every five minutes per account and region; the sandbox bundles three hours per file
  // to keep the tree small. Records inside a file are not sorted.
  const files = new Map<string, Rec[]>();
  for (const r of records) {
    const delivery = Math.ceil((r.at + 60_000) / DELIVERY_MS) * DELIVERY_MS;
    const day = new Date(delivery).toISOString().slice(0, 10).split('-');
    const dir = path.join('AWSLogs', r.account, 'CloudTrail', r.region, ...day);
    const key = path.join(dir, `${r.account}_CloudTrail_${r.region}_${fileStamp(delivery)}`);
    const list = files.get(key) ?? [];
    list.push(r.rec);
    files.set(key, list);
  }
  const written: string[] = [];
  let n = 0;
  for (const [key, recs] of files) {
    const rel = `${key}_${(n++).toString(16).padStart(16, '0')}.json.gz`;
    // Shuffled here, in file order, so the seeded sequence stays the same whichever files exist already;
    // serialised only for a file not yet written (a later start finds them all).
    const shuffled = shuffle(rng, recs);
    await write(root, rel, () => gzip(JSON.stringify({ Records: shuffled })));
    written.push(rel);
  }
  // What a real bucket also holds, and a CloudTrail reader must skip.
  const [account] = SANDBOX_ACCOUNTS;
  await write(root, path.join('AWSLogs', account, 'CloudTrail-Digest', 'us-east-1', '2026', '03', '02', `${account}_CloudTrail-Digest_us-east-1_management_us-east-1_20260302T080000Z.json.gz`),
    () => gzip(JSON.stringify({ awsAccountId: account, digestStartTime: '2026-03-02T07:00:00Z', digestEndTime: '2026-03-02T08:00:00Z', logFiles: [] })));
  await write(root, path.join('AWSLogs', account, 'CloudTrail-Insight', 'us-east-1', '2026', '03', '02', `${account}_CloudTrail-Insight_us-east-1_20260302T0800Z_${'0'.repeat(16)}.json.gz`),
    () => gzip(JSON.stringify({ Records: [{ eventVersion: '1.07', eventType: 'AwsCloudTrailInsight', eventCategory: 'Insight', eventName: 'CreateSAMLProvider', eventSource: 'iam.amazonaws.com' }] })));
  return { root, files: written, records: records.length };
}

function shuffle<T>(rng: SeededRandom, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

async function write(root: string, rel: string, data: () => Promise<Buffer>): Promise<void> {
  const full = path.join(root, rel);
  if (existsSync(full)) return;
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, await data());
}
