// A project of 200 routes, grown one endpoint at a time with the bin as a user would: within X-Ray's quota of 25
// sampling rules per region (the routes past --sampling-rule-limit are sampled by the API default rule), and its own
// `npm test` and `npm run test:infra` pass. The project's dependencies are this repository's node_modules, which hold
// exactly the versions dependency-versions/package.json pins (test/e2e.test.ts installs them as a user would).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SAMPLING_RULE_QUOTA } from '../lib/config.js';
import { repoRoot, startBin, tempDir } from './support/generate.js';

const ROUTES = 200;
const MIRROR = process.env.TRACED_API_TF_MIRROR ?? '/opt/tf-plugins';
const hasTerraform = spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0 && existsSync(join(MIRROR, 'registry.terraform.io/hashicorp/aws'));
if (!hasTerraform) console.warn(`\n*** SKIPPED in the 200-route test: npm run test:infra (no terraform on PATH, or no AWS provider mirror at ${MIRROR}). ***\n`);

/** The environment for a project's npm: without this run's own vitest settings. */
function projectEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS'));
  return { ...env, CI: 'true', NO_COLOR: '1', ...extra };
}

function npm(project: string, args: string[], env: NodeJS.ProcessEnv = projectEnv()): string {
  try {
    return execFileSync('npm', args, { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env, maxBuffer: 64 * 1024 * 1024 });
  } catch (error: any) {
    throw new Error(`npm ${args.join(' ')} failed in ${project}:\n${String(error.stdout).slice(-4000)}\n${String(error.stderr).slice(-4000)}`);
  }
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(0)} s`;

describe('a project of 200 routes', () => {
  it('grows with the bin within the rule quota, and passes its own npm test and npm run test:infra', { timeout: 1_800_000 }, async () => {
    const cwd = tempDir('traced-api-routes-');
    let started = performance.now();
    const created = await startBin(['new', 'routes-api', '--yes', '--skip-install', '--no-sns'], cwd);
    expect(created.status, created.stderr).toBe(0);
    const project = join(cwd, 'routes-api');
    const outputs: string[] = [];
    // One by one, as a user adds them (the example endpoint is the first route).
    for (let i = 1; i < ROUTES; i++) {
      const path = i % 2 === 0 ? `/items${i}` : `/items${i - 1}/{itemId}`;
      const added = await startBin(['endpoint', 'GET', path, '--yes'], project);
      expect(added.status, `route ${i}: ${added.stderr}`).toBe(0);
      outputs.push(added.stdout + added.stderr);
    }
    const growing = seconds(started);

    const doc = parseYaml(readFileSync(join(project, 'openapi/openapi.yaml'), 'utf8'));
    const operations = Object.values<Record<string, any>>(doc.paths).flatMap((item) => Object.values<any>(item));
    expect(operations).toHaveLength(ROUTES);
    const rules = new Set(operations.flatMap((op) => (op['x-traced-api']?.sampling ? [op['x-traced-api'].sampling.ruleName] : [])));
    // The API default rule and the routes' own: exactly the quota, never past it.
    expect(rules.size + 1).toBe(SAMPLING_RULE_QUOTA);
    expect(outputs[SAMPLING_RULE_QUOTA - 3]).toMatch(/, its test, and sampling rule routes-/);
    expect(outputs[SAMPLING_RULE_QUOTA - 2]).toMatch(/sampled by the API default rule routes-api-dev--default \(no rule of its own: the project has 25 sampling rules, its limit \(--sampling-rule-limit\)\)/);
    const refused = await startBin(['endpoint', 'GET', '/one-more', '--yes', '--sampling-rule', 'own'], project);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/GET \/one-more would be rule 26 of this project, past its limit of 25 sampling rules \(--sampling-rule-limit.*X-Ray allows 25 custom rules per region.*--sampling-rule api/);

    symlinkSync(join(repoRoot, 'node_modules'), join(project, 'node_modules'));
    started = performance.now();
    const tested = npm(project, ['test']);
    // One test file per route (200), plus the project's own (tracing, routes, sampling rules, workflows...): every one passes.
    const testFiles = readdirSync(join(project, 'test'), { recursive: true }).filter((file) => String(file).endsWith('.test.ts'));
    expect(testFiles.length).toBeGreaterThan(ROUTES);
    expect(tested).toMatch(new RegExp(`Test Files\\s+${testFiles.length} passed`));
    expect(tested).not.toMatch(/failed|skipped/);
    const testing = seconds(started);

    let infra = 'skipped';
    if (hasTerraform) {
      const work = tempDir('traced-api-routes-terraform-');
      writeFileSync(
        join(work, 'terraform.rc'),
        `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(MIRROR)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n`,
      );
      started = performance.now();
      const output = npm(project, ['run', 'test:infra'], projectEnv({ TF_CLI_CONFIG_FILE: join(work, 'terraform.rc'), TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_EC2_METADATA_DISABLED: 'true' }));
      // terraform colours its output whatever NO_COLOR says.
      expect(output.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/Success! \d+ passed, 0 failed/);
      infra = seconds(started);
    }
    console.log(`200 routes: grown with the bin in ${growing}, npm test in ${testing}, npm run test:infra in ${infra}`);
  });
});
