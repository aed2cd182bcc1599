// Gateways with alert destinations for the destination tests: a SECGRAPH_CONFIG file listing them (secrets as
// ${NAME} references to the environment), fast retries and polls, and a way to raise SAML detections.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from './gateway.js';

export const FAST_DESTINATION_ENV = { SECGRAPH_DESTINATION_POLL: '100ms', SECGRAPH_BREAKER_FAILURES: '3', SECGRAPH_BREAKER_COOLDOWN_MS: '300' };

/** Writes a config file with these destinations and returns its path. */
export function destinationsConfigFile(destinations: unknown[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'secgraph-destinations-'));
  const file = path.join(dir, 'secgraph.yaml');
  writeFileSync(file, stringify({ destinations }));
  return file;
}

export async function startDestinationGateway(destinations: unknown[], env: Record<string, string>, opts: TestGatewayOptions = {}): Promise<TestGateway> {
  return startTestGateway({ ...opts, env: { ...FAST_DESTINATION_ENV, SECGRAPH_CONFIG: destinationsConfigFile(destinations), ...env, ...opts.env } });
}

let seq = 0;

/** A CloudTrail record the SAML rule matches, by a principal of its own (so each call is a new detection). */
export function samlRecord(actor = `user${++seq}-${process.pid}`, eventTime = new Date().toISOString()): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: { type: 'AssumedRole', principalId: `AROAEXAMPLE:${actor}`, arn: `arn:aws:sts::111122223333:assumed-role/Admin/${actor}`, accountId: '111122223333' },
    eventTime,
    eventSource: 'iam.amazonaws.com',
    eventName: 'UpdateSAMLProvider',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.7',
    userAgent: 'aws-cli/2.15.30',
    requestParameters: { sAMLProviderArn: 'arn:aws:iam::111122223333:saml-provider/Okta' },
    responseElements: { sAMLProviderArn: 'arn:aws:iam::111122223333:saml-provider/Okta' },
    eventID: `evt-${actor}-${eventTime}-${++seq}`,
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
  };
}

/** Ingests records as one batch (each new principal: one new detection). */
export async function ingestSaml(gw: TestGateway, ...records: Array<Record<string, unknown>>): Promise<void> {
  const session = gw.services.samlDetection!.startIngest('test');
  for (const r of records) session.push({ ok: true, value: r });
  await session.finish();
}

/** Polls until `check` returns a value (not undefined/false), or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, ms = 15_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
