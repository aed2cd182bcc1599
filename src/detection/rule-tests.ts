// Runs a rule YAML's embedded Tests the way `pat test` judges them (spec §2.2): a true test passes only if
// rule() returned True and neither title nor alert_context raised; a false test passes if rule() returned False.
import { describeFunctionError, evaluateRule } from './saml-rule.js';
import type { RuleSpec, RuleTestCase } from './rule-spec.js';

export interface RuleTestOutcome {
  name: string;
  expected: boolean;
  passed: boolean;
  /** What rule() returned; null when it raised. */
  actual: boolean | null;
  errors: string[];
  title: string | null;
}

export function runRuleTest(spec: RuleSpec, test: RuleTestCase): RuleTestOutcome {
  // `pat test` wraps the log as given: no p_* enrichment (these logs carry no p_log_type data model).
  const result = evaluateRule(spec, test.log);
  const errors = [...(result.ruleError ? [result.ruleError] : []), ...result.auxErrors].map(describeFunctionError);
  const actual = result.ruleError ? null : result.matched;
  const passed = test.expectedResult ? actual === true && errors.length === 0 : actual === false;
  return { name: test.name, expected: test.expectedResult, passed, actual, errors, title: result.matched ? result.title : null };
}

export function runRuleTests(spec: RuleSpec): RuleTestOutcome[] {
  return spec.tests.map((t) => runRuleTest(spec, t));
}
