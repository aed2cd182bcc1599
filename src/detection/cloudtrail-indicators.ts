// The p_any_* indicator fields Panther's CloudTrail parser adds to each record (spec §4.3): sorted,
// de-duplicated, empty values skipped, a field omitted when it has no value.
import { isIP } from 'node:net';
import { domainToUnicode } from 'node:url';
import { isObject, type JsonObject } from './panther-event.js';

export interface Indicators {
  awsAccountIds: string[];
  awsArns: string[];
  ipAddresses: string[];
  domainNames: string[];
  traceIds: string[];
  usernames: string[];
}

/** Indicator field names in the order Panther's rows carry them (alphabetical). */
export const INDICATOR_FIELDS = [
  ['p_any_aws_account_ids', 'awsAccountIds'],
  ['p_any_aws_arns', 'awsArns'],
  ['p_any_domain_names', 'domainNames'],
  ['p_any_ip_addresses', 'ipAddresses'],
  ['p_any_trace_ids', 'traceIds'],
  ['p_any_usernames', 'usernames'],
] as const satisfies ReadonlyArray<readonly [string, keyof Indicators]>;

/** The JSON blobs whose nested keys feed indicators. */
const BLOBS = ['requestParameters', 'responseElements', 'additionalEventData', 'serviceEventDetails'];
const ARN_KEYS = new Set(['arn', 'ARN', 'aws:SourceArn']);
const IP_KEYS = new Set(['publicIp', 'privateIpAddress', 'ipAddressV4', 'ipv6Addresses', 'sourceIPAddress']);
const DOMAIN_KEYS = new Set(['publicDnsName', 'privateDnsName', 'domain']);
const ACCOUNT_ID = /^\d{12}$/;

/** `arn:partition:service:region:account:resource`: at least six colon-separated parts. */
export function parseArnAccount(value: string): string | null {
  if (!value.startsWith('arn:')) return null;
  const parts = value.split(':');
  return parts.length >= 6 ? (parts[4] ?? '') : null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function computeIndicators(record: JsonObject): Indicators {
  const accounts = new Set<string>();
  const arns = new Set<string>();
  const ips = new Set<string>();
  const domains = new Set<string>();
  const traceIds = new Set<string>();
  const usernames = new Set<string>();
  const add = (set: Set<string>, v: unknown) => {
    const s = str(v);
    if (s) set.add(s);
  };
  const addArn = (v: unknown) => {
    const s = str(v);
    if (!s) return;
    arns.add(s);
    const account = parseArnAccount(s);
    if (account) accounts.add(account);
  };
  const addHost = (v: unknown) => {
    const s = str(v);
    if (!s) return;
    if (isIP(s)) ips.add(s);
    else domains.add(s.includes('xn--') ? domainToUnicode(s) || s : s);
  };

  const identity = isObject(record['userIdentity']) ? record['userIdentity'] : {};
  const issuer = isObject(identity['sessionContext']) && isObject(identity['sessionContext']['sessionIssuer'])
    ? identity['sessionContext']['sessionIssuer']
    : {};
  add(accounts, record['recipientAccountId']);
  add(accounts, identity['accountId']);
  add(accounts, issuer['accountId']);
  addArn(identity['arn']);
  addArn(issuer['arn']);
  add(traceIds, identity['accessKeyId']);
  add(usernames, identity['userName']);
  add(usernames, issuer['userName']);
  addHost(record['sourceIPAddress']);
  if (Array.isArray(record['resources'])) {
    for (const r of record['resources']) {
      if (!isObject(r)) continue;
      add(accounts, r['accountId']);
      addArn(r['ARN'] ?? r['arn']);
    }
  }

  const walk = (v: unknown, key: string | null): void => {
    if (Array.isArray(v)) {
      for (const item of v) walk(item, key);
      return;
    }
    if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, k);
      return;
    }
    if (typeof v !== 'string' || v === '') return;
    if (key !== null) {
      if (ARN_KEYS.has(key) || parseArnAccount(v) !== null) addArn(v);
      if ((key === 'accountId' || key === 'account' || key.endsWith('AccountId')) && ACCOUNT_ID.test(v)) accounts.add(v);
      if (IP_KEYS.has(key) && isIP(v)) ips.add(v);
      if (DOMAIN_KEYS.has(key)) domains.add(v.includes('xn--') ? domainToUnicode(v) || v : v);
    }
  };
  for (const blob of BLOBS) walk(record[blob], null);

  const sorted = (s: Set<string>) => [...s].sort();
  return {
    awsAccountIds: sorted(accounts),
    awsArns: sorted(arns),
    ipAddresses: sorted(ips),
    domainNames: sorted(domains),
    traceIds: sorted(traceIds),
    usernames: sorted(usernames),
  };
}
