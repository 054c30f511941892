#!/usr/bin/env node
// traced-api-devkit: the commands a generated project's scripts call (`npm run dev`, `traces`, `verify`, `bootstrap`,
// `plan`, `deploy`, `destroy`).
const USAGE = `Usage: traced-api-devkit <command> [options]

Commands (run them in a project written by generator-traced-api):
  dev        serve the API locally, traced, with the trace page at /_traces          (npm run dev)
  traces     read the deployed API's traces and sampling rules from X-Ray           (npm run traces)
  verify     call every route and check that each one's trace reaches X-Ray whole   (npm run verify)
  bootstrap  apply terraform/bootstrap once per account and region                  (npm run bootstrap)
  plan       terraform plan of one stage (--stage), its state in S3                 (npm run plan)
  deploy     terraform apply of one stage                                           (npm run deploy)
  destroy    terraform destroy of one stage, once its name is typed                 (npm run destroy)

traced-api-devkit <command> --help for a command's options.`;

const [command, ...args] = process.argv.slice(2);
if (command === 'dev') await (await import('./dev/main.js')).main(args);
else if (command === 'traces') await (await import('./traces/main.js')).main(args);
else if (command === 'verify') await (await import('./verify/main.js')).main(args);
else if (command === 'plan' || command === 'deploy' || command === 'destroy' || command === 'bootstrap') await (await import('./stages/main.js')).main(command, args);
else if (command === undefined || command === '--help' || command === '-h') console.log(USAGE);
else {
  console.error(`traced-api-devkit: unknown command "${command}": dev, traces, verify, bootstrap, plan, deploy or destroy\n\n${USAGE}`);
  process.exitCode = 2;
}
