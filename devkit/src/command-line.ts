// The command lines of `npm run dev` and `npm run traces`: strict options, and one kind of error for a
// wrong one, which the scripts print with their usage and exit 2 on.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readProjectSettings, SettingsError, type ProjectSettings } from './contract/project.js';

export class UsageError extends Error {}

/** The options of `argv`; npm keeps options written before `--` for itself, and the error says so with `example`. */
export function parseOptions<const Options extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: Options, example: string) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = /Unexpected argument/.test(message) ? `; options go after --, as in: ${example}` : '';
    throw new UsageError(`${message}${hint}`);
  }
}

/**
 * A command of the project (`npm run traces`, `npm run verify`), its exit code returned: --help prints the usage; the
 * command runs in the project in the current folder; a usage or settings error is printed with the usage (2); any
 * other failure is one line (1): `oneLine` says it for the errors already put so, anything else is a bug said plainly.
 */
export async function runProjectCommand<Options extends { help?: boolean }>(
  command: { name: string; usage: string; parse: (argv: string[]) => Options; oneLine: (error: unknown) => string | undefined },
  argv: string[],
  output: { out: (line: string) => void; err: (line: string) => void },
  run: (options: Options, project: { root: string; settings: ProjectSettings }) => Promise<number>,
): Promise<number> {
  try {
    const options = command.parse(argv);
    if (options.help) {
      output.out(command.usage);
      return 0;
    }
    const root = process.cwd();
    return await run(options, { root, settings: readProjectSettings(root) });
  } catch (error) {
    if (error instanceof UsageError || error instanceof SettingsError) {
      output.err(`${error.message}\n\n${command.usage}`);
      return 2;
    }
    output.err(command.oneLine(error) ?? `${command.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
