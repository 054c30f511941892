#!/usr/bin/env node
// traced-api new [name] | traced-api endpoint [method] [path]: the same generators as `yo`, run
// through yeoman-environment directly (no global lookup, works as root and without a terminal).
import { fileURLToPath } from 'node:url';

const COMMANDS: Record<string, { generator: string; usage: string }> = {
  new: { generator: 'app', usage: 'traced-api new [name] [options]      write a new traced API project into ./<name>/' },
  endpoint: { generator: 'endpoint', usage: 'traced-api endpoint [method] [path] [options]   add an endpoint to the project here' },
};

function usage(): string {
  return [
    'Usage:',
    ...Object.values(COMMANDS).map((command) => `  ${command.usage}`),
    '',
    'Run `traced-api new --help` or `traced-api endpoint --help` for the options of each.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage());
    return command ? 0 : 1;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    console.error(`Unknown command "${command}": use one of ${Object.keys(COMMANDS).join(', ')}.\n\n${usage()}`);
    return 1;
  }
  const [{ createEnv }, { TerminalAdapter }] = await Promise.all([import('yeoman-environment'), import('@yeoman/adapter')]);
  const adapter = new TerminalAdapter();
  // Yeoman logs which task failed before the error itself; the bin prints the error's own message only.
  const logError = adapter.log.error.bind(adapter.log);
  adapter.log.error = ((message: unknown, ...rest: unknown[]) =>
    String(message).startsWith('An error occured while running ') ? adapter.log : logError(message as string, ...(rest as string[]))) as typeof adapter.log.error;
  const env = createEnv({ adapter });
  const namespace = `traced-api:${entry.generator}`;
  env.register(fileURLToPath(new URL(`../generators/${entry.generator}/index.js`, import.meta.url)), { namespace });
  const help = rest.includes('--help') || rest.includes('-h');
  try {
    await env.run([namespace, ...rest.filter((arg) => arg !== '--help' && arg !== '-h')], { help, force: rest.includes('--force') });
    return 0;
  } catch (error) {
    console.error(`traced-api: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
