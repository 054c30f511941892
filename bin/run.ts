// The part of the bin that runs a generator: yeoman-environment, the terminal adapter, and both
// generators. `npm run build` bundles this file with its dependencies into dist/bin/run.js (see
// scripts/bundle-bin.mjs): one file to read and compile instead of some two thousand modules.
import { fileURLToPath } from 'node:url';
import { TerminalAdapter } from '@yeoman/adapter';
import { createEnv } from 'yeoman-environment';
import AppGenerator from '../generators/app/index.js';
import EndpointGenerator from '../generators/endpoint/index.js';
import { forTerminal } from 'traced-api-devkit';
import { appOptions, commandOptions, endpointOptions, helpText, type CommandHelp } from '../lib/options.js';

const GENERATORS = { app: AppGenerator, endpoint: EndpointGenerator };

/** Each command's --help, from the statements its prompts are built from: only the options that apply. */
const HELP: Record<keyof typeof GENERATORS, CommandHelp> = {
  app: {
    usage: 'traced-api new [name] [options]',
    summary: 'Writes a new traced API project into ./<name>/ (API Gateway REST API from OpenAPI, Lambda with X-Ray, sampling rules, all in Terraform) and runs npm install in it.',
    specs: appOptions,
    others: [...commandOptions, { name: 'skip-install', description: 'Do not run npm install in the new project' }],
  },
  endpoint: {
    usage: 'traced-api endpoint [method] [path] [options]',
    summary: 'Adds an endpoint to the project here: its operation in openapi/openapi.yaml, its handler and test, and its sampling rule.',
    specs: endpointOptions,
    others: commandOptions,
  },
};

/** Runs `traced-api:<generator>` with the command line's arguments; the exit code. */
export async function runGenerator(generator: keyof typeof GENERATORS, args: string[]): Promise<number> {
  const adapter = new TerminalAdapter();
  // Yeoman logs which task failed before the error itself; the bin prints the error's own message only.
  const logError = adapter.log.error.bind(adapter.log);
  adapter.log.error = ((message: unknown, ...rest: unknown[]) =>
    String(message).startsWith('An error occured while running ') ? adapter.log : logError(message as string, ...(rest as string[]))) as typeof adapter.log.error;
  const env = createEnv({ adapter });
  const namespace = `traced-api:${generator}`;
  // The classes themselves (already loaded with this file), registered where `yo` would find them.
  const resolved = fileURLToPath(new URL(`../generators/${generator}/index.js`, import.meta.url));
  env.register(GENERATORS[generator] as any, { namespace, resolved });
  if (args.includes('--help') || args.includes('-h')) {
    console.log(helpText(HELP[generator], Math.min(100, Math.max(60, process.stdout.columns ?? 80))));
    return 0;
  }
  try {
    await env.run([namespace, ...args], { force: args.includes('--force') });
    return 0;
  } catch (error) {
    // Ctrl-C at a prompt: the shell's convention for an interrupt (128 + SIGINT), and nothing was written.
    if ((error as Error).name === 'ExitPromptError') {
      console.error('\ntraced-api: interrupted; nothing was written.');
      return 130;
    }
    // The message may hold the project's text (a path from its document): through the terminal's one door.
    console.error(`traced-api: ${(error as Error).message.split('\n').map((line) => forTerminal(line, 2000)).join('\n')}`);
    return 1;
  }
}
