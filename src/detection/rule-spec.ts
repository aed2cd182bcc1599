// A Panther rule's YAML (analysis file), read once so its metadata and Tests are never written twice.
// Defaults are Panther's when a key is absent: Threshold 1, DedupPeriodMinutes 60 (spec §3.1).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
// A namespace import, as zod 4's docs write it: esbuild keeps only what is used (`{ z }` kept all of zod's locales, 0.6 MB).
import * as z from 'zod';

export const PANTHER_SEVERITIES = ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type PantherSeverity = (typeof PANTHER_SEVERITIES)[number];

const RuleYaml = z.object({
  AnalysisType: z.literal('rule'),
  RuleID: z.string().min(1),
  DisplayName: z.string().optional(),
  Enabled: z.boolean().default(true),
  Filename: z.string(),
  Description: z.string().default(''),
  Reference: z.string().default(''),
  Runbook: z.string().optional(),
  Severity: z.string().transform((s, ctx) => {
    const up = s.toUpperCase();
    if ((PANTHER_SEVERITIES as readonly string[]).includes(up)) return up as PantherSeverity;
    ctx.addIssue({ code: 'custom', message: `unknown severity ${s}` });
    return z.NEVER;
  }),
  LogTypes: z.array(z.string()).min(1),
  Threshold: z.number().int().positive().default(1),
  DedupPeriodMinutes: z.number().int().nonnegative().default(60),
  Tests: z
    .array(z.object({ Name: z.string(), ExpectedResult: z.boolean(), Log: z.record(z.string(), z.unknown()) }))
    .default([]),
});

export interface RuleTestCase {
  name: string;
  expectedResult: boolean;
  log: Record<string, unknown>;
}

export interface RuleSpec {
  ruleId: string;
  displayName: string | null;
  enabled: boolean;
  filename: string;
  description: string;
  reference: string;
  runbook: string | null;
  severity: PantherSeverity;
  logTypes: string[];
  threshold: number;
  dedupPeriodMinutes: number;
  tests: RuleTestCase[];
}

export function parseRuleSpec(text: string, source = 'rule YAML'): RuleSpec {
  return ruleSpecFrom(parse(text), source);
}

/** A rule from its analysis file's contents already parsed (the YAML's, or the JSON the build wrote of it). */
export function ruleSpecFrom(document: unknown, source: string): RuleSpec {
  const parsed = RuleYaml.safeParse(document);
  if (!parsed.success) {
    throw new Error(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const y = parsed.data;
  return {
    ruleId: y.RuleID,
    displayName: y.DisplayName ?? null,
    enabled: y.Enabled,
    filename: y.Filename,
    description: y.Description,
    reference: y.Reference,
    runbook: y.Runbook ?? null,
    severity: y.Severity,
    logTypes: y.LogTypes,
    threshold: y.Threshold,
    dedupPeriodMinutes: y.DedupPeriodMinutes,
    tests: y.Tests.map((t) => ({ name: t.Name, expectedResult: t.ExpectedResult, log: t.Log })),
  };
}

export const SAML_RULE_FILE = fileURLToPath(new URL('./rules/aws_saml_activity.yml', import.meta.url));

/**
 * What `npm run build:server` writes beside a rule's YAML in dist/: the same document as JSON, so a start
 * of the compiled gateway parses no YAML (the yaml library's first parse was about 55 ms of start-up, issue 12).
 */
export const compiledRuleFile = (yamlFile: string): string => yamlFile.replace(/\.ya?ml$/, '.json');

let samlSpec: RuleSpec | null = null;

/** The shipped AWS.Suspicious.SAML.Activity rule, read once: from its compiled JSON in dist/, else its YAML. */
export function samlRuleSpec(): RuleSpec {
  const compiled = compiledRuleFile(SAML_RULE_FILE);
  samlSpec ??= existsSync(compiled)
    ? ruleSpecFrom(JSON.parse(readFileSync(compiled, 'utf8')), compiled)
    : parseRuleSpec(readFileSync(SAML_RULE_FILE, 'utf8'), SAML_RULE_FILE);
  return samlSpec;
}
