// `npm run traces`: the deployed API's recent traces with faults or errors, from X-Ray (GetTraceSummaries with a
// filter expression), each printed as a timeline (BatchGetTraces) with the failing segment marked with its cause.
// Uses the standard AWS configuration (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_XRAY...).
import path from 'node:path';
import { BatchGetTracesCommand, GetTraceSummariesCommand, XRayClient, type TraceSummary } from '@aws-sdk/client-xray';
import { parseOptions, UsageError } from '../command-line.js';
import { readProjectSettings, SettingsError, xrayServiceName, type ProjectSettings } from '../contract/project.js';
import { readRoutes } from '../contract/routes.js';
import { buildTimeline, type SegmentDocument } from './segments.js';
import { formatMs, formatTimeline } from './terminal.js';

const USAGE = `Usage: npm run traces [-- options]    (traced-api-devkit traces [options])

Lists the deployed API's recent traces with faults or errors and prints each one's timeline,
the failing segment marked with its cause. Reads X-Ray with your AWS credentials
(xray:GetTraceSummaries and xray:BatchGetTraces).

Options:
  --since <time>    how far back: 30s, 15m, 2h or 7d (default 15m; X-Ray keeps traces 30 days)
  --id <trace-id>   print this one trace, e.g. 1-6761c7b2-0123456789abcdef01234567
  --limit <n>       print at most n timelines (default 5)
  --all             every trace of the API, not only those with faults or errors
  --filter <expr>   your own X-Ray filter expression instead
  --region <name>   default: the project's region (terraform/variables.tf)
  -h, --help        this help`;

/** X-Ray keeps traces for 30 days. */
const MAX_SINCE_SECONDS = 30 * 24 * 3600;
/** One GetTraceSummaries query covers at most this much time; longer windows are read in slices, newest first. */
const SLICE_SECONDS = 6 * 3600;
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export { UsageError };

export function parseSince(text: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNITS[match[2]!]! : NaN;
  if (!match || seconds <= 0) {
    throw new UsageError(`--since ${text}: give a number and a unit, s, m, h or d, such as 30s, 15m, 2h or 7d`);
  }
  if (seconds > MAX_SINCE_SECONDS) throw new UsageError(`--since ${text}: at most 30d, X-Ray keeps traces for 30 days`);
  return seconds;
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
}

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await traces(argv, defaultOutput());
}

/** The command, its exit code returned: 0 done, 1 X-Ray failed or the trace is not there, 2 bad arguments. */
export async function traces(argv: string[], output: Output): Promise<number> {
  try {
    return await run(argv, output);
  } catch (error) {
    if (error instanceof UsageError || error instanceof SettingsError) {
      output.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    output.err(explain(error));
    return 1;
  }
}

function defaultOutput(): Output {
  return {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  };
}

async function run(argv: string[], { out, color }: Output): Promise<number> {
  const values = parseOptions(
    argv,
    {
      since: { type: 'string' },
      id: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean' },
      filter: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'npm run traces -- --since 15m',
  );
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const sinceText = values.since ?? '15m';
  const since = parseSince(sinceText);
  const id = values.id;
  if (id !== undefined && !TRACE_ID.test(id)) {
    throw new UsageError(`--id ${id}: a trace id looks like 1-6761c7b2-0123456789abcdef01234567 (1-, 8 hex digits, -, 24 hex digits)`);
  }
  const limitText = values.limit ?? '5';
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100) throw new UsageError(`--limit ${limitText}: give a whole number from 1 to 100`);
  const root = process.cwd();
  const project = readProjectSettings(root);
  const region = values.region ?? project.region;
  const client = new XRayClient({ region });

  if (id) {
    const [trace] = await fetchTraces(client, [id]);
    if (!trace) {
      out(`No trace ${id} in X-Ray (${region}): it may be older than 30 days, not sampled, or not processed yet (wait a few seconds).`);
      return 1;
    }
    out(formatTimeline(trace, { color }));
    return 0;
  }

  const { expression, scope } = values.filter ? { expression: values.filter, scope: 'your filter' } : filterExpression({ all: values.all ?? false, root, project });
  const end = new Date();
  const start = new Date(end.getTime() - since * 1000);
  const summaries = await findTraces(client, start, end, expression, limit);
  const what = values.all || values.filter ? 'Traces' : 'Traces with faults or errors';
  if (!project.apiTracing && !values.filter) out('API Gateway stage tracing is off: searching the functions\' own traces instead of the API stage.');
  out(`${what} of ${scope} in ${region}, last ${sinceText} (filter: ${expression}): ${summaries.length}${summaries.length >= limit ? '+' : ''} found`);
  if (summaries.length === 0) return 0;
  out('');
  const listed = Math.max(limit, 20);
  for (const summary of summaries.slice(0, listed)) out(`  ${describeSummary(summary)}`);
  if (summaries.length > listed) out(`  ... and ${summaries.length - listed} more (narrow --since, or raise --limit)`);
  const traces = await fetchTraces(client, summaries.slice(0, limit).map((summary) => summary.Id!));
  for (const trace of traces) {
    out('');
    out(formatTimeline(trace, { color }));
  }
  return 0;
}

function describeSummary(summary: TraceSummary): string {
  const time = summary.StartTime ?? (summary.Id ? new Date(parseInt(summary.Id.split('-')[1]!, 16) * 1000) : undefined);
  const flags = [summary.HasFault && 'FAULT', summary.HasError && 'ERROR', summary.HasThrottle && 'THROTTLED'].filter(Boolean).join(' ') || 'OK';
  const http = summary.Http ? `${summary.Http.HttpMethod ?? ''} ${summary.Http.HttpURL ?? ''} -> ${summary.Http.HttpStatus ?? '?'}` : (summary.EntryPoint?.Name ?? '');
  const duration = summary.Duration !== undefined ? formatMs(summary.Duration * 1000) : '';
  return [time ? time.toISOString().replace('T', ' ').slice(0, 19) : '', summary.Id, http, duration, flags].filter(Boolean).join('  ');
}

/** Trace summaries, newest slice first, until `limit` are found or the window is read. */
async function findTraces(client: XRayClient, start: Date, end: Date, expression: string, limit: number): Promise<TraceSummary[]> {
  const found: TraceSummary[] = [];
  for (let sliceEnd = end.getTime(); sliceEnd > start.getTime() && found.length < limit; sliceEnd -= SLICE_SECONDS * 1000) {
    const sliceStart = Math.max(start.getTime(), sliceEnd - SLICE_SECONDS * 1000);
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new GetTraceSummariesCommand({
          StartTime: new Date(sliceStart),
          EndTime: new Date(sliceEnd),
          FilterExpression: expression,
          NextToken: nextToken,
        }),
      );
      found.push(...(page.TraceSummaries ?? []).filter((summary) => summary.Id));
      nextToken = page.NextToken;
    } while (nextToken && found.length < limit);
  }
  const startOf = (summary: TraceSummary) => summary.StartTime?.getTime() ?? parseInt(summary.Id!.split('-')[1]!, 16) * 1000;
  return found.sort((a, b) => startOf(b) - startOf(a));
}

/** Full traces, five ids a call (BatchGetTraces' limit), as timelines. */
async function fetchTraces(client: XRayClient, ids: string[]) {
  const timelines = [];
  for (let i = 0; i < ids.length; i += 5) {
    const batch = ids.slice(i, i + 5);
    let nextToken: string | undefined;
    const documents = new Map<string, SegmentDocument[]>();
    do {
      const page = await client.send(new BatchGetTracesCommand({ TraceIds: batch, NextToken: nextToken }));
      for (const trace of page.Traces ?? []) {
        const list = documents.get(trace.Id!) ?? [];
        for (const segment of trace.Segments ?? []) {
          try {
            if (segment.Document) list.push(JSON.parse(segment.Document) as SegmentDocument);
          } catch {
            // A document that is not JSON is left out; the rest of the trace still reads.
          }
        }
        documents.set(trace.Id!, list);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    for (const id of batch) {
      const list = documents.get(id);
      if (list && list.length > 0) timelines.push(buildTimeline(id, list));
    }
  }
  return timelines;
}

/** One clear line for what went wrong talking to X-Ray. */
function explain(error: unknown): string {
  const { name, message, $metadata } = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (name === 'CredentialsProviderError' || /credential/i.test(message ?? '')) {
    return `No AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or log in with aws sso login. (${message})`;
  }
  if (name === 'AccessDeniedException' || $metadata?.httpStatusCode === 403) {
    return `X-Ray refused: your identity needs xray:GetTraceSummaries and xray:BatchGetTraces. (${name}: ${message})`;
  }
  if (name === 'ThrottledException') return `X-Ray throttled the request: try again in a moment, or with a shorter --since. (${message})`;
  if (name === 'InvalidRequestException') return `X-Ray rejected the request: ${message}`;
  const code = (error as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') return `Could not reach X-Ray (${code}): ${message}. Check your network, region, or AWS_ENDPOINT_URL_XRAY.`;
  return `${name ?? 'Error'}: ${message ?? String(error)}`;
}
