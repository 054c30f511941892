// Finding and reading the deployed API's traces, in both kinds of account: where segments go to X-Ray
// (GetTraceSummaries, then BatchGetTraces) and where CloudWatch Transaction Search sends them to CloudWatch Logs
// (GetTraceSummaries sees only the indexed share; whole traces come from StartTraceRetrieval + ListRetrievedTraces).
import {
  BatchGetTracesCommand,
  GetIndexingRulesCommand,
  GetTraceSegmentDestinationCommand,
  GetTraceSummariesCommand,
  ListRetrievedTracesCommand,
  StartTraceRetrievalCommand,
  type BatchGetTracesResult,
  type GetIndexingRulesResult,
  type GetTraceSegmentDestinationResult,
  type GetTraceSummariesResult,
  type ListRetrievedTracesResult,
  type StartTraceRetrievalResult,
  type TraceSummary,
} from '@aws-sdk/client-xray';
import { buildTimeline, type SegmentDocument, type TraceTimeline } from './segments.js';
import { pages, XRayCallError, type XRay } from './xray-calls.js';

export type Destination = 'XRay' | 'CloudWatchLogs';

/** Where the account sends segments (GetTraceSegmentDestination). */
export async function traceDestination(xray: XRay): Promise<{ destination: Destination; pending: boolean }> {
  const answer = await xray.send<GetTraceSegmentDestinationResult>('GetTraceSegmentDestination', new GetTraceSegmentDestinationCommand({}));
  return { destination: answer.Destination === 'CloudWatchLogs' ? 'CloudWatchLogs' : 'XRay', pending: answer.Status === 'PENDING' };
}

/** X-Ray's default share of spans indexed as trace summaries under Transaction Search. */
export const DEFAULT_INDEXED_PERCENT = 1;

/**
 * The share of traces X-Ray indexes under Transaction Search (the `Default` indexing rule), or undefined when the
 * identity may not read it (the caller then states the default).
 */
export async function indexedPercent(xray: XRay): Promise<number | undefined> {
  try {
    const answer = await xray.send<GetIndexingRulesResult>('GetIndexingRules', new GetIndexingRulesCommand({}));
    const rule = (answer.IndexingRules ?? []).find((candidate) => candidate.Name === 'Default') ?? answer.IndexingRules?.[0];
    const probabilistic = rule?.Rule && 'Probabilistic' in rule.Rule ? rule.Rule.Probabilistic : undefined;
    return probabilistic?.DesiredSamplingPercentage;
  } catch (error) {
    if (error instanceof XRayCallError) return undefined;
    throw error;
  }
}

/**
 * One GetTraceSummaries query covers a day; longer windows are read a day at a time, newest first. The API
 * reference states no limit; should X-Ray refuse a day's range, the query is retried with 12, then 6 hours.
 */
export const SLICE_SECONDS = 24 * 3600;
const SMALLEST_SLICE_SECONDS = 6 * 3600;
/** The scan stops once X-Ray reports this many traces processed (each billed as scanned: $0.05 at $0.50 per million). */
export const MAX_TRACES_SCANNED = 100_000;
/** ...or after this many GetTraceSummaries calls, whatever X-Ray reports. */
export const MAX_SUMMARY_CALLS = 60;

export interface Scan {
  summaries: TraceSummary[];
  /** The part of the window read: from `from` to the window's end, newest first. */
  from: Date;
  to: Date;
  calls: number;
  tracesScanned: number;
  /** Hours each query covered (24, or fewer when X-Ray refused a day). */
  sliceHours: number;
  /** Why the scan ended before the window's start, if it did. */
  stoppedBecause?: 'limit' | 'scan-bound' | 'call-bound' | 'repeated-token';
}

/** Trace summaries matching `expression`, newest day first, until `limit` are found, the window is read or a bound is hit. */
export async function findTraces(xray: XRay, { start, end, expression, limit }: { start: Date; end: Date; expression: string; limit: number }): Promise<Scan> {
  const scan: Scan = { summaries: [], from: end, to: end, calls: 0, tracesScanned: 0, sliceHours: SLICE_SECONDS / 3600 };
  let slice = SLICE_SECONDS * 1000;
  for (let sliceEnd = end.getTime(); sliceEnd > start.getTime(); sliceEnd -= slice) {
    const sliceStart = Math.max(start.getTime(), sliceEnd - slice);
    const fetchPage = (nextToken: string | undefined) => {
      scan.calls += 1;
      return xray.send<GetTraceSummariesResult>(
        'GetTraceSummaries',
        new GetTraceSummariesCommand({ StartTime: new Date(sliceStart), EndTime: new Date(sliceEnd), FilterExpression: expression, NextToken: nextToken }),
      );
    };
    let stopped: Scan['stoppedBecause'];
    // Pages run newest first; a page's ApproximateTime is where it starts, so what was read ends there.
    let readFrom = sliceEnd;
    const read = pages(fetchPage, { onStop: () => (stopped = 'repeated-token') });
    let first: IteratorResult<GetTraceSummariesResult>;
    try {
      first = await read.next();
    } catch (error) {
      // A range X-Ray finds too long: the same slice again, halved.
      if (error instanceof XRayCallError && error.awsError === 'InvalidRequestException' && sliceEnd - sliceStart > SMALLEST_SLICE_SECONDS * 1000) {
        slice = Math.max(SMALLEST_SLICE_SECONDS * 1000, (sliceEnd - sliceStart) / 2);
        scan.sliceHours = slice / 3600_000;
        sliceEnd += slice;
        continue;
      }
      throw error;
    }
    for await (const page of prepend(first, read)) {
      // One by one: spreading a page of a hundred thousand summaries into push() overflows the call stack.
      for (const summary of page.TraceSummaries ?? []) if (summary?.Id) scan.summaries.push(summary);
      scan.tracesScanned += page.TracesProcessedCount ?? page.TraceSummaries?.length ?? 0;
      const approximate = page.ApproximateTime?.getTime();
      if (approximate !== undefined && approximate >= sliceStart && approximate < readFrom) readFrom = approximate;
      if (!page.NextToken) break;
      stopped =
        scan.tracesScanned >= MAX_TRACES_SCANNED ? 'scan-bound' : scan.calls >= MAX_SUMMARY_CALLS ? 'call-bound' : scan.summaries.length >= limit ? 'limit' : undefined;
      if (stopped) break;
    }
    scan.from = new Date(stopped ? readFrom : sliceStart);
    if (!stopped && sliceStart > start.getTime() && scan.summaries.length >= limit) stopped = 'limit';
    if (!stopped && sliceStart > start.getTime() && scan.calls >= MAX_SUMMARY_CALLS) stopped = 'call-bound';
    if (!stopped && sliceStart > start.getTime() && scan.tracesScanned >= MAX_TRACES_SCANNED) stopped = 'scan-bound';
    if (stopped) {
      scan.stoppedBecause = stopped;
      break;
    }
  }
  scan.summaries.sort((a, b) => startOf(b) - startOf(a));
  return scan;
}

/** The pages of `rest` after its `first`, already read. */
async function* prepend<Page>(first: IteratorResult<Page>, rest: AsyncGenerator<Page>): AsyncGenerator<Page> {
  if (first.done) return;
  yield first.value;
  yield* rest;
}

/** A trace's start: its summary's, or the time its id carries. */
export function startOf(summary: Pick<TraceSummary, 'Id' | 'StartTime'>): number {
  return summary.StartTime?.getTime() ?? traceIdTime(summary.Id!);
}

export function traceIdTime(id: string): number {
  return parseInt(id.split('-')[1]!, 16) * 1000;
}

function parseDocuments(list: { Document?: string }[] | undefined): SegmentDocument[] {
  const documents: SegmentDocument[] = [];
  for (const item of list ?? []) {
    try {
      if (item.Document) documents.push(JSON.parse(item.Document) as SegmentDocument);
    } catch {
      // A document that is not JSON is left out; the rest of the trace still reads.
    }
  }
  return documents;
}

function timelinesOf(ids: string[], documents: Map<string, SegmentDocument[]>): TraceTimeline[] {
  return ids.flatMap((id) => {
    const list = documents.get(id);
    return list && list.length > 0 ? [buildTimeline(id, list)] : [];
  });
}

/** Whole traces from X-Ray, five ids a call (BatchGetTraces' limit). */
export async function batchGetTraces(xray: XRay, ids: string[]): Promise<TraceTimeline[]> {
  const documents = new Map<string, SegmentDocument[]>();
  for (let i = 0; i < ids.length; i += 5) {
    const batch = ids.slice(i, i + 5);
    const fetchPage = (nextToken: string | undefined) => xray.send<BatchGetTracesResult>('BatchGetTraces', new BatchGetTracesCommand({ TraceIds: batch, NextToken: nextToken }));
    for await (const page of pages(fetchPage)) {
      for (const trace of page.Traces ?? []) documents.set(trace.Id!, [...(documents.get(trace.Id!) ?? []), ...parseDocuments(trace.Segments)]);
    }
  }
  return timelinesOf(ids, documents);
}

export interface RetrievalOptions {
  /** The time range the traces lie in (StartTraceRetrieval needs one). */
  start: Date;
  end: Date;
  /** The longest wait for the retrieval to complete. */
  waitMs: number;
  /** Told the retrieval's status at each poll (a terminal shows it). */
  progress?: (status: string, elapsedMs: number) => void;
  /** The first wait between polls; it grows to 5 s. */
  pollMs?: number;
}

/**
 * Whole traces from the Transaction Search log group: StartTraceRetrieval, then ListRetrievedTraces (X-Ray's own
 * format) polled until the retrieval is COMPLETE, at most `waitMs`. A retrieval that fails, is cancelled or times
 * out, or does not complete in time, is one clear error.
 */
export async function retrieveTraces(xray: XRay, ids: string[], { start, end, waitMs, progress, pollMs = 500 }: RetrievalOptions): Promise<TraceTimeline[]> {
  const started = await xray.send<StartTraceRetrievalResult>('StartTraceRetrieval', new StartTraceRetrievalCommand({ TraceIds: ids, StartTime: start, EndTime: end }));
  const token = started.RetrievalToken;
  if (!token) throw new XRayCallError('X-Ray started no trace retrieval (StartTraceRetrieval returned no RetrievalToken): run again in a moment.');
  const began = Date.now();
  let interval = pollMs;
  const documents = new Map<string, SegmentDocument[]>();
  for (;;) {
    let status: string | undefined;
    const fetchPage = (nextToken: string | undefined) =>
      xray.send<ListRetrievedTracesResult>('ListRetrievedTraces', new ListRetrievedTracesCommand({ RetrievalToken: token, TraceFormat: 'XRAY', NextToken: nextToken }));
    for await (const page of pages(fetchPage)) {
      status = page.RetrievalStatus;
      if (status !== 'COMPLETE') break;
      for (const trace of page.Traces ?? []) documents.set(trace.Id!, [...(documents.get(trace.Id!) ?? []), ...parseDocuments(trace.Spans)]);
    }
    const elapsed = Date.now() - began;
    if (status === 'COMPLETE') return timelinesOf(ids, documents);
    if (status === 'FAILED' || status === 'CANCELLED' || status === 'TIMEOUT') {
      throw new XRayCallError(`The trace retrieval from CloudWatch Logs ended ${status} (ListRetrievedTraces): run again; a shorter --since retrieves a smaller range.`);
    }
    progress?.(status ?? 'SCHEDULED', elapsed);
    if (elapsed + interval > waitMs) {
      throw new XRayCallError(
        `The trace retrieval from CloudWatch Logs is still ${status ?? 'SCHEDULED'} after ${Math.round(elapsed / 1000)} s (the --wait bound): run again with a longer --wait, such as --wait 5m.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
    interval = Math.min(interval * 1.5, 5000);
  }
}
