// The command lines of `npm run dev` and `npm run traces`: strict options, and one kind of error for a
// wrong one, which the scripts print with their usage and exit 2 on.
import { parseArgs, type ParseArgsConfig } from 'node:util';

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
