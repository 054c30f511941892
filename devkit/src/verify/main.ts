// `npm run verify`: proves end to end that every route of the deployed API (or of the dev server) is traced. For each
// operation of openapi/openapi.yaml (GETs; the others too with --write, sending the document's example body), it
// calls the API with an X-Amzn-Trace-Id header asking for the trace to be sampled (API Gateway, and the dev server,
// honour an upstream decision: so a rule that samples nothing still yields the trace to check, and verify says so),
// reads the trace id back from the response's X-Amzn-Trace-Id header, waits (bounded by --timeout) for each trace in
// X-Ray in either kind of account (the `traces` code: ../traces/read-traces.ts), and prints one line per route:
// status, trace found or not, its path (stage -> function -> SNS) and the sampling rule that matches the route.
// Exits 1 naming the route and the failing segment when a trace is missing, holds a fault, or never reached the
// function; a missing credential, a denied call or an API that does not answer is one clear line.
import { colorFor, screened } from '../terminal/text.js';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { parseOptions, runProjectCommand, UsageError } from '../command-line.js';
import type { ProjectSettings } from '../contract/project.js';
import { readRoutes, type Route, type SamplingRule } from '../dev/routes.js';
import { Sampler } from '../dev/sampling.js';
import { newTraceId } from '../dev/trace-context.js';
import { batchGetTraces, retrieveTraces, traceDestination, type Destination } from '../traces/read-traces.js';
import { describeFailing, type TraceTimeline } from '../traces/segments.js';
import { parseDuration, type Output } from '../traces/main.js';
import { TRACE_ACTIONS, xrayClient, XRayCallError, type XRay } from '../traces/xray-calls.js';

const USAGE = `Usage: npm run verify [-- options]    (traced-api-devkit verify [options])

Calls every GET operation of openapi/openapi.yaml on the deployed API (or on the dev server) and checks that
each call's trace reaches X-Ray whole: the API stage's segment, the function's, and the SNS call where the
handler publishes. It prints one line per route (status, trace, its path, the sampling rule that matches the
route) and exits 1, naming the route and the failing segment, when a trace is missing or holds a fault.

Each request carries X-Amzn-Trace-Id with Sampled=1: API Gateway follows an upstream sampling decision, so the
trace exists whatever the route's rule (one trace per route per run, billed as any other). A route whose rule
samples nothing (reservoir 0, rate 0) passes, with a note that real requests to it are not traced.

Options:
  --stage <name>    the stage to check (default: the one terraform/ holds, else the project's); its invoke URL
                    comes from \`terraform output -raw invoke_url\` in terraform/
  --url <url>       the API's URL instead, such as the dev server's (http://127.0.0.1:3000): against a loopback
                    URL, X-Ray is read from that server's /_xray unless AWS_ENDPOINT_URL_XRAY says otherwise
  --write           call the POST, PUT, PATCH and DELETE operations too, with the document's example body ({}
                    without one)
  --api-key <key>   the key for operations that require one (default: TRACED_API_KEY, else
                    \`terraform output -raw api_key\`); the dev server prints its key at start
  --timeout <time>  how long to wait for the traces in X-Ray (default 60s; X-Ray takes seconds to process them)
  --region <name>   default: the project's region
  -h, --help        this help

Operations that require IAM auth are signed (SigV4, execute-api) with your AWS credentials, as the X-Ray calls
are. The identity needs ${TRACE_ACTIONS.join(', ')}, and execute-api:Invoke for those.`;

/** How long one call to the API may take: API Gateway's integration timeout (29 s), and a little more. */
const REQUEST_TIMEOUT_MS = 35_000;

export interface Check {
  route: Route;
  url: string;
  rule?: SamplingRule;
  status?: number;
  /** API Gateway's own error type, when it answered itself (x-amzn-errortype). */
  errorType?: string;
  message?: string;
  /** From the response's X-Amzn-Trace-Id, else the Root verify sent. */
  traceId?: string;
  timeline?: TraceTimeline;
}

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await verify(argv, {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    color: colorFor(process.stdout),
  });
}

/** The command, its exit code returned: 0 every route traced, 1 a route not (or a failure), 2 bad arguments. */
export async function verify(argv: string[], given: Output): Promise<number> {
  // Every line passes the terminal's one door: the API's answers, X-Ray's documents and AWS's messages are outside text.
  const output = screened(given);
  const oneLine = (error: unknown) => (error instanceof VerifyError || error instanceof XRayCallError ? error.message : undefined);
  return runProjectCommand({ name: 'npm run verify', usage: USAGE, parse: parseArguments, oneLine }, argv, output, (options, { root, settings }) => run(options, root, settings, output));
}

/** A failure already put in one line. */
class VerifyError extends Error {}

function parseArguments(argv: string[]) {
  const values = parseOptions(
    argv,
    {
      stage: { type: 'string' },
      url: { type: 'string' },
      write: { type: 'boolean' },
      'api-key': { type: 'string' },
      timeout: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'npm run verify -- --stage dev',
  );
  if (values.url !== undefined && !/^https?:\/\/[^/]+/.test(values.url)) throw new UsageError(`--url ${values.url}: give the API's URL, such as https://abc123.execute-api.us-east-1.amazonaws.com/dev or http://127.0.0.1:3000`);
  if (values.stage !== undefined && !/^[A-Za-z0-9_]{1,20}$/.test(values.stage)) throw new UsageError(`--stage ${values.stage}: a stage name is 1-20 letters, digits or underscores`);
  const timeout = parseDuration(values.timeout ?? '60s', '--timeout', { seconds: 900, text: '15m', why: 'X-Ray processes a trace within seconds' });
  return { ...values, timeoutMs: timeout * 1000 };
}

/** `terraform output -raw <name>` in terraform/, or undefined when there is none (with why). */
function terraformOutput(root: string, name: string): { value?: string; why?: string } {
  const result = spawnSync('terraform', [`-chdir=${path.join(root, 'terraform')}`, 'output', '-raw', name], { encoding: 'utf8', timeout: 60_000 });
  if (result.error) return { why: (result.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'terraform is not on PATH' : result.error.message };
  if (result.status !== 0) return { why: (result.stderr || result.stdout).replace(/\u001b\[[0-9;]*m/g, '').replace(/\s+/g, ' ').trim().slice(0, 200) };
  const value = result.stdout.trim();
  return value && value !== 'null' ? { value } : { why: `the output ${name} is empty` };
}

const isLoopback = (url: string) => /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(url);

async function run(options: ReturnType<typeof parseArguments>, root: string, project: ProjectSettings, output: Output): Promise<number> {
  const region = options.region ?? project.region;
  const { base, stage } = apiLocation(root, project, options);
  const table = readRoutes(path.join(root, 'openapi', 'openapi.yaml'), project);
  const routes = table.routes.filter((route) => options.write || route.method === 'GET');
  const skipped = table.routes.length - routes.length;
  if (routes.length === 0) {
    throw new VerifyError(
      table.routes.length === 0 ? 'openapi/openapi.yaml has no operation to verify.' : `openapi/openapi.yaml has no GET operation: run npm run verify -- --write to call the ${skipped} others too.`,
    );
  }
  const local = isLoopback(base) && !process.env.AWS_ENDPOINT_URL_XRAY;
  const xray = xrayClient({
    region,
    timeoutMs: 10_000,
    neededActions: TRACE_ACTIONS,
    // The dev server's own X-Ray API, which does not check signatures: any credentials sign for it.
    ...(local ? { endpoint: `${new URL(base).origin}/_xray`, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  const apiKey = routes.some((route) => route.auth === 'api-key') ? findApiKey(root, options) : undefined;
  // Your own credentials (the SDK's default chain) sign the IAM routes, also where X-Ray is the dev server's.
  const signer = local ? xrayClient({ region, timeoutMs: 10_000, neededActions: ['execute-api:Invoke'] }) : xray;
  const sampler = new Sampler(table.rules);
  output.out(`Verifying ${routes.length} route${routes.length === 1 ? '' : 's'} of ${base}${skipped > 0 ? ` (${skipped} other than GET left out: --write calls them)` : ''}; X-Ray at ${xray.endpoint}`);

  const started = Date.now();
  const checks: Check[] = [];
  for (const route of routes) {
    const routePath = route.path.replace(/\{([^}+]+)\+?\}/g, (_, name: string) => encodeURIComponent(route.example?.pathParameters?.[name] ?? `verify-${name}`));
    const check: Check = { route, url: `${base}${routePath}`, rule: sampler.ruleFor(route.method, `/${stage}${routePath}`) };
    await call(check, { credentials: () => signer.credentials(), region, apiKey });
    checks.push(check);
  }
  await waitForTraces(xray, checks, { start: started, timeoutMs: options.timeoutMs });

  let failed = 0;
  for (const check of checks) {
    const { line, failure } = describeCheck(check, project);
    output.out(line);
    if (failure) {
      failed += 1;
      output.err(`FAIL ${check.route.method} ${check.route.path}: ${failure}`);
    }
  }
  output.out(failed === 0 ? `All ${checks.length} routes answered and were traced whole.` : `${failed} of ${checks.length} routes failed.`);
  return failed === 0 ? 0 : 1;
}

/** Where the API is: --url, else the invoke URL Terraform output for the stage it holds. */
function apiLocation(root: string, project: ProjectSettings, options: { url?: string; stage?: string }): { base: string; stage: string } {
  if (options.url) return { base: options.url.replace(/\/+$/, ''), stage: options.stage ?? project.stage };
  const url = terraformOutput(root, 'invoke_url');
  if (!url.value) throw new VerifyError(`No invoke URL: \`terraform output -raw invoke_url\` in terraform/ failed (${url.why}). Deploy first (npm run deploy), or pass --url.`);
  const held = terraformOutput(root, 'stage').value ?? project.stage;
  if (options.stage && options.stage !== held) {
    throw new VerifyError(`terraform/ holds the outputs of stage ${held}, not ${options.stage}: deploy or plan --stage ${options.stage} first (which selects its state), or pass --url.`);
  }
  return { base: url.value.replace(/\/+$/, ''), stage: held };
}

function findApiKey(root: string, options: { 'api-key'?: string; url?: string }): string {
  const given = options['api-key'] ?? process.env.TRACED_API_KEY;
  if (given) return given;
  const output = options.url ? undefined : terraformOutput(root, 'api_key');
  if (output?.value) return output.value;
  throw new VerifyError(
    `Some operations require an API key and none was given: pass --api-key <key> or set TRACED_API_KEY (the dev server prints its key at start; deployed: terraform output -raw api_key${output?.why ? `, which failed: ${output.why}` : ''}).`,
  );
}

/** One call to the route, asking for its trace to be sampled; the answer and the trace id are kept in `check`. */
async function call(check: Check, { credentials, region, apiKey }: { credentials: XRay['credentials']; region: string; apiKey?: string }): Promise<void> {
  const { route } = check;
  const hasBody = !['GET', 'DELETE'].includes(route.method);
  const body = hasBody ? JSON.stringify(route.example?.body ?? {}) : undefined;
  const sent = newTraceId();
  let headers: Record<string, string> = {
    'x-amzn-trace-id': `Root=${sent};Sampled=1`,
    ...(hasBody ? { 'content-type': 'application/json' } : {}),
    ...(route.auth === 'api-key' && apiKey ? { 'x-api-key': apiKey } : {}),
  };
  if (route.auth === 'iam') headers = await signed(check.url, route.method, headers, body, await credentials(), region);
  let response: Response;
  try {
    response = await fetch(check.url, { method: route.method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const reason = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const cause = reason?.code ?? reason?.errors?.[0]?.code ?? reason?.message ?? (error as Error).name;
    const why = cause === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : cause;
    throw new VerifyError(`The API did not answer ${route.method} ${check.url} (${why}): is it deployed (npm run deploy), or the dev server running (npm run dev)?`);
  }
  check.status = response.status;
  check.errorType = response.headers.get('x-amzn-errortype')?.split(':')[0] ?? undefined;
  const text = await response.text();
  try {
    check.message = String((JSON.parse(text) as { message?: unknown }).message ?? '').slice(0, 200) || undefined;
  } catch {
    // not API Gateway's JSON: the status says enough
  }
  // API Gateway answers with the trace's id; it keeps the Root a caller sends, so that one stands in where a proxy dropped the header.
  check.traceId = /Root=(1-[0-9a-f]{8}-[0-9a-f]{24})/.exec(response.headers.get('x-amzn-trace-id') ?? '')?.[1] ?? sent;
}

/** The headers with a SigV4 signature for execute-api, as the AWS SDK signs a request. */
async function signed(url: string, method: string, headers: Record<string, string>, body: string | undefined, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, region: string) {
  const target = new URL(url);
  const signer = new SignatureV4({ credentials, region, service: 'execute-api', sha256: Sha256, uriEscapePath: true });
  const request = await signer.sign({
    method,
    protocol: target.protocol,
    hostname: target.hostname,
    ...(target.port ? { port: Number(target.port) } : {}),
    path: target.pathname,
    query: Object.fromEntries(target.searchParams),
    headers: { ...headers, host: target.host },
    body,
  });
  const { host: _, ...sent } = request.headers as Record<string, string>;
  return sent;
}

/**
 * Whether a trace holds all it will: every document ended, and the function's segment, unless API Gateway answered
 * the request itself (x-amzn-errortype: a refusal, a missing route), when none will come.
 */
const whole = (check: Check) =>
  Boolean(check.timeline && !check.timeline.inProgress && (check.errorType !== undefined || check.timeline.rows.some((row) => row.origin === 'AWS::Lambda::Function')));

/** Reads the traces until each is whole, or the time is up; what was found by then is kept. */
async function waitForTraces(xray: XRay, checks: Check[], { start, timeoutMs }: { start: number; timeoutMs: number }): Promise<void> {
  const wanted = checks.filter((check) => check.traceId);
  if (wanted.length === 0) return;
  const { destination } = await traceDestination(xray);
  const deadline = Date.now() + timeoutMs;
  for (let pause = 250; ; pause = Math.min(pause * 2, 2000)) {
    const missing = wanted.filter((check) => !whole(check));
    if (missing.length === 0) return;
    const timelines = await readTraces(xray, destination, missing.map((check) => check.traceId!), { start: new Date(start - 60_000), end: new Date(), waitMs: Math.max(1000, deadline - Date.now()) });
    for (const timeline of timelines) {
      for (const check of missing) if (check.traceId === timeline.id) check.timeline = timeline;
    }
    if (Date.now() + pause > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

async function readTraces(xray: XRay, destination: Destination, ids: string[], window: { start: Date; end: Date; waitMs: number }): Promise<TraceTimeline[]> {
  return destination === 'XRay' ? batchGetTraces(xray, ids) : retrieveTraces(xray, ids, window);
}

/** The trace's path: each segment, and each call to another service, in order: "orders-api/dev -> orders-api-dev-createOrder -> SNS Publish". */
export function tracePath(timeline: TraceTimeline): string {
  const steps = timeline.rows
    .filter((row) => row.kind === 'segment' || (row.namespace === 'aws' && !(row.name === 'Lambda' && row.operation === 'Invoke')) || row.namespace === 'remote')
    .map((row) => `${row.name}${row.kind === 'subsegment' && row.operation ? ` ${row.operation}` : ''}${row.status === 'fault' ? ' (fault)' : row.status === 'error' ? ' (error)' : ''}`);
  return steps.filter((step, i) => step !== steps[i - 1]).join(' -> ');
}

/** One line for the route, and why it fails, if it does. */
export function describeCheck(check: Check, project: Pick<ProjectSettings, 'apiTracing'>): { line: string; failure?: string } {
  const { route, rule, timeline } = check;
  const samplesNothing = rule && rule.reservoirSize === 0 && rule.fixedRate === 0;
  const ruleText = rule
    ? `rule ${rule.ruleName} (${rule.reservoirSize}/s, then ${rule.fixedRate * 100}%)${samplesNothing ? ': samples nothing, so real requests to this route are not traced (verify forced this one)' : ''}`
    : 'no sampling rule matches';
  const traced = timeline ? `trace ${timeline.id}: ${tracePath(timeline)}` : `trace ${check.traceId} NOT FOUND`;
  const line = `${route.method} ${route.path}  ${check.status}  ${traced}  ${project.apiTracing ? ruleText : 'stage tracing off: no rule acts'}`;
  let failure: string | undefined;
  if (!timeline) failure = `trace ${check.traceId} did not reach X-Ray within --timeout (not processed yet: run again with a longer --timeout; or not sampled)`;
  else if (timeline.failing?.status === 'fault') failure = `trace ${timeline.id} holds a fault at ${describeFailing(timeline.failing)}`;
  else if (!timeline.rows.some((row) => row.origin === 'AWS::Lambda::Function')) {
    const answer = check.errorType ? `${check.status} ${check.errorType}${check.message ? `: ${check.message}` : ''}` : `${check.status}${check.message ? ` ${check.message}` : ''}`;
    const hint = check.status === 403 && route.auth === 'api-key' ? ' (pass the right --api-key)' : check.status === 403 && route.auth === 'iam' ? ' (your credentials may not invoke it: execute-api:Invoke, or sign with the right ones)' : '';
    failure = `API Gateway answered ${answer} itself: the function's segment is not in trace ${timeline.id}${hint}`;
  } else if (timeline.inProgress) failure = `trace ${timeline.id} is still in progress after --timeout (a segment never ended)`;
  return { line, ...(failure ? { failure } : {}) };
}
