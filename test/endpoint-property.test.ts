// Property: any sequence of valid endpoints, in any project, leaves unique rule names of at most 32
// characters, unique priorities, every route on its own sampling rule, a valid document and valid Terraform.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { describeHidden, hiddenRules, urlPathFor } from 'traced-api-devkit';
import { addEndpoint, generateApp, snapshot } from './support/generate.js';
import { validateOpenApi } from './support/openapi-check.js';
import { checkTerraform } from './support/terraform-check.js';

const segment = (depth: number) => fc.oneof(fc.constantFrom('orders', 'items', 'customers', 'lines', 'v1'), fc.constant(`{p${depth}}`));
const path = fc
  .integer({ min: 1, max: 4 })
  .chain((length) => fc.tuple(...Array.from({ length }, (_, depth) => segment(depth))))
  .map((segments) => `/${segments.join('/')}`);
const endpoint = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
  path,
  reservoir: fc.integer({ min: 0, max: 50 }),
  fixedRate: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }).map((rate) => rate.toFixed(3)), fc.integer({ min: 0, max: 100 }).map((p) => `${p}%`)),
  explicitPriority: fc.boolean(),
  publish: fc.boolean(),
});
const project = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,38}[a-z0-9]$/),
  stage: fc.stringMatching(/^[a-z0-9_]{1,20}$/),
});

describe('any sequence of valid endpoints', () => {
  it('keeps rule names unique and within 32 characters, priorities unique, the document and Terraform valid', async () => {
    await fc.assert(
      fc.asyncProperty(
        project,
        fc.uniqueArray(endpoint, { minLength: 1, maxLength: 5, selector: (e) => `${e.method} ${e.path}` }),
        // Explicit priorities stay clear of the ones handed out from 100 up, which a run may already hold.
        fc.uniqueArray(fc.oneof(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1000, max: 9999 })), { minLength: 5, maxLength: 5 }),
        async ({ name, stage }, endpoints, priorities) => {
          const { project: folder } = await generateApp(name, { yes: true, stage });
          for (const [i, e] of endpoints.entries()) {
            const options: Record<string, unknown> = { yes: true, reservoir: String(e.reservoir), 'fixed-rate': e.fixedRate, publish: e.publish };
            if (e.explicitPriority) options.priority = String(priorities[i]);
            if (e.method === 'POST' && e.path === '/orders') continue; // the example endpoint
            const before = snapshot(folder);
            try {
              await addEndpoint(folder, [e.method, e.path], options);
            } catch (error) {
              // A user priority that would hide a route (or be hidden) is refused, and nothing changes; so is a
              // route the generator finds no free number for between the user's priorities.
              const refusal = e.explicitPriority ? /^--priority \d+ would hide a route from its own rule: .* (Use --priority \d+|No free priority)/ : /^The new rule would hide a route from its own rule: .* No free priority/;
              expect((error as Error).message).toMatch(refusal);
              expect(snapshot(folder)).toEqual(before);
            }
          }
          const doc = parseYaml(readFileSync(join(folder, 'openapi/openapi.yaml'), 'utf8'));
          const rules = Object.values<Record<string, any>>(doc.paths).flatMap((item) => Object.values<any>(item).map((op) => op['x-traced-api']));
          const names = rules.map((rule) => rule.sampling.ruleName);
          const functions = rules.map((rule) => rule.functionName);
          expect(names.every((rule) => rule.length >= 1 && rule.length <= 32)).toBe(true);
          expect(functions.every((fn) => fn.length <= 64)).toBe(true);
          expect(new Set(names).size).toBe(names.length);
          expect(new Set(functions).size).toBe(functions.length);
          const taken = rules.map((rule) => rule.sampling.priority);
          expect(new Set(taken).size).toBe(taken.length);
          // Every route reaches its own rule first, the API default rule last.
          const ordered = Object.entries<Record<string, any>>(doc.paths).flatMap(([route, item]) =>
            Object.entries<any>(item).map(([method, op]) => ({ ruleName: op['x-traced-api'].sampling.ruleName, method: method.toUpperCase(), urlPath: urlPathFor(route), priority: op['x-traced-api'].sampling.priority })),
          );
          ordered.push({ ruleName: 'api default', method: '*', urlPath: '*', priority: 9000 });
          expect(hiddenRules(ordered, stage).map(describeHidden)).toEqual([]);
          await validateOpenApi(folder);
          expect(await checkTerraform(join(folder, 'terraform'))).toEqual([]);
        },
      ),
      { numRuns: 12, endOnFailure: true },
    );
  });
});
