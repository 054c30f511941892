// The part of the bin that runs a generator: yeoman-environment, the terminal adapter, and both
// generators. `npm run build` bundles this file with its dependencies into dist/bin/run.js (see
// scripts/bundle-bin.mjs): one file to read and compile instead of some two thousand modules.
import { fileURLToPath } from 'node:url';
import { TerminalAdapter } from '@yeoman/adapter';
import { createEnv } from 'yeoman-environment';
import AppGenerator from '../generators/app/index.js';
import EndpointGenerator from '../generators/endpoint/index.js';

const GENERATORS = { app: AppGenerator, endpoint: EndpointGenerator };

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
  const help = args.includes('--help') || args.includes('-h');
  try {
    await env.run([namespace, ...args.filter((arg) => arg !== '--help' && arg !== '-h')], { help, force: args.includes('--force') });
    return 0;
  } catch (error) {
    console.error(`traced-api: ${(error as Error).message}`);
    return 1;
  }
}
