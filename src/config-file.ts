// SECGRAPH_CONFIG: an optional YAML file beside the environment. Its shape is checked with zod; its
// `settings` are environment variable names with values, merged UNDER the real environment (a variable set
// in the environment wins) and then parsed by config.ts exactly as if they had come from the environment,
// so a value is validated the same way wherever it was written. `sta.instances` lists several STA tenants,
// `saasSecurity.instances` several SaaS Security tenants.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
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

const ConfigFile = z
  .object({
    settings: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'settings are environment variable names (UPPER_CASE)'), z.union([z.string(), z.number(), z.boolean()])).optional(),
    sta: z.object({ instances: z.array(StaInstanceFile).min(1) }).strict().optional(),
    saasSecurity: z.object({ instances: z.array(SaasInstanceFile).min(1) }).strict().optional(),
  })
  .strict();

export type StaInstanceFileEntry = z.infer<typeof StaInstanceFile>;
export type SaasInstanceFileEntry = z.infer<typeof SaasInstanceFile>;

export interface LoadedConfigFile {
  /** Settings as environment strings. */
  settings: Record<string, string>;
  staInstances: StaInstanceFileEntry[];
  saasInstances: SaasInstanceFileEntry[];
}

/** Reads and checks the file; throws Error with a message naming the file and the offending path. */
export function readConfigFile(file: string): LoadedConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read "${file}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (e) {
    throw new Error(`"${file}" is not valid YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  const parsed = ConfigFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`"${file}": ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  const settings = Object.fromEntries(Object.entries(parsed.data.settings ?? {}).map(([k, v]) => [k, String(v)]));
  return { settings, staInstances: parsed.data.sta?.instances ?? [], saasInstances: parsed.data.saasSecurity?.instances ?? [] };
}
