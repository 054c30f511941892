// `npm run traces`: the deployed API's recent traces with faults or errors, each printed as a timeline with the
// failing segment marked with its cause, in accounts that keep segments in X-Ray and in accounts where CloudWatch
// Transaction Search sends them to CloudWatch Logs; `--rules`: whether each sampling rule acts once deployed.
// Uses the standard AWS configuration (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_XRAY...).
import { colorFor, forTerminal, screen, screened } from '../terminal/text.js';
import path from 'node:path';
import type { TraceSummary } from '@aws-sdk/client-xray';
import { parseOptions, runProjectCommand, UsageError } from '../command-line.js';
import { xrayServiceName, type ProjectSettings } from '../contract/project.js';
import { readRoutes } from '../contract/routes.js';
import {
  batchGetTraces,
  DEFAULT_INDEXED_PERCENT,
  findTraces,
  indexedPercent,
  MAX_SUMMARY_CALLS,
  MAX_TRACES_SCANNED,
  retrieveTraces,
  startOf,
  traceDestination,
  traceIdTime,
  type Destination,
  type Scan,
} from './read-traces.js';
import { checkRules, expectedRules, formatRulesReport } from './rules.js';
import type { TraceTimeline } from './segments.js';
import { formatMs, formatTimeline } from './terminal.js';
import { INDEXING_ACTION, RULE_ACTIONS, TRACE_ACTIONS, xrayClient, XRayCallError, type XRay } from './xray-calls.js';

/** 100000 as 100,000 (without toLocaleString, whose first call loads ICU's number formats). */
const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

const USAGE = `Usage: npm run traces [-- options]    (traced-api-devkit traces [options])

Lists the deployed API's recent traces with faults or errors and prints each one's timeline, the failing
segment marked with its cause. It first asks where the account keeps segments (GetTraceSegmentDestination):
in X-Ray, it searches with GetTraceSummaries and reads traces with BatchGetTraces; with CloudWatch
Transaction Search on, GetTraceSummaries sees only the indexed share of the traffic (${DEFAULT_INDEXED_PERCENT}% by default), and
whole traces are read from CloudWatch Logs with StartTraceRetrieval and ListRetrievedTraces.

Options:
  --since <time>    how far back: 30s, 15m, 2h or 7d (default 15m; X-Ray keeps traces 30 days), searched a day
                    at a time, newest first, until --limit traces are found; the output says what it scanned
  --id <trace-id>   print this one trace, e.g. 1-6761c7b2-0123456789abcdef01234567 (either kind of account)
  --limit <n>       print at most n timelines (default 5)
  --all             every trace of the API, not only those with faults or errors
  --filter <expr>   your own X-Ray filter expression instead
  --rules           the sampling rules instead: for each of the project's rules and the API default rule, the
                    project's settings, the account's (missing, differing, or as deployed) and the recent
                    statistics (requests matched, sampled, borrowed); exits 1 when a rule is missing or differs
  --region <name>   default: the project's region (terraform/variables.tf)
  --timeout <time>  how long one X-Ray call may take (default 10s; one retry within twice that)
  --wait <time>     how long to wait for a trace retrieval from CloudWatch Logs (default 2m)
  -h, --help        this help

Bounds: a search stops after ${grouped(MAX_TRACES_SCANNED)} traces scanned (X-Ray bills $0.50 per million scanned beyond
the free million a month) or ${MAX_SUMMARY_CALLS} GetTraceSummaries calls, and any paging stops at a NextToken X-Ray already gave.

The project's Terraform gives the functions' role what writing traces takes (xray:PutTraceSegments,
xray:PutTelemetryRecords, the three xray:GetSampling* actions) and nothing to read them: the AWS identity
you run this with (your user or SSO role) needs, in its own policy:
  traces:  ${TRACE_ACTIONS.join(', ')}
           (and ${INDEXING_ACTION} to show the indexed share under Transaction Search; optional)
  --rules: ${RULE_ACTIONS.join(', ')}`;

/** X-Ray keeps traces for 30 days. */
const MAX_SINCE_SECONDS = 30 * 24 * 3600;
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export { UsageError };

/** A duration such as 30s, 15m, 2h or 7d, in seconds; `option` names it in the error. */
export function parseDuration(text: string, option: string, max: { seconds: number; text: string; why: string }): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNITS[match[2]!]! : NaN;
  if (!match || seconds <= 0) throw new UsageError(`${option} ${text}: give a number and a unit, s, m, h or d, such as 30s, 15m, 2h or 7d`);
  if (seconds > max.seconds) throw new UsageError(`${option} ${text}: at most ${max.text}, ${max.why}`);
  return seconds;
}

export function parseSince(text: string): number {
  return parseDuration(text, '--since', { seconds: MAX_SINCE_SECONDS, text: '30d', why: 'X-Ray keeps traces for 30 days' });
}

const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;

/** The functions' names, for the filter when stage tracing is off (no API Gateway segment to search by). */
function functionNames(root: string, project: ProjectSettings): string[] {
  try {
    return readRoutes(path.join(root, 'openapi', 'openapi.yaml'), project.namePrefix).operations.map((operation) => operation.functionName);
  } catch {
    return [];
  }
}

export function filterExpression(options: { all: boolean; root: string; project: ProjectSettings }): { expression: string; scope: string } {
  const { project } = options;
  const problems = options.all ? '' : ' AND (fault = true OR error = true)';
  if (project.apiTracing) {
    const service = xrayServiceName(project);
    return { expression: `service("${service}")${problems}`, scope: service };
  }
  const names = functionNames(options.root, project);
  const services = names.map((name) => `service("${name}")`).join(' OR ');
  return { expression: `(${services || `service("${project.namePrefix}-*")`})${problems}`, scope: `the functions ${names.join(', ')}` };
}

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
  color: boolean;
  /** A status line that rewrites itself (a terminal only); `undefined` clears it. */
  progress?: (text: string | undefined) => void;
}

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await traces(argv, defaultOutput());
}

/** The command, its exit code returned: 0 done, 1 X-Ray failed, the trace is not there or a rule is not deployed, 2 bad arguments. */
export async function traces(argv: string[], given: Output): Promise<number> {
  // Every line passes the terminal's one door: X-Ray's documents and AWS's messages are outside text.
  const output = screened(given);
  const oneLine = (error: unknown) => {
    output.progress?.(undefined);
    // Every X-Ray failure is already one line; anything else is a bug, still said in one line.
    return error instanceof XRayCallError ? error.message : undefined;
  };
  return runProjectCommand({ name: 'npm run traces', usage: USAGE, parse: parseArguments, oneLine }, argv, output, (options, { root, settings }) => run(options, root, settings, output));
}

function defaultOutput(): Output {
  const terminal = Boolean(process.stderr.isTTY);
  return {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    color: colorFor(process.stdout),
    ...(terminal ? { progress: (text: string | undefined) => process.stderr.write(`\r\x1b[K${screen(text ?? '', false)}`) } : {}),
  };
}

function parseArguments(argv: string[]) {
  const values = parseOptions(
    argv,
    {
      since: { type: 'string' },
      id: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean' },
      filter: { type: 'string' },
      rules: { type: 'boolean' },
      region: { type: 'string' },
      timeout: { type: 'string' },
      wait: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'npm run traces -- --since 15m',
  );
  const sinceText = values.since ?? '15m';
  const since = parseSince(sinceText);
  const id = values.id;
  if (id !== undefined && !TRACE_ID.test(id)) {
    throw new UsageError(`--id ${id}: a trace id looks like 1-6761c7b2-0123456789abcdef01234567 (1-, 8 hex digits, -, 24 hex digits)`);
  }
  const limitText = values.limit ?? '5';
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100) throw new UsageError(`--limit ${limitText}: give a whole number from 1 to 100`);
  if (values.rules && (id !== undefined || values.all || values.filter !== undefined || values.since !== undefined || values.limit !== undefined)) {
    throw new UsageError('--rules reads the sampling rules and their recent statistics: it takes none of --id, --since, --limit, --all, --filter');
  }
  const timeout = parseDuration(values.timeout ?? '10s', '--timeout', { seconds: 300, text: '5m', why: 'one X-Ray call should not take longer' });
  const wait = parseDuration(values.wait ?? '2m', '--wait', { seconds: 3600, text: '60m', why: 'X-Ray times a retrieval out after 60 minutes' });
  return { ...values, sinceText, since, id, limit, timeoutMs: timeout * 1000, waitMs: wait * 1000 };
}

async function run(options: ReturnType<typeof parseArguments>, root: string, project: ProjectSettings, output: Output): Promise<number> {
  const region = options.region ?? project.region;
  if (options.rules) {
    const expected = expectedRules(root, project);
    const xray = xrayClient({ region, timeoutMs: options.timeoutMs, neededActions: RULE_ACTIONS });
    const report = await checkRules(xray, expected);
    for (const line of formatRulesReport(report, { project, region })) output.out(line);
    return report.checks.some((check) => check.account !== 'as deployed') ? 1 : 0;
  }
  const xray = xrayClient({ region, timeoutMs: options.timeoutMs, neededActions: TRACE_ACTIONS });
  const { destination, pending } = await traceDestination(xray);
  if (pending) output.out(`The account's trace destination is changing to ${destination} (GetTraceSegmentDestination: PENDING): recent segments may be in either place.`);
  const read = (ids: string[], window: { start: Date; end: Date }) => readTraces(xray, destination, ids, window, options.waitMs, output);

  if (options.id) {
    const id = options.id;
    const started = traceIdTime(id);
    // The trace began at the time its id carries; its segments end within the functions' timeout, and API Gateway's.
    const end = new Date(Math.max(started, Math.min(Date.now(), started + Math.max(project.lambdaTimeoutSeconds, 60) * 1000 + 60_000)));
    const [trace] = await read([id], { start: new Date(started - 60_000), end });
    if (!trace) {
      const where = destination === 'CloudWatchLogs' ? 'in the Transaction Search log group (CloudWatch Logs)' : 'in X-Ray';
      output.out(`No trace ${id} ${where} (${region}): it may be older than 30 days, not sampled, or not processed yet (wait a few seconds).`);
      return 1;
    }
    output.out(formatTimeline(trace, { color: output.color }));
    return 0;
  }

  if (destination === 'CloudWatchLogs') {
    const percent = await indexedPercent(xray);
    const share = percent === undefined ? `${DEFAULT_INDEXED_PERCENT}% (X-Ray's default; ${INDEXING_ACTION} would show this account's setting)` : `${percent}% (its indexing rule)`;
    output.out(
      `Transaction Search is on in ${region}: segments go to CloudWatch Logs and X-Ray indexes ${share} of the traces as summaries, ` +
        'so the search below finds only that share; whole traces are read from CloudWatch Logs. --id reads any trace.',
    );
  }
  const { expression, scope } = options.filter ? { expression: options.filter, scope: 'your filter' } : filterExpression({ all: options.all ?? false, root, project });
  const end = new Date();
  const start = new Date(end.getTime() - options.since * 1000);
  const scan = await findTraces(xray, { start, end, expression, limit: options.limit });
  const { summaries } = scan;
  const what = options.all || options.filter ? 'Traces' : 'Traces with faults or errors';
  if (!project.apiTracing && !options.filter) output.out("API Gateway stage tracing is off: searching the functions' own traces instead of the API stage.");
  const more = scan.stoppedBecause ? '+' : '';
  output.out(`${what} of ${scope} in ${region}, last ${options.sinceText} (filter: ${expression}): ${summaries.length}${more} found`);
  output.out(describeScan(scan, start, options.sinceText));
  if (summaries.length === 0) return 0;
  output.out('');
  const listed = Math.max(options.limit, 20);
  for (const summary of summaries.slice(0, listed)) output.out(`  ${describeSummary(summary)}`);
  if (summaries.length > listed) output.out(`  ... and ${summaries.length - listed} more (narrow --since, or raise --limit)`);
  const chosen = summaries.slice(0, options.limit);
  const oldest = chosen.reduce((min, summary) => Math.min(min, startOf(summary)), Number.POSITIVE_INFINITY);
  const timelines = await read(
    chosen.map((summary) => summary.Id!),
    { start: new Date(oldest - 60_000), end: new Date() },
  );
  for (const trace of timelines) {
    output.out('');
    output.out(formatTimeline(trace, { color: output.color }));
  }
  if (timelines.length < chosen.length) {
    output.out('');
    output.out(`${chosen.length - timelines.length} of the ${chosen.length} traces could not be read (not processed yet, or expired): run again in a moment.`);
  }
  return 0;
}

/** Whole traces, from where the account keeps them. */
async function readTraces(xray: XRay, destination: Destination, ids: string[], window: { start: Date; end: Date }, waitMs: number, output: Output): Promise<TraceTimeline[]> {
  if (destination === 'XRay') return batchGetTraces(xray, ids);
  const what = `Retrieving ${ids.length} trace${ids.length === 1 ? '' : 's'} from CloudWatch Logs`;
  const progress = output.progress;
  try {
    return await retrieveTraces(xray, ids, { ...window, waitMs, ...(progress ? { progress: (status, ms) => progress(`${what}: ${status}, ${Math.round(ms / 1000)} s`) } : {}) });
  } finally {
    progress?.(undefined);
  }
}

const clock = (date: Date) => date.toISOString().replace('T', ' ').slice(0, 16);

/** What the search read, in the window asked for: how far back, how many calls, how many traces X-Ray scanned. */
function describeScan(scan: Scan, start: Date, sinceText: string): string {
  const read = scan.from.getTime() <= start.getTime() ? `all of the last ${sinceText}` : `${clock(scan.from)} to ${clock(scan.to)} UTC of the last ${sinceText}`;
  const queries = scan.sliceHours === 24 ? '' : ` of ${scan.sliceHours} h (X-Ray refused a day)`;
  const counts = `${scan.calls} GetTraceSummaries call${scan.calls === 1 ? '' : 's'}${queries}, ${grouped(scan.tracesScanned)} traces scanned`;
  const why = {
    limit: ', stopped at --limit',
    'scan-bound': `, stopped at the bound of ${grouped(MAX_TRACES_SCANNED)} traces scanned (narrow --since)`,
    'call-bound': `, stopped at the bound of ${MAX_SUMMARY_CALLS} calls (narrow --since)`,
    'repeated-token': ', stopped: X-Ray repeated a NextToken it had already given',
  };
  return `Searched ${read} (${counts}${scan.stoppedBecause ? why[scan.stoppedBecause] : ''}).`;
}

function describeSummary(summary: TraceSummary): string {
  const time = new Date(startOf(summary));
  const flags = [summary.HasFault && 'FAULT', summary.HasError && 'ERROR', summary.HasThrottle && 'THROTTLED'].filter(Boolean).join(' ') || 'OK';
  const http = summary.Http
    ? `${forTerminal(summary.Http.HttpMethod ?? '', 20)} ${forTerminal(summary.Http.HttpURL ?? '', 200)} -> ${forTerminal(summary.Http.HttpStatus ?? '?', 10)}`
    : forTerminal(summary.EntryPoint?.Name ?? '', 120);
  const duration = summary.Duration !== undefined ? formatMs(summary.Duration * 1000) : '';
  return [time.toISOString().replace('T', ' ').slice(0, 19), forTerminal(summary.Id ?? '', 40), http, duration, flags].filter(Boolean).join('  ');
}
