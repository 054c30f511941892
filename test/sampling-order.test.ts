// Every route reaches its own sampling rule first, whatever order its endpoints were added in: the
// endpoint generator renumbers the priorities it chose, keeps the user's, refuses a --priority that hides
// a route (changing nothing), and the generated project's own test catches a hand edit that hides one.
import { execFileSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { hiddenRules, describeHidden, urlPathFor, type OrderedRule } from 'traced-api-devkit';
import { addEndpoint, generateApp, repoRoot, runBin, snapshot, tempDir } from './support/generate.js';

interface Sampling {
  ruleName: string;
  priority: number;
  generatorPriority?: number;
}

/** Each operation's sampling settings, by "METHOD path". */
function samplingOf(project: string): Record<string, Sampling> {
  const doc = parseYaml(readFileSync(join(project, 'openapi/openapi.yaml'), 'utf8'));
  const found: Record<string, Sampling> = {};
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) found[`${method.toUpperCase()} ${path}`] = op['x-traced-api'].sampling;
  }
  return found;
}

function rulesOf(project: string): OrderedRule[] {
  const rules = Object.entries(samplingOf(project)).map(([route, sampling]) => {
    const [method, path] = route.split(' ') as [string, string];
    return { ruleName: sampling.ruleName, method, urlPath: urlPathFor(path), priority: sampling.priority };
  });
  return [...rules, { ruleName: 'api default', method: '*', urlPath: '*', priority: 9000 }];
}

const priorities = (project: string) => Object.fromEntries(Object.entries(samplingOf(project)).map(([route, s]) => [route, s.priority]));

const NESTED = ['/orders/{orderId}', '/orders/{orderId}/items', '/orders/{orderId}/items/{itemId}', '/customers/{customerId}/orders/{orderId}', '/customers/{customerId}'];

describe('adding endpoints in any order', () => {
  it.each([
    ['broad routes first', NESTED],
    ['broad routes last', [...NESTED].reverse()],
    ['mixed, the broadest added last', ['/orders/{orderId}/items', '/customers/{customerId}', '/customers/{customerId}/orders/{orderId}', '/orders/{orderId}/items/{itemId}', '/orders/{orderId}']],
  ])('leaves every route on its own rule (%s)', async (_, paths) => {
    const { project } = await generateApp('orders-api', { yes: true });
    for (const path of paths) {
      await addEndpoint(project, ['GET', path], { yes: true, publish: false });
      expect(hiddenRules(rulesOf(project), 'dev').map(describeHidden), `after adding GET ${path}`).toEqual([]);
    }
    const all = samplingOf(project);
    // Every number is the generator's, recorded as such, unique, ahead of the API default rule.
    for (const sampling of Object.values(all)) expect(sampling.generatorPriority).toBe(sampling.priority);
    const numbers = Object.values(all).map((s) => s.priority);
    expect(new Set(numbers).size).toBe(6);
    for (const n of numbers) {
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThan(9000);
    }
    const p = priorities(project);
    expect(p['GET /orders/{orderId}/items/{itemId}']).toBeLessThan(p['GET /orders/{orderId}/items']!);
    expect(p['GET /orders/{orderId}/items']).toBeLessThan(p['GET /orders/{orderId}']!);
    expect(p['GET /customers/{customerId}/orders/{orderId}']).toBeLessThan(p['GET /orders/{orderId}']!);
  });

  it('places a new rule in a free number where one fits, moving nothing', async () => {
    const { project } = await generateApp('orders-api', { yes: true });
    await addEndpoint(project, ['GET', '/orders/{orderId}'], { yes: true });
    const result = runBin(['endpoint', 'GET', '/orders/{orderId}/items', '--yes'], project);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain('Renumbered');
    expect(priorities(project)).toEqual({ 'POST /orders': 100, 'GET /orders/{orderId}': 101, 'GET /orders/{orderId}/items': 99 });
  });

  it('renumbers only the numbers the generator chose, when no free number fits, and says so', async () => {
    const { project } = await generateApp('orders-api', { yes: true });
    await addEndpoint(project, ['GET', '/orders/{orderId}'], { yes: true });
    await addEndpoint(project, ['GET', '/orders/{orderId}/items/{itemId}'], { yes: true, priority: '99' });
    await addEndpoint(project, ['GET', '/customers/{customerId}'], { yes: true, priority: '500' });
    expect(priorities(project)).toEqual({ 'POST /orders': 100, 'GET /orders/{orderId}': 101, 'GET /orders/{orderId}/items/{itemId}': 99, 'GET /customers/{customerId}': 500 });
    // Between the user's 99 (narrower) and the generator's 101 (broader) only 100 lies, and POST /orders has it.
    const result = runBin(['endpoint', 'GET', '/orders/{orderId}/items', '--yes'], project);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toContain('Renumbered the sampling rule of GET /orders/{orderId}: priority 101 -> 102 (narrower routes first).');
    expect(priorities(project)).toEqual({
      'POST /orders': 100,
      'GET /orders/{orderId}': 102,
      'GET /orders/{orderId}/items/{itemId}': 99,
      'GET /customers/{customerId}': 500,
      'GET /orders/{orderId}/items': 101,
    });
    expect(samplingOf(project)['GET /customers/{customerId}']!.generatorPriority).toBeUndefined();
    expect(samplingOf(project)['GET /orders/{orderId}/items/{itemId}']!.generatorPriority).toBeUndefined();
  });
});

describe('a --priority that would hide a route', () => {
  it('is refused with one message naming both rules and a priority that works, and changes nothing', async () => {
    const { project } = await generateApp('orders-api', { yes: true });
    await addEndpoint(project, ['GET', '/orders/{orderId}'], { yes: true, priority: '150' });
    const before = snapshot(project);
    const refused = runBin(['endpoint', 'GET', '/orders/{orderId}/items', '--priority', '170', '--yes'], project);
    expect(refused.status).not.toBe(0);
    const { ruleName: broad } = samplingOf(project)['GET /orders/{orderId}']!;
    const message = refused.stderr.trim();
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain(`--priority 170 would hide a route from its own rule: sampling rule ${broad} (GET */orders/*, priority 150) comes before orders-dev-getOrdersBy-`);
    expect(message).toMatch(/\(GET \*\/orders\/\*\/items, priority 170\)/);
    const works = /Use --priority (\d+)/.exec(message)?.[1];
    expect(works).toBe('149');
    expect(snapshot(project)).toEqual(before);

    const accepted = runBin(['endpoint', 'GET', '/orders/{orderId}/items', '--priority', works!, '--yes'], project);
    expect(accepted.status, accepted.stderr).toBe(0);
    expect(hiddenRules(rulesOf(project), 'dev')).toEqual([]);
  });

  it('behind the API default rule is refused too', async () => {
    const { project } = await generateApp('orders-api', { yes: true });
    const before = snapshot(project);
    const refused = runBin(['endpoint', 'GET', '/orders/{orderId}', '--priority', '9500', '--yes'], project);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/sampling rule orders-api-dev--default \(\* \*, priority 9000\) comes before .* Use --priority 8999,/);
    expect(snapshot(project)).toEqual(before);
  });
});

describe("the generated project's own sampling-rules test", () => {
  it('passes on the generated document and fails on a hand edit that hides a route, naming the rules', async () => {
    const cwd = tempDir();
    expect(runBin(['new', 'orders-api', '--yes', '--skip-install'], cwd).status).toBe(0);
    const project = join(cwd, 'orders-api');
    expect(runBin(['endpoint', 'GET', '/orders/{orderId}', '--yes'], project).status).toBe(0);
    expect(runBin(['endpoint', 'GET', '/orders/{orderId}/items', '--yes'], project).status).toBe(0);
    // The test needs vitest and yaml, which the generator has too.
    symlinkSync(join(repoRoot, 'node_modules'), join(project, 'node_modules'));
    const vitest = (): { ok: boolean; output: string } => {
      const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS'));
      try {
        const output = execFileSync(process.execPath, [join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', 'test/sampling-rules.test.ts'], {
          cwd: project,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...env, CI: 'true', NO_COLOR: '1' },
        });
        return { ok: true, output };
      } catch (error: any) {
        return { ok: false, output: `${error.stdout}\n${error.stderr}` };
      }
    };
    const clean = vitest();
    expect(clean.ok, clean.output).toBe(true);
    expect(clean.output).toMatch(/Tests\s+2 passed/);

    // By hand: the nested route's rule behind the broad one.
    const file = join(project, 'openapi/openapi.yaml');
    const { ruleName: nested } = samplingOf(project)['GET /orders/{orderId}/items']!;
    const { ruleName: broad, priority } = samplingOf(project)['GET /orders/{orderId}']!;
    const text = readFileSync(file, 'utf8');
    const at = text.indexOf('/orders/{orderId}/items:');
    writeFileSync(file, text.slice(0, at) + text.slice(at).replace(/priority: \d+/, `priority: ${priority + 50}`));
    const edited = vitest();
    expect(edited.ok).toBe(false);
    expect(edited.output).toContain(`sampling rule ${broad} (GET */orders/*, priority ${priority}) comes before ${nested} (GET */orders/*/items, priority ${priority + 50})`);
  });
});
