// Triage context for SAML detections, beside the Panther rule (which stays untouched): which SAML provider an
// event changed, and whether its principal is one the operator chose to ignore (SAML_IGNORE_PRINCIPALS, e.g.
// the automation role that rotates the IdP metadata). An ignored principal's matches still show as matches in
// evaluateSamlRule, marked suppressed, but raise no alert.
import { isObject, type JsonObject } from './panther-event.js';

export interface SamlProvider {
  arn: string | null;
  name: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const field = (o: unknown, key: string): unknown => (isObject(o) ? o[key] : undefined);

/**
 * The provider of a Create/Update/DeleteSAMLProvider record: Update and Delete name it in
 * requestParameters.sAMLProviderArn, Create in requestParameters.name with the new ARN in
 * responseElements.sAMLProviderArn. The name of an ARN-only record is the ARN's `saml-provider/<name>`.
 */
export function samlProviderOf(record: JsonObject): SamlProvider {
  const req = record['requestParameters'];
  const res = record['responseElements'];
  const arn = str(field(req, 'sAMLProviderArn')) ?? str(field(res, 'sAMLProviderArn'));
  const name = str(field(req, 'name')) ?? (arn ? (/:saml-provider\/(.+)$/.exec(arn)?.[1] ?? null) : null);
  return { arn, name };
}

/** The principals an event acted as: the identity's ARN and, for an assumed role, the role's own ARN. */
export function principalArnsOf(record: JsonObject): string[] {
  const identity = record['userIdentity'];
  const arns = [str(field(identity, 'arn')), str(field(field(field(identity, 'sessionContext'), 'sessionIssuer'), 'arn'))];
  return arns.filter((a): a is string => a !== null);
}

/** SAML_IGNORE_PRINCIPALS: exact ARNs, or patterns where `*` matches any run of characters. */
export class PrincipalIgnoreList {
  private readonly patterns: RegExp[];

  constructor(readonly entries: readonly string[]) {
    this.patterns = entries.map((e) => new RegExp(`^${e.split('*').map(escapeRegExp).join('.*')}$`));
  }

  get isEmpty(): boolean {
    return this.patterns.length === 0;
  }

  ignores(record: JsonObject): boolean {
    if (this.isEmpty) return false;
    return principalArnsOf(record).some((arn) => this.patterns.some((p) => p.test(arn)));
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
