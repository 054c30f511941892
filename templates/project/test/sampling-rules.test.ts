// X-Ray tries sampling rules by ascending priority and the first match wins; `*` in a rule's url_path
// matches `/` too. So every route must reach its own rule before any broader rule that also matches its
// requests, or its rate is never applied, silently. This checks the document as it stands, hand edits
// included (test/rule-order.ts holds the check; the generator orders its own numbers with the same code).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { describeHidden, hiddenRules, urlPathFor, type OrderedRule } from './rule-order.js';

const root = path.resolve(import.meta.dirname, '..');
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Each operation's own rule, as Terraform makes it from openapi/openapi.yaml (terraform/sampling.tf). */
function endpointRules(): OrderedRule[] {
  const document = parse(readFileSync(path.join(root, 'openapi', 'openapi.yaml'), 'utf8')) as { paths?: Record<string, Record<string, any>> };
  const rules: OrderedRule[] = [];
  for (const [route, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item ?? {})) {
      const sampling = METHODS.includes(method) ? operation?.['x-traced-api']?.sampling : undefined;
      if (sampling) rules.push({ ruleName: String(sampling.ruleName), method: method.toUpperCase(), urlPath: urlPathFor(route), priority: Number(sampling.priority) });
    }
  }
  return rules;
}

/** A variable's default in terraform/variables.tf: the values this project deploys with unless told otherwise. */
function variableDefault(name: string): string | undefined {
  const variables = readFileSync(path.join(root, 'terraform', 'variables.tf'), 'utf8');
  return new RegExp(`variable "${name}" \\{[^]*?default\\s*=\\s*"?([^"\\n]+)"?`).exec(variables)?.[1];
}

/** The API default rule (terraform/sampling.tf): every method and path, at the priority its variable gives. */
const apiDefaultRule = (): OrderedRule => ({
  ruleName: variableDefault('default_sampling_rule_name') ?? 'API default rule',
  method: '*',
  urlPath: '*',
  priority: Number(variableDefault('default_sampling_rule_priority') ?? 9000),
});

describe('the sampling rules in openapi/openapi.yaml', () => {
  const rules = [...endpointRules(), apiDefaultRule()];

  it('let every route reach its own rule first (no broader rule ahead of a narrower one)', () => {
    // X-Ray sees each request's path with the stage's name in front (/dev/orders/1).
    const hidden = hiddenRules(rules, variableDefault('stage')).map(describeHidden);
    expect(hidden, `Give the narrower rule the lower priority in openapi/openapi.yaml:\n${hidden.join('\n')}`).toEqual([]);
  });

  it('have priorities from 1 to 9999, each used once', () => {
    const priorities = rules.map((rule) => rule.priority);
    expect(priorities.filter((priority) => !(Number.isInteger(priority) && priority >= 1 && priority <= 9999))).toEqual([]);
    expect(priorities.filter((priority, index) => priorities.indexOf(priority) !== index), 'priorities used by more than one rule').toEqual([]);
  });
});
