// `npm run rule:test`: the shipped rule's YAML Tests, printed like `pat test`; exits 1 on any failure.
import { runRuleTests } from './rule-tests.js';
import { SAML_RULE_FILE, samlRuleSpec } from './rule-spec.js';

const spec = samlRuleSpec();
const outcomes = runRuleTests(spec);
console.log(`${spec.ruleId} (${SAML_RULE_FILE})`);
for (const o of outcomes) {
  console.log(`\t[${o.passed ? 'PASS' : 'FAIL'}] ${o.name}`);
  if (o.title) console.log(`\t\t[PASS] [title] ${o.title}`);
  if (!o.passed) console.log(`\t\texpected ${o.expected}, rule() ${o.actual === null ? 'raised' : `returned ${o.actual}`}`);
  for (const e of o.errors) console.log(`\t\t${e}`);
}
const failed = outcomes.filter((o) => !o.passed).length;
console.log(`\n${outcomes.length - failed} passed, ${failed} failed`);
if (failed > 0) process.exitCode = 1;
