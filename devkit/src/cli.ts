#!/usr/bin/env node
// traced-api-devkit: the commands a generated project's scripts call (`npm run dev`, `npm run traces`, `npm run verify`).
const USAGE = `Usage: traced-api-devkit <command> [options]

Commands (run them in a project written by generator-traced-api):
  dev      serve the API locally, traced, with the trace page at /_traces   (npm run dev)
  traces   read the deployed API's traces and sampling rules from X-Ray    (npm run traces)
  verify   call every route and check that each one's trace reaches X-Ray whole   (npm run verify)

traced-api-devkit <command> --help for a command's options.`;

const [command, ...args] = process.argv.slice(2);
if (command === 'dev') await (await import('./dev/main.js')).main(args);
else if (command === 'traces') await (await import('./traces/main.js')).main(args);
else if (command === 'verify') await (await import('./verify/main.js')).main(args);
else if (command === undefined || command === '--help' || command === '-h') console.log(USAGE);
else {
  console.error(`traced-api-devkit: unknown command "${command}": dev, traces or verify\n\n${USAGE}`);
  process.exitCode = 2;
}
