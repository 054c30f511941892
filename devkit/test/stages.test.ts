// `npm run bootstrap|plan|deploy|destroy` as a developer runs them, against a stub terraform (and a stub aws) on
// PATH that records each command line: the exact terraform commands and flags each runs for a stage, what each
// refuses (one line, nothing run), and the README's first-deploy walk run as it is written.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from './support/project.js';

const devkitBin = fileURLToPath(new URL('../bin/traced-api-devkit.js', import.meta.url));
const stubs = mkdtempSync(path.join(os.tmpdir(), 'traced-api-stages-'));
const log = path.join(stubs, 'calls.jsonl');
const STATE_BUCKET = 'orders-api-tfstate-123456789012-us-east-1';
const INVOKE_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/dev';

// Each stub records its name and arguments, one JSON line a call; terraform answers the two outputs the walk reads.
for (const program of ['terraform', 'aws']) {
  const stub = path.join(stubs, 'bin', program);
  mkdirSync(path.dirname(stub), { recursive: true });
  writeFileSync(
    stub,
    `#!${process.execPath}
const { appendFileSync } = require('node:fs');
const args = process.argv.slice(2);
appendFileSync(${JSON.stringify(log)}, JSON.stringify([${JSON.stringify(program)}, ...args]) + '\\n');
if (args.includes('output')) process.stdout.write(args.includes('state_bucket') ? ${JSON.stringify(STATE_BUCKET)} : ${JSON.stringify(INVOKE_URL)});
process.exitCode = Number(process.env.STUB_TERRAFORM_EXIT ?? 0);
`,
  );
  chmodSync(stub, 0o755);
}

const env = (extra: Record<string, string> = {}) => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS'));
  return { ...base, PATH: `${path.join(stubs, 'bin')}${path.delimiter}${process.env.PATH}`, NO_COLOR: '1', ...extra };
};

interface Result {
  code: number | null;
  stderr: string;
  /** The stubs' command lines, in order. */
  calls: string[][];
}

/** `npm run <script> -- <args>` (or, `direct`, the devkit's bin as the script calls it), with `input` on stdin. */
function run(script: string, args: string[], options: { direct?: boolean; input?: string; env?: Record<string, string> } = {}): Result {
  rmSync(log, { force: true });
  const [program, programArgs] = options.direct ? [process.execPath, [devkitBin, script, ...args]] : ['npm', ['run', '--silent', script, '--', ...args]];
  const result = spawnSync(program, programArgs, {
    cwd: projectRoot,
    env: env(options.env),
    encoding: 'utf8',
    timeout: 60_000,
    ...(options.input === undefined ? { stdio: ['ignore', 'pipe', 'pipe'] } : { input: options.input }),
  });
  let calls: string[][] = [];
  try {
    calls = readFileSync(log, 'utf8').trimEnd().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  } catch {
    // no call
  }
  return { code: result.status, stderr: result.stderr, calls };
}

const stagesDir = path.join(projectRoot, 'terraform', 'stages');
const backendFile = path.join(stagesDir, 'dev.s3.tfbackend');
const generatedBackend = readFileSync(backendFile, 'utf8');

const stageInit = (stage: string) => ['terraform', '-chdir=terraform', 'init', '-input=false', '-reconfigure', `-backend-config=stages/${stage}.s3.tfbackend`, '-no-color'];

afterAll(() => {
  rmSync(stubs, { recursive: true, force: true });
  rmSync(path.dirname(projectRoot), { recursive: true, force: true });
});

describe('npm run bootstrap, plan, deploy and destroy', () => {
  beforeEach(() => writeFileSync(backendFile, generatedBackend));

  it('refuses to plan before the bootstrap, naming the backend file and what to do, and runs nothing', () => {
    const result = run('plan', [], { direct: true });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'npm run plan: terraform/stages/dev.s3.tfbackend: bucket is still "orders-api-tfstate-ACCOUNT_ID-us-east-1". Apply terraform/bootstrap once in the account and region, then put its state_bucket output there (terraform -chdir=terraform/bootstrap output -raw state_bucket); the README\'s "First deploy" walks through it.',
    );
    expect(result.calls).toEqual([]);
  });

  it('bootstrap applies terraform/bootstrap and writes its state bucket into the stage backend file', () => {
    const result = run('bootstrap', ['--yes']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.calls).toEqual([
      ['terraform', '-chdir=terraform/bootstrap', 'init', '-input=false', '-no-color'],
      ['terraform', '-chdir=terraform/bootstrap', 'apply', '-input=false', '-auto-approve', '-no-color'],
      ['terraform', '-chdir=terraform/bootstrap', 'output', '-raw', 'state_bucket'],
    ]);
    expect(readFileSync(backendFile, 'utf8')).toBe(generatedBackend.replace('orders-api-tfstate-ACCOUNT_ID-us-east-1', STATE_BUCKET));
    expect(result.stderr).toContain(`The state bucket ${STATE_BUCKET} is now in terraform/stages/dev.s3.tfbackend`);
  });

  describe('once the stage has its bucket', () => {
    beforeEach(() => writeFileSync(backendFile, generatedBackend.replace('orders-api-tfstate-ACCOUNT_ID-us-east-1', STATE_BUCKET)));

    it('plan inits with the stage backend, then plans with its values', () => {
      const result = run('plan', ['--stage', 'dev']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.calls).toEqual([stageInit('dev'), ['terraform', '-chdir=terraform', 'plan', '-input=false', '-var-file=stages/dev.tfvars', '-no-color']]);
      // Each command is shown before it runs.
      expect(result.stderr).toContain('> terraform -chdir=terraform plan -input=false -var-file=stages/dev.tfvars -no-color');
    });

    it('deploy takes the stage the project was made with, and leaves Terraform its question unless --yes', () => {
      const asked = run('deploy', []);
      expect(asked.code, asked.stderr).toBe(0);
      expect(asked.calls).toEqual([stageInit('dev'), ['terraform', '-chdir=terraform', 'apply', '-var-file=stages/dev.tfvars', '-no-color']]);
      const unattended = run('deploy', ['--stage', 'dev', '--yes'], { direct: true });
      expect(unattended.calls).toEqual([stageInit('dev'), ['terraform', '-chdir=terraform', 'apply', '-input=false', '-auto-approve', '-var-file=stages/dev.tfvars', '-no-color']]);
    });

    it('destroy runs only once the stage name is typed (or with --yes)', () => {
      const destroy = [stageInit('dev'), ['terraform', '-chdir=terraform', 'destroy', '-input=false', '-auto-approve', '-var-file=stages/dev.tfvars', '-no-color']];
      const typed = run('destroy', ['--stage', 'dev'], { input: 'dev\n' });
      expect(typed.code, typed.stderr).toBe(0);
      expect(typed.stderr).toContain('This destroys every resource of stage "dev". Type the stage name to go on:');
      expect(typed.calls).toEqual(destroy);

      const wrong = run('destroy', ['--stage', 'dev'], { direct: true, input: 'prod\n' });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('You typed "prod", not "dev": nothing was destroyed.');
      expect(wrong.calls).toEqual([]);

      const nobody = run('destroy', [], { direct: true });
      expect(nobody.code).toBe(1);
      expect(nobody.stderr).toContain('nothing was destroyed. Type the stage name when asked, or pass --yes where nobody can (npm run destroy -- --stage dev --yes).');
      expect(nobody.calls).toEqual([]);

      expect(run('destroy', ['--yes'], { direct: true }).calls).toEqual(destroy);
    });

    it('stops at the first terraform command that fails, with its exit code', () => {
      const result = run('plan', [], { direct: true, env: { STUB_TERRAFORM_EXIT: '3' } });
      expect(result.code).toBe(3);
      expect(result.calls).toEqual([stageInit('dev')]);
    });

    it('a second stage: refused until both its files exist and name it, then planned with its own', () => {
      const prodValues = path.join(stagesDir, 'prod.tfvars');
      const prodBackend = path.join(stagesDir, 'prod.s3.tfbackend');
      try {
        const none = run('plan', ['--stage', 'prod'], { direct: true });
        expect(none.code).toBe(2);
        expect(none.stderr.trim()).toBe(
          'npm run plan: No stage "prod": terraform/stages/prod.tfvars does not exist; the project\'s stages are dev: copy terraform/stages/dev.tfvars and dev.s3.tfbackend to prod.tfvars and prod.s3.tfbackend, and set the stage and the state key in them.',
        );
        copyFileSync(path.join(stagesDir, 'dev.tfvars'), prodValues);
        expect(run('plan', ['--stage', 'prod'], { direct: true }).stderr).toContain('Stage "prod" has no backend file: terraform/stages/prod.s3.tfbackend does not exist');
        copyFileSync(backendFile, prodBackend);
        expect(run('plan', ['--stage', 'prod'], { direct: true }).stderr).toContain('terraform/stages/prod.tfvars sets stage = "dev": it must be "prod"');
        writeFileSync(prodValues, readFileSync(prodValues, 'utf8').replace('stage  = "dev"', 'stage  = "prod"'));
        const result = run('plan', ['--stage', 'prod'], { direct: true });
        expect(result.code, result.stderr).toBe(0);
        expect(result.calls).toEqual([stageInit('prod'), ['terraform', '-chdir=terraform', 'plan', '-input=false', '-var-file=stages/prod.tfvars', '-no-color']]);
      } finally {
        rmSync(prodValues, { force: true });
        rmSync(prodBackend, { force: true });
      }
    });

    it.each([
      [['--stage', 'my-stage'], 'npm run plan: Stage "my-stage": a stage name is 1-20 letters, digits or underscores (as API Gateway takes it); the project\'s stages are dev.'],
      [['--stag', 'dev'], "npm run plan: Unknown option '--stag'"],
      [['--yes'], "npm run plan: Unknown option '--yes'"],
    ])('plan %j is refused with one clear message, running nothing', (args, message) => {
      const result = run('plan', args, { direct: true });
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')[0]).toContain(message);
      expect(result.calls).toEqual([]);
    });

    it('says so when terraform is not on PATH', () => {
      const result = run('plan', [], { direct: true, env: { PATH: path.dirname(process.execPath) } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('npm run plan: terraform is not on PATH: install Terraform 1.10 or later');
    });
  });

  it("the README's first-deploy walk, run as written, bootstraps, plans, deploys and reads the invoke URL", () => {
    const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const section = /^## First deploy\n([^]*?)(?=^## )/m.exec(readme)?.[1];
    expect(section, 'the README has a "First deploy" section').toBeDefined();
    const walk = /^```sh\n([^]*?)^```/m.exec(section!)?.[1];
    expect(walk, 'its first sh block is the walk').toBeDefined();
    rmSync(log, { force: true });
    const result = spawnSync('sh', ['-e', '-c', walk!], { cwd: projectRoot, env: env(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const calls = readFileSync(log, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(calls).toEqual([
      ['aws', 'configure', 'sso', '--profile', 'orders-api-admin'],
      ['aws', 'sso', 'login'],
      ['terraform', '-chdir=terraform/bootstrap', 'init', '-input=false', '-no-color'],
      ['terraform', '-chdir=terraform/bootstrap', 'apply', '-no-color'],
      ['terraform', '-chdir=terraform/bootstrap', 'output', '-raw', 'state_bucket'],
      stageInit('dev'),
      ['terraform', '-chdir=terraform', 'plan', '-input=false', '-var-file=stages/dev.tfvars', '-no-color'],
      stageInit('dev'),
      ['terraform', '-chdir=terraform', 'apply', '-var-file=stages/dev.tfvars', '-no-color'],
      ['terraform', '-chdir=terraform', 'output', '-raw', 'invoke_url'],
    ]);
    expect(result.stdout).toContain(INVOKE_URL);
  });
});
