// `npm run dev`: the API on http://127.0.0.1:3000, traced as deployed, with the traces at /_traces.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseOptions, UsageError } from '../command-line.js';
import { readProjectSettings, SettingsError } from '../contract/project.js';
import { readRoutes } from './routes.js';
import { startDevServer } from './server.js';
import { colorFor, paint, screen } from '../terminal/text.js';

const USAGE = `Usage: npm run dev [-- options]    (traced-api-devkit dev [options])

Serves the API on 127.0.0.1 as API Gateway + Lambda would, traced with X-Ray, with a local SNS.
The traces: http://127.0.0.1:<port>/_traces
The X-Ray read API over what it recorded: AWS_ENDPOINT_URL_XRAY=http://127.0.0.1:<port>/_xray
(npm run traces, npm run traces -- --rules and npm run verify then read this server instead of AWS).
Operations whose security needs an API key take the local key it prints at start in x-api-key; those
that need IAM take a SigV4 signature (service execute-api) made with the local credentials it prints.

Options:
  --port <n>        port to listen on (default 3000; 0 picks a free one)
  --sns-fail        start with SNS failing (then POST /_sns/ok, or the button on /_traces, restores it)
  --logs            print the handlers' log lines under each request
  --timelines       print each sampled request's timeline under its line
  --no-build        serve dist/ as it is instead of running npm run build first
  --no-watch        do not rebuild when src/ changes
  --openapi <file>  serve another OpenAPI document (default openapi/openapi.yaml)
  -h, --help        this help

SNS on demand, while it runs:
  curl -X POST http://127.0.0.1:<port>/_sns/fail     every Publish fails (500 InternalError)
  curl -X POST http://127.0.0.1:<port>/_sns/ok       SNS works again
  curl http://127.0.0.1:<port>/_sns                  what was published`;

export async function main(argv: string[]): Promise<void> {
  let values;
  try {
    values = parseOptions(
      argv,
      {
        port: { type: 'string' },
        'sns-fail': { type: 'boolean' },
        logs: { type: 'boolean' },
        timelines: { type: 'boolean' },
        'no-build': { type: 'boolean' },
        'no-watch': { type: 'boolean' },
        openapi: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      'npm run dev -- --port 4000',
    );
  } catch (error) {
    return fail(error);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const portText = values.port ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) return fail(new UsageError(`--port ${portText}: give a port number from 0 to 65535 (0 picks a free one)`));
  const root = process.cwd();
  if (!existsSync(path.join(root, 'openapi', 'openapi.yaml'))) return fail(new UsageError('Run npm run dev in the project (no openapi/openapi.yaml here)'));
  let project;
  try {
    project = readProjectSettings(root);
  } catch (error) {
    return fail(error instanceof SettingsError ? new UsageError(error.message) : error);
  }
  const openapiPath = values.openapi ? path.resolve(values.openapi) : undefined;
  if (openapiPath && !existsSync(openapiPath)) return fail(new UsageError(`--openapi ${values.openapi}: no such file`));
  // `npm run dev --sns-fail` (without --) hands the flag to npm, which passes it on as npm_config_sns_fail.
  const snsFail = values['sns-fail'] ?? process.env.npm_config_sns_fail === 'true';
  if (snsFail && !project.sns) return fail(new UsageError('--sns-fail: this project has no SNS topic (generated with --no-sns)'));
  const color = colorFor(process.stdout);
  // The document's paths and the warnings about it are the project's text: through the terminal's one door.
  const say = (line: string) => console.log(screen(line, color));

  let server;
  try {
    server = await startDevServer({
      root,
      port,
      openapiPath,
      build: !values['no-build'],
      watch: !values['no-watch'],
      snsFailure: snsFail ? {} : undefined,
      echoLogs: values.logs ?? process.env.npm_config_logs === 'true',
      printTimelines: values.timelines ?? process.env.npm_config_timelines === 'true',
      logLevel: process.env.LOG_LEVEL,
      color,
      project,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      return fail(new UsageError(`Port ${port} is in use: choose another with npm run dev -- --port ${port + 1}`));
    }
    return fail(error);
  }
  const bold = (text: string) => paint(1, text);
  say(`${bold(`${project.name} dev server`)} listening on ${server.url}`);
  say(`  traces  ${server.url}/_traces`);
  say(`  X-Ray   local daemon on udp ${server.daemon.address}, stage tracing ${project.apiTracing ? 'on' : 'off'}, Lambda tracing ${project.tracingMode}`);
  if (server.sns) {
    const state = server.sns.failingWith ? 'FAILING every call' : 'recording what is published';
    say(`  SNS     local, ${state} (POST /_sns/fail, POST /_sns/ok, GET /_sns)`);
  }
  const table = readRoutes(openapiPath ?? path.join(root, 'openapi', 'openapi.yaml'), project);
  for (const route of table.routes) {
    const rule = route.rule ?? project.defaultRule;
    const sampling = project.apiTracing ? `sampled by ${rule.ruleName}: ${rule.reservoirSize}/s, then ${rule.fixedRate * 100}%` : '';
    const auth = route.auth === 'none' ? '' : `  [${route.auth}]`;
    say(`  route   ${route.method} ${route.path} -> ${route.functionName}${auth}  ${sampling}`.trimEnd());
  }
  if (table.routes.some((route) => route.auth === 'api-key')) say(`  api key x-api-key: ${server.auth.apiKey}   (this run's local key, for the [api-key] routes)`);
  if (table.routes.some((route) => route.auth === 'iam')) {
    const { accessKeyId, secretAccessKey } = server.auth.credentials;
    say(`  iam     sign for execute-api in ${server.auth.region} with AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey}   (this run's local credentials, for the [iam] routes)`);
  }
  say(`  X-Ray API  over what this server records: AWS_ENDPOINT_URL_XRAY=${server.xrayEndpoint} npm run traces   (or npm run verify -- --url ${server.url})`);
  for (const warning of table.warnings) say(`  NOT SERVED  ${warning}`);
  for (const note of server.notes) say(`  note    ${note}`);
  say('Each request prints: method, path, status, duration, trace id, and the failing segment if any.');

  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function fail(error: unknown): void {
  if (error instanceof UsageError) console.error(screen(`${error.message}\n\n${USAGE}`, false));
  else console.error(screen(error instanceof Error ? error.message : String(error), false));
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
