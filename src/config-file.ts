// SECGRAPH_CONFIG: an optional YAML file beside the environment. Its shape is checked with zod; its
// `settings` are environment variable names with values, merged UNDER the real environment (a variable set
// in the environment wins) and then parsed by config.ts exactly as if they had come from the environment,
// so a value is validated the same way wherever it was written. `sta.instances` lists several STA tenants.
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

const ConfigFile = z
  .object({
    settings: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'settings are environment variable names (UPPER_CASE)'), z.union([z.string(), z.number(), z.boolean()])).optional(),
    sta: z.object({ instances: z.array(StaInstanceFile).min(1) }).strict().optional(),
  })
  .strict();

export type StaInstanceFileEntry = z.infer<typeof StaInstanceFile>;

export interface LoadedConfigFile {
  /** Settings as environment strings. */
  settings: Record<string, string>;
  staInstances: StaInstanceFileEntry[];
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
  return { settings, staInstances: parsed.data.sta?.instances ?? [] };
}
