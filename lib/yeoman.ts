// The thin glue between the declarative options and Yeoman: registering them and asking them.
import type Generator from 'yeoman-generator';
import type { FileWrite } from './commit.js';
import { InputError } from './errors.js';
import { commandOptions, gatherValues, questionFor, typedBooleans, unknownOptionMessage, type OptionSpec } from './options.js';

export function registerOptions(generator: Generator, specs: OptionSpec<any>[]): void {
  for (const spec of specs) {
    if (spec.argument) {
      generator.argument(spec.name, { type: String, required: false, description: spec.description });
    }
    generator.option(spec.name, {
      type: spec.type === 'boolean' ? Boolean : String,
      description: `${spec.description} (default: ${spec.defaultText})`,
    });
  }
  for (const option of commandOptions) generator.option(option.name, { type: Boolean, ...option });
}

/** Refuses an option the command does not know, typed on the bin's command line or passed by yo. */
export function refuseUnknownOptions(generator: Generator, command: string): void {
  const internal = generator as unknown as { _args: string[]; _initOptions: Record<string, unknown>; _options: Record<string, { name: string; alias?: string; type?: unknown }> };
  const known = Object.values(internal._options).flatMap((option) => [option.name, ...(option.alias ? [option.alias] : [])]);
  const message = unknownOptionMessage(internal._args, internal._initOptions, known, command);
  if (message) throw new InputError(message);
  // Boolean options read as typed: `--sns=no` is false (Yeoman's parser would make it true), `--sns=maybe` refused.
  const booleans = Object.values(internal._options).filter((option) => option.type === Boolean).map((option) => option.name);
  const options = generator.options as Record<string, unknown>;
  for (const [name, value] of Object.entries(typedBooleans(internal._args, booleans))) {
    options[name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())] = value;
    options[name] = value;
  }
  const declared = (generator as unknown as { _arguments: { name: string }[] })._arguments;
  const extra = ((generator as unknown as { args?: unknown[] }).args ?? []).slice(declared.length);
  if (extra.length > 0) {
    throw new InputError(
      `Unexpected argument ${JSON.stringify(String(extra[0]))}: ${command} takes ${declared.map((argument) => `[${argument.name}]`).join(' ')} and options. Nothing was written.`,
    );
  }
}

/** Files written to Yeoman's in-memory file system and not yet to disk: a run writes them itself, all or nothing. */
export function pendingFiles(generator: Generator): { writes: FileWrite[]; committed: () => void } {
  type MemFile = { path: string; contents: Buffer | null; state?: string; committed?: boolean };
  const files = (generator.env.sharedFs.all() as unknown as MemFile[]).filter((file) => file.state === 'modified' || file.state === 'deleted');
  const deleted = files.find((file) => file.state === 'deleted' || file.contents === null);
  if (deleted) throw new Error(`${deleted.path} is marked for deletion: traced-api never deletes a file.`);
  return {
    writes: files.map((file) => ({ path: file.path, contents: file.contents! })),
    committed: () => {
      for (const file of files) {
        delete file.state;
        file.committed = true;
      }
    },
  };
}

export function isDryRun(generator: Generator): boolean {
  return optionValue(generator, 'dry-run') === true;
}

/** A terminal, or a test adapter that answers, can take questions; anything else must not hang. */
export function canAsk(generator: Generator): boolean {
  const adapter = generator.env.adapter as unknown as { addAnswers?: unknown };
  return process.stdin.isTTY === true || typeof adapter.addAnswers === 'function';
}

export function gather<Values>(
  generator: Generator,
  specs: OptionSpec<Values>[],
  defaults?: Record<string, (values: Record<string, unknown>) => unknown>,
): Promise<Values> {
  const options = generator.options as Record<string, unknown>;
  return gatherValues(specs, options, { yes: options.yes === true, interactive: canAsk(generator), defaults }, async (spec, value, values) => {
    const answers = await generator.prompt([questionFor(spec, value, values) as any]);
    return (answers as Record<string, unknown>)[spec.key];
  });
}

/** An option's value, whether it came camelCased (yo, yeoman-test) or as written on the command line. */
export function optionValue(generator: Generator, name: string): unknown {
  const options = generator.options as Record<string, unknown>;
  const camel = name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return options[camel] ?? options[name];
}
