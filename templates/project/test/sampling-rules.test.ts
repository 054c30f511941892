// X-Ray tries sampling rules by ascending priority and the first match wins; `*` in a rule's url_path
// matches `/` too. So every route must reach its own rule before any broader rule that also matches its
// requests, or its rate is never applied, silently. This checks the document as it stands, hand edits
// included, with the same check the generator orders its own numbers by (traced-api-devkit).
import { describe, expect, it } from 'vitest';
import { describeHidden, hiddenRules, urlPathFor, type OrderedRule } from 'traced-api-devkit';
import { projectUnderTest } from 'traced-api-devkit/testing';

const { settings, routes } = projectUnderTest();
// Each operation's own rule as Terraform makes it (terraform/sampling.tf), and the API default rule behind them.
const rules: OrderedRule[] = routes.operations.flatMap(({ method, path, sampling }) =>
  sampling ? [{ ruleName: sampling.ruleName, method, urlPath: urlPathFor(path), priority: sampling.priority }] : [],
);
rules.push({ ruleName: settings.defaultRule.ruleName, method: '*', urlPath: '*', priority: settings.defaultRule.priority });

describe('the sampling rules in openapi/openapi.yaml', () => {
  it('let every route reach its own rule first (no broader rule ahead of a narrower one)', () => {
    // X-Ray sees each request's path with the stage's name in front (/dev/orders/1).
    const hidden = hiddenRules(rules, settings.stage).map(describeHidden);
    expect(hidden, `Give the narrower rule the lower priority in openapi/openapi.yaml:\n${hidden.join('\n')}`).toEqual([]);
  });

  it('use each priority once', () => {
    const priorities = rules.map((rule) => rule.priority);
    expect(priorities.filter((priority, index) => priorities.indexOf(priority) !== index), 'priorities used by more than one rule').toEqual([]);
  });
});
