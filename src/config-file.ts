// SECGRAPH_CONFIG: an optional YAML file beside the environment. Its shape is checked with zod; its
// `settings` are environment variable names with values, merged UNDER the real environment (a variable set
// in the environment wins) and then parsed by config.ts exactly as if they had come from the environment,
// so a value is validated the same way wherever it was written. `sta.instances` lists several STA tenants,
// `saasSecurity.instances` several SaaS Security tenants. `destinations` lists where alerts are sent
// (src/destinations/). In the strings of `destinations` and `saasSecurity`, `${NAME}` is replaced by the
// environment variable NAME, so the file itself need hold no webhook URL, routing key, password or client secret.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ALERT_EVENT_KINDS, ALERT_SEVERITIES, ALERT_SOURCES } from './domain/alert.js';
// A namespace import, as zod 4's docs write it: esbuild keeps only what is used (`{ z }` kept all of zod's locales, 0.6 MB).
import * as z from 'zod';

const StaInstanceFile = z
  .object({
    name: z.string().trim().min(1, 'an instance needs a name (the "Instance name:" its alert emails carry)'),
    url: z.string().trim().min(1),
    tenantCode: z.string().trim().min(1),
    apiKey: z.string().min(1),
    // This tenant's own connection settings (the STA_* variable of the same meaning is the default for
    // every tenant): checked by the same parsers as STA_PROXY, STA_CA_FILE, STA_INSECURE, STA_TIMEOUT_MS, STA_RETRIES.
    proxy: z.string().trim().min(1).optional(),
    caFile: z.string().trim().min(1).optional(),
    insecure: z.boolean().optional(),
    timeoutMs: z.number().int().optional(),
    retries: z.number().int().optional(),
  })
  .strict();

/** A list setting: YAML's list, or the variable's comma-separated text. */
const ListValue = z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))]);

// One SaaS Security tenant. Every value but the name and credentials stands for a SAAS_SECURITY_* variable
// (whose value, from the environment or `settings`, is the default for every tenant without its own) and is
// checked by that variable's parser in config.ts.
const SaasInstanceFile = z
  .object({
    name: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'an instance needs a name of letters, digits, - and _ (it names the tenant in incident and alert ids)'),
    region: z.string().trim().min(1).optional(),
    url: z.string().trim().min(1).optional(),
    clientId: z.string().trim().min(1),
    clientSecret: z.string().min(1),
    fetch: z
      .object({
        enabled: z.boolean().optional(),
        interval: z.union([z.string(), z.number()]).optional(),
        firstFetch: z.string().optional(),
        maxFetch: z.number().int().optional(),
        state: z.string().optional(),
        severity: ListValue.optional(),
        status: ListValue.optional(),
        appIds: ListValue.optional(),
      })
      .strict()
      .optional(),
    mirrorDirection: z.string().optional(),
    closeMirrored: z.boolean().optional(),
    proxy: z.string().trim().min(1).optional(),
    caFile: z.string().trim().min(1).optional(),
    insecure: z.boolean().optional(),
    timeoutMs: z.number().int().optional(),
    retries: z.number().int().optional(),
  })
  .strict();

const DestinationFilters = z
  .object({
    sources: z.array(z.enum(ALERT_SOURCES)).min(1).optional(),
    minSeverity: z.enum(ALERT_SEVERITIES).optional(),
    events: z.array(z.enum(ALERT_EVENT_KINDS)).min(1).optional(),
  })
  .strict();

/** A span: seconds as a number, or `30s`, `15 minutes`, `3 days` (checked by config.ts). */
const Span = z.union([z.string().trim().min(1), z.number().nonnegative()]);

/** What every destination type has. */
const destinationCommon = {
  name: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a destination name is 1-64 letters, digits, "_", "." or "-" (it labels metrics)'),
  filters: DestinationFilters.optional(),
  maxAttempts: z.number().int().min(1).max(1000).optional(),
  maxAge: Span.optional(),
  retryBaseDelay: Span.optional(),
  /** One attempt's timeout. */
  timeout: Span.optional(),
  /** Deliveries to this destination in flight at once. */
  concurrency: z.number().int().min(1).max(64).optional(),
};

const Url = z.string().trim().min(1);

const DestinationFile = z.discriminatedUnion('type', [
  z.object({ type: z.literal('webhook'), ...destinationCommon, url: Url, secret: z.string().min(1).optional(), headers: z.record(z.string(), z.string()).optional() }).strict(),
  z.object({ type: z.literal('slack'), ...destinationCommon, url: Url }).strict(),
  z.object({ type: z.literal('teams'), ...destinationCommon, url: Url }).strict(),
  z.object({ type: z.literal('pagerduty'), ...destinationCommon, routingKey: z.string().trim().min(1), url: Url.optional() }).strict(),
  z
    .object({
      type: z.literal('email'),
      ...destinationCommon,
      smtp: z
        .object({
          host: z.string().trim().min(1),
          port: z.number().int().min(1).max(65535).optional(),
          /** Upgrade with STARTTLS, and refuse to send unless the server offers it. */
          starttls: z.boolean().optional(),
          /** Implicit TLS (port 465). */
          tls: z.boolean().optional(),
          user: z.string().min(1).optional(),
          password: z.string().min(1).optional(),
          /** PEM file of the CA that signed the server's certificate (beside the system CAs). */
          caFile: z.string().trim().min(1).optional(),
        })
        .strict(),
      from: z.string().trim().min(3),
      to: z.array(z.string().trim().min(3)).optional(),
      assetOwner: z.boolean().optional(),
    })
    .strict(),
]);

const ConfigFile = z
  .object({
    settings: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'settings are environment variable names (UPPER_CASE)'), z.union([z.string(), z.number(), z.boolean()])).optional(),
    sta: z.object({ instances: z.array(StaInstanceFile).min(1) }).strict().optional(),
    saasSecurity: z.object({ instances: z.array(SaasInstanceFile).min(1) }).strict().optional(),
    destinations: z.array(DestinationFile).optional(),
  })
  .strict();

export type StaInstanceFileEntry = z.infer<typeof StaInstanceFile>;
export type SaasInstanceFileEntry = z.infer<typeof SaasInstanceFile>;
export type DestinationFileEntry = z.infer<typeof DestinationFile>;

export interface LoadedConfigFile {
  /** Settings as environment strings. */
  settings: Record<string, string>;
  staInstances: StaInstanceFileEntry[];
  saasInstances: SaasInstanceFileEntry[];
  destinations: DestinationFileEntry[];
}

/** Looks a variable up for `${NAME}` substitution (undefined: not set). */
export type EnvLookup = (name: string) => string | undefined;

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
// `${NAME}` is not a plain YAML scalar inside a flow mapping (`smtp: { …, password: ${SMTP_PASSWORD} }`, as the
// README writes it): each reference is parsed as a placeholder word and put back as written right after, so a
// reference reads the same in block and flow style, and no value of the environment is ever parsed as YAML.
const PLACEHOLDER = /__secgraph_env_([A-Za-z_][A-Za-z0-9_]*)__/g;
const protectReferences = (text: string) => text.replace(REFERENCE, (_m, name: string) => `__secgraph_env_${name}__`);
function restoreReferences(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(PLACEHOLDER, (_m, name: string) => `\${${name}}`);
  if (Array.isArray(value)) return value.map(restoreReferences);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restoreReferences(v)]));
  return value;
}

/**
 * Replaces `${NAME}` in every string under `value` by the variable; a variable that is not set is an error
 * naming it and where it was used (never a value: the values are secrets).
 */
function substitute(value: unknown, lookup: EnvLookup, where: string): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (_m, name: string) => {
      const v = lookup(name);
      if (v === undefined) throw new Error(`${where}: the environment variable ${name} is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, lookup, `${where}[${i}]`));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, lookup, `${where}.${k}`)]));
  return value;
}

/** Reads and checks the file; throws Error with a message naming the file and the offending path. */
export function readConfigFile(file: string, lookup: EnvLookup = () => undefined): LoadedConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read "${file}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let raw: unknown;
  try {
    raw = restoreReferences(parse(protectReferences(text)) ?? {});
  } catch (e) {
    throw new Error(`"${file}" is not valid YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  for (const key of ['destinations', 'saasSecurity']) {
    if (!raw || typeof raw !== 'object' || !(key in raw)) continue;
    try {
      (raw as Record<string, unknown>)[key] = substitute((raw as Record<string, unknown>)[key], lookup, key);
    } catch (e) {
      throw new Error(`"${file}": ${(e as Error).message}`);
    }
  }
  const parsed = ConfigFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`"${file}": ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  const settings = Object.fromEntries(Object.entries(parsed.data.settings ?? {}).map(([k, v]) => [k, String(v)]));
  return {
    settings,
    staInstances: parsed.data.sta?.instances ?? [],
    saasInstances: parsed.data.saasSecurity?.instances ?? [],
    destinations: parsed.data.destinations ?? [],
  };
}
