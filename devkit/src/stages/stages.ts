// A project's stages: each is a values file and a backend file under terraform/stages/, and the Terraform commands
// that `npm run plan|deploy|destroy -- --stage <name>` run for one. Pure but for reading those files.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tfvars } from '../contract/project.js';

export type StageAction = 'plan' | 'deploy' | 'destroy';
export type Action = StageAction | 'bootstrap';

/** The folder of the stages' files, relative to terraform/ (where the commands run: -chdir=terraform). */
export const STAGES_FOLDER = 'stages';
/** What the generator writes in a backend file until the bootstrap's bucket is known. */
export const BUCKET_PLACEHOLDER = 'ACCOUNT_ID';

export class StageError extends Error {}

export interface Stage {
  name: string;
  /** Relative to terraform/. */
  valuesFile: string;
  backendFile: string;
}

/** The stages a project has: every terraform/stages/<name>.tfvars. */
export function listStages(root: string): string[] {
  const folder = path.join(root, 'terraform', STAGES_FOLDER);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => file.endsWith('.tfvars'))
    .map((file) => file.slice(0, -'.tfvars'.length))
    .sort();
}

/** The stage's files, checked: both exist, its values name the stage, its backend names a bucket. */
export function readStage(root: string, name: string): Stage {
  const stages = listStages(root);
  const known = stages.length > 0 ? `the project's stages are ${stages.join(', ')}` : 'the project has no stage yet';
  if (!/^[A-Za-z0-9_]{1,20}$/.test(name)) throw new StageError(`Stage "${name}": a stage name is 1-20 letters, digits or underscores (as API Gateway takes it); ${known}.`);
  const stage: Stage = { name, valuesFile: `${STAGES_FOLDER}/${name}.tfvars`, backendFile: `${STAGES_FOLDER}/${name}.s3.tfbackend` };
  const file = (relative: string) => path.join(root, 'terraform', relative);
  const copyHint = stages[0] ? `: copy terraform/${STAGES_FOLDER}/${stages[0]}.tfvars and ${stages[0]}.s3.tfbackend to ${name}.tfvars and ${name}.s3.tfbackend, and set the stage and the state key in them` : '';
  if (!existsSync(file(stage.valuesFile))) throw new StageError(`No stage "${name}": terraform/${stage.valuesFile} does not exist; ${known}${copyHint}.`);
  if (!existsSync(file(stage.backendFile))) throw new StageError(`Stage "${name}" has no backend file: terraform/${stage.backendFile} does not exist (the S3 bucket, key and region of its state)${copyHint}.`);
  const values = tfvars(readFileSync(file(stage.valuesFile), 'utf8'));
  if (values.get('stage') !== name) {
    throw new StageError(`terraform/${stage.valuesFile} sets stage = ${JSON.stringify(values.get('stage') ?? null)}: it must be "${name}", the stage its file is named after.`);
  }
  const backend = tfvars(readFileSync(file(stage.backendFile), 'utf8'));
  const bucket = backend.get('bucket');
  if (typeof bucket !== 'string' || bucket.includes(BUCKET_PLACEHOLDER)) {
    throw new StageError(
      `terraform/${stage.backendFile}: bucket is ${typeof bucket === 'string' ? `still "${bucket}"` : 'not set'}. Apply terraform/bootstrap once in the account and region, then put its state_bucket output there (terraform -chdir=terraform/bootstrap output -raw state_bucket); the README's "First deploy" walks through it.`,
    );
  }
  if (typeof backend.get('key') !== 'string') throw new StageError(`terraform/${stage.backendFile} sets no key: the state's key in the bucket, e.g. key = "<project>/${name}/terraform.tfstate".`);
  return stage;
}

export interface CommandOptions {
  /** --yes: deploy without Terraform's own question (CI); destroy without typing the stage name. */
  yes: boolean;
  /** Terraform's colours (off when the output is not a terminal, or NO_COLOR is set). */
  color: boolean;
}

/** The terraform commands (arguments of `terraform`, in order) that an action runs for a stage. */
export function terraformCommands(action: StageAction, stage: Stage, options: CommandOptions): string[][] {
  const common = ['-chdir=terraform'];
  const color = options.color ? [] : ['-no-color'];
  const values = `-var-file=${stage.valuesFile}`;
  // -reconfigure: the working directory may hold another stage's backend; each run says which one it means.
  const init = [...common, 'init', '-input=false', '-reconfigure', `-backend-config=${stage.backendFile}`, ...color];
  if (action === 'plan') return [init, [...common, 'plan', '-input=false', values, ...color]];
  // Without --yes Terraform itself asks before it applies: its question needs input.
  if (action === 'deploy') return [init, [...common, 'apply', ...(options.yes ? ['-input=false', '-auto-approve'] : []), values, ...color]];
  // The stage name typed (or --yes) is the confirmation: Terraform does not ask again.
  return [init, [...common, 'destroy', '-input=false', '-auto-approve', values, ...color]];
}

/** The bootstrap root: applied once per account and region, its state local, before any stage. */
export const BOOTSTRAP_FOLDER = 'terraform/bootstrap';

/** What `npm run bootstrap` runs: init and apply in terraform/bootstrap, then reads the state bucket's name. */
export function bootstrapCommands(options: CommandOptions): { apply: string[][]; stateBucket: string[] } {
  const common = [`-chdir=${BOOTSTRAP_FOLDER}`];
  const color = options.color ? [] : ['-no-color'];
  return {
    apply: [
      [...common, 'init', '-input=false', ...color],
      [...common, 'apply', ...(options.yes ? ['-input=false', '-auto-approve'] : []), ...color],
    ],
    stateBucket: [...common, 'output', '-raw', 'state_bucket'],
  };
}

/**
 * Puts the bootstrap's state bucket into each stage's backend file that still holds the placeholder and whose
 * region is the bucket's (<prefix>-<account id>-<region>); returns the files it changed. Nothing else is touched.
 */
export function fillStateBucket(root: string, bucket: string): string[] {
  const changed: string[] = [];
  for (const name of listStages(root)) {
    const relative = `terraform/${STAGES_FOLDER}/${name}.s3.tfbackend`;
    const file = path.join(root, relative);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const values = tfvars(text);
    const current = values.get('bucket');
    if (typeof current !== 'string' || !current.includes(BUCKET_PLACEHOLDER) || !bucket.endsWith(`-${String(values.get('region'))}`)) continue;
    writeFileSync(file, text.replace(/^(\s*bucket\s*=\s*)"[^"\n]*"/m, (_line, head: string) => `${head}${JSON.stringify(bucket)}`));
    changed.push(relative);
  }
  return changed;
}
