// The thin glue between the declarative options and Yeoman: registering them and asking them.
import type Generator from 'yeoman-generator';
import { gatherValues, questionFor, type OptionSpec } from './options.js';

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
  generator.option('force', { type: Boolean, description: 'Overwrite files that already exist, without asking' });
  generator.option('yes', { type: Boolean, alias: 'y', description: 'Take the default of every value not given; ask nothing' });
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
