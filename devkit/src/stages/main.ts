// `npm run plan|deploy|destroy [-- --stage <name>]`: Terraform in terraform/ for one stage, with the stage's backend
// (terraform/stages/<stage>.s3.tfbackend) and values (terraform/stages/<stage>.tfvars). The default stage is the
// one the project was made with (variables.tf's default). `destroy` asks for the stage's name to be typed.
// `npm run bootstrap`: terraform/bootstrap applied, and its state bucket written into the stages' backend files.
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseOptions, UsageError } from '../command-line.js';
import { readProjectSettings, SettingsError } from '../contract/project.js';
import { bootstrapCommands, fillStateBucket, readStage, StageError, terraformCommands, type Action, type StageAction } from './stages.js';

const BOOTSTRAP_USAGE = `Usage: npm run bootstrap [-- options]    (traced-api-devkit bootstrap [options])

Applies terraform/bootstrap, once per AWS account and region, with credentials allowed to create IAM roles:
the state bucket, API Gateway's account-wide CloudWatch role, the CI roles GitHub Actions assume by OIDC
(set github_repository in terraform/bootstrap/terraform.tfvars first). Its state stays in terraform/bootstrap.
Then writes the bucket's name into each stage's terraform/stages/<stage>.s3.tfbackend that still holds the
ACCOUNT_ID placeholder in the bucket's region.

Options:
  -y, --yes       apply without Terraform's question
  -h, --help      this help`;

const usage = (action: StageAction) => `Usage: npm run ${action} [-- options]    (traced-api-devkit ${action} [options])

${
  {
    plan: 'Shows what a deploy of the stage would change (terraform plan), changing nothing.',
    deploy: 'Deploys the stage (terraform apply); Terraform shows the plan and asks first, unless --yes.',
    destroy: 'Destroys everything the stage deployed (terraform destroy), once you have typed the stage name.',
  }[action]
} First terraform init, with the stage's
backend: its state in S3 (terraform/stages/<stage>.s3.tfbackend), then the command with the stage's values
(terraform/stages/<stage>.tfvars). Run \`npm run build\` first (the npm script does): Terraform deploys the zips.

Options:
  --stage <name>  the stage (default: the one the project was made with, variables.tf's stage)
${action === 'plan' ? '' : `  -y, --yes       ${action === 'deploy' ? "apply without Terraform's question (CI)" : 'destroy without typing the stage name'}\n`}  -h, --help      this help`;

export async function main(action: Action, argv: string[]): Promise<void> {
  const context = { root: process.cwd(), confirm: typedLine, color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR };
  process.exitCode = action === 'bootstrap' ? bootstrapCommand(argv, context) : await stageCommand(action, argv, context);
}

export interface StageCommandContext {
  root: string;
  /** Asks a question and returns the line typed, or undefined when nothing can be typed. */
  confirm: (question: string) => Promise<string | undefined>;
  color: boolean;
}

/** The command, its exit code returned: Terraform's own, 1 when destroy is not confirmed, 2 for bad input. */
export async function stageCommand(action: StageAction, argv: string[], context: StageCommandContext): Promise<number> {
  let commands: string[][];
  let stageName: string;
  try {
    const values = parseOptions(
      argv,
      { stage: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...(action === 'plan' ? {} : { yes: { type: 'boolean', short: 'y' } }) },
      `npm run ${action} -- --stage dev`,
    );
    if (values.help) {
      console.log(usage(action));
      return 0;
    }
    stageName = typeof values.stage === 'string' ? values.stage : readProjectSettings(context.root).stage;
    const stage = readStage(context.root, stageName);
    const yes = values.yes === true;
    commands = terraformCommands(action, stage, { yes, color: context.color });
    if (action === 'destroy' && !yes) {
      const typed = await context.confirm(`This destroys every resource of stage "${stageName}". Type the stage name to go on: `);
      if (typed === undefined) {
        console.error(`npm run destroy: nothing was destroyed. Type the stage name when asked, or pass --yes where nobody can (npm run destroy -- --stage ${stageName} --yes).`);
        return 1;
      }
      if (typed.trim() !== stageName) {
        console.error(`You typed "${typed.trim()}", not "${stageName}": nothing was destroyed.`);
        return 1;
      }
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof SettingsError || error instanceof StageError) {
      console.error(`npm run ${action}: ${error.message}${error instanceof UsageError ? `\n\n${usage(action)}` : ''}`);
      return 2;
    }
    throw error;
  }
  return runAll(action, commands, context.root);
}

/** `npm run bootstrap`: its exit code returned. */
export function bootstrapCommand(argv: string[], context: Pick<StageCommandContext, 'root' | 'color'>): number {
  let yes: boolean;
  try {
    const values = parseOptions(argv, { yes: { type: 'boolean', short: 'y' }, help: { type: 'boolean', short: 'h' } }, 'npm run bootstrap -- --yes');
    if (values.help) {
      console.log(BOOTSTRAP_USAGE);
      return 0;
    }
    yes = values.yes === true;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`npm run bootstrap: ${error.message}\n\n${BOOTSTRAP_USAGE}`);
      return 2;
    }
    throw error;
  }
  const commands = bootstrapCommands({ yes, color: context.color });
  const applied = runAll('bootstrap', commands.apply, context.root);
  if (applied !== 0) return applied;
  const output = terraform('bootstrap', commands.stateBucket, context.root, 'pipe');
  if (typeof output === 'number') return output;
  const bucket = output.trim();
  const changed = fillStateBucket(context.root, bucket);
  console.error(
    changed.length > 0
      ? `The state bucket ${bucket} is now in ${changed.join(', ')}: next, npm run plan.`
      : `The state bucket is ${bucket}; no stage's backend file still held the placeholder for it (terraform/stages/*.s3.tfbackend).`,
  );
  return 0;
}

function runAll(action: Action, commands: string[][], root: string): number {
  for (const args of commands) {
    const status = terraform(action, args, root, 'inherit');
    if (status !== 0) return status as number;
  }
  return 0;
}

/** One terraform command, shown first; its exit code, or (with `output: 'pipe'`) what it printed when it passed. */
function terraform(action: Action, args: string[], root: string, output: 'inherit' | 'pipe'): number | string {
  console.error(`> terraform ${args.join(' ')}`);
  const run = spawnSync('terraform', args, { cwd: root, stdio: ['inherit', output, 'inherit'], encoding: 'utf8' });
  if (run.error) {
    console.error(
      (run.error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `npm run ${action}: terraform is not on PATH: install Terraform 1.10 or later (the S3 backend's lock file needs it).`
        : `npm run ${action}: terraform could not start: ${run.error.message}`,
    );
    return 1;
  }
  if (run.status !== 0) return run.status ?? 1;
  return output === 'pipe' ? run.stdout : 0;
}

/** One line from standard input (a terminal, or what is piped in); undefined at its end, before any line. */
function typedLine(question: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const input = createInterface({ input: process.stdin, output: process.stderr, terminal: Boolean(process.stdin.isTTY) });
    let answered = false;
    input.once('line', (line) => {
      answered = true;
      input.close();
      resolve(line);
    });
    input.once('close', () => {
      if (!answered) resolve(undefined);
    });
    input.setPrompt(question);
    input.prompt();
  });
}
