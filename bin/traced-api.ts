#!/usr/bin/env node
// traced-api new [name] | traced-api endpoint [method] [path]: the same generators as `yo`, run
// through yeoman-environment directly (no global lookup, works as root and without a terminal).
// This entry stays small: it answers usage and bad commands itself and loads the generators'
// runtime (./run.js, one esbuild bundle after `npm run build`) only for a command that needs it.
// Nothing that needs Node 22 is imported before the check: an older Node gets one line, not a SyntaxError.
import nodeModule from 'node:module';
import { refuseOldNode } from 'traced-api-devkit/node-check';

refuseOldNode(new URL('../../package.json', import.meta.url));

// Node keeps the compiled code of run.js on disk (os.tmpdir()/node-compile-cache, or $NODE_COMPILE_CACHE),
// so later starts skip most of the parsing and compiling. A folder it cannot write only loses the speed-up.
try {
  nodeModule.enableCompileCache?.();
} catch {
  // no cache: slower start, same result
}

const COMMANDS: Record<string, { generator: 'app' | 'endpoint'; usage: string }> = {
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
  const { runGenerator } = await import('./run.js');
  return runGenerator(entry.generator, rest);
}

process.exitCode = await main(process.argv.slice(2));
