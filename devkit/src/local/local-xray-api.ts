// A local stand-in for the X-Ray API: a real HTTP server on 127.0.0.1 answering what `npm run traces` asks, in the
// restJson1 shapes the X-Ray API reference documents, from fixture traces. Point the SDK at it with
// AWS_ENDPOINT_URL_XRAY=<url>. It models both kinds of account:
// - `destination = 'XRay'`: GetTraceSummaries finds every trace, BatchGetTraces returns them;
// - `destination = 'CloudWatchLogs'` (Transaction Search): GetTraceSummaries finds only the traces marked
//   `indexed`, BatchGetTraces finds nothing, and StartTraceRetrieval + ListRetrievedTraces return whole traces
//   (XRAY format) after the retrieval has stayed RUNNING for `retrievalPolls` polls.
// It holds sampling rules and their statistics (GetSamplingRules, GetSamplingStatisticSummaries), and fails on
// demand as AWS does: a denied action, an expired token, a NextToken repeated for ever, an endpoint that never answers.
// It filters summaries by the time window, and keeps only traces with a fault or an error when the filter
// expression asks for them; other filter expressions are recorded, not evaluated. The dev server serves the same
// API under /_xray from what it recorded (LocalXRayApi.over): there, filter expressions are evaluated
// (./filter-expression.ts) and one the dev server does not understand is refused.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SegmentDocument } from '../traces/segments.js';
import { compileFilter } from './filter-expression.js';

/** A trace the stand-in holds: its summary (GetTraceSummaries) and its documents (BatchGetTraces, ListRetrievedTraces). */
export interface FixtureTrace {
  id: string;
  /** Epoch seconds. */
  start: number;
  summary: Record<string, unknown>;
  documents: SegmentDocument[];
  /** Under Transaction Search: whether X-Ray indexed it (only indexed traces have a summary). Default true. */
  indexed?: boolean;
}

/** A sampling rule as GetSamplingRules returns it (the API's field names). */
export interface FixtureSamplingRule {
  RuleName: string;
  Priority: number;
  FixedRate: number;
  ReservoirSize: number;
  ServiceName: string;
  ServiceType: string;
  Host?: string;
  HTTPMethod: string;
  URLPath: string;
  ResourceARN?: string;
  Version?: number;
}

/** One 10-second window of a rule's statistics, as GetSamplingStatisticSummaries returns it. */
export interface FixtureStatistic {
  RuleName: string;
  /** Epoch seconds. */
  Timestamp: number;
  RequestCount: number;
  SampledCount: number;
  BorrowCount: number;
}

export const XRAY_OPERATIONS = {
  'POST /TraceSummaries': 'GetTraceSummaries',
  'POST /Traces': 'BatchGetTraces',
  'POST /GetTraceSegmentDestination': 'GetTraceSegmentDestination',
  'POST /StartTraceRetrieval': 'StartTraceRetrieval',
  'POST /ListRetrievedTraces': 'ListRetrievedTraces',
  'POST /GetIndexingRules': 'GetIndexingRules',
  'POST /GetSamplingRules': 'GetSamplingRules',
  'POST /SamplingStatisticSummaries': 'GetSamplingStatisticSummaries',
} as const;
export type XRayOperation = (typeof XRAY_OPERATIONS)[keyof typeof XRAY_OPERATIONS];

export interface XRayApiRequest {
  operation: XRayOperation | 'unknown';
  path: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** When it arrived (Date.now()). */
  at: number;
}

interface Retrieval {
  ids: string[];
  start: number;
  end: number;
  polls: number;
}

type Answer = { status: number; answer: Record<string, unknown> };

/** Where the API's answers come from when they are live (the dev server's recordings) rather than fixtures. */
export interface XRaySource {
  traces(): FixtureTrace[];
  samplingRules(): FixtureSamplingRule[];
  samplingStatistics(): FixtureStatistic[];
}

export class LocalXRayApi {
  readonly requests: XRayApiRequest[] = [];
  /** Items per page of GetTraceSummaries, ListRetrievedTraces, GetSamplingRules and GetSamplingStatisticSummaries. */
  pageSize = 1;
  /** Where the account sends segments (GetTraceSegmentDestination). */
  destination: 'XRay' | 'CloudWatchLogs' = 'XRay';
  /** Under Transaction Search: the Default indexing rule's percentage (GetIndexingRules). */
  indexedPercent = 1;
  /** ListRetrievedTraces answers RUNNING this many times before COMPLETE. */
  retrievalPolls = 0;
  /** The retrieval's status once it stops running (COMPLETE unless a test wants it to fail). */
  retrievalOutcome: 'COMPLETE' | 'FAILED' | 'CANCELLED' | 'TIMEOUT' = 'COMPLETE';
  samplingRules: FixtureSamplingRule[] = [];
  samplingStatistics: FixtureStatistic[] = [];
  /** Operations refused with AccessDeniedException, as for an identity whose policy lacks the action. */
  readonly denied = new Set<XRayOperation>();
  /** Every request refused with ExpiredTokenException, as with an expired session token. */
  tokenExpired = false;
  /** The longest range GetTraceSummaries accepts, in hours. */
  maxQueryHours = 24;
  /** Every request accepted and never answered. */
  hang = false;
  /** Paged operations answer with the same NextToken for ever. */
  repeatNextToken = false;
  readonly url: string;
  private readonly server?: Server;
  private readonly fixtures: FixtureTrace[];
  private readonly source?: XRaySource;
  private readonly retrievals = new Map<string, Retrieval>();
  private readonly hanging = new Set<ServerResponse>();

  private constructor(server: Server | undefined, url: string, fixtures: FixtureTrace[], source?: XRaySource) {
    this.server = server;
    this.url = url;
    this.fixtures = fixtures;
    this.source = source;
  }

  private get traces(): FixtureTrace[] {
    return this.source ? this.source.traces() : this.fixtures;
  }

  static async start(traces: FixtureTrace[]): Promise<LocalXRayApi> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const api = new LocalXRayApi(server, `http://127.0.0.1:${port}`, traces);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => api.handle(req, res, req.url ?? '/', Buffer.concat(chunks).toString('utf8')));
    });
    return api;
  }

  /** The API answering from `source` (the dev server's recordings), served by another server under `url`. */
  static over(source: XRaySource, url: string): LocalXRayApi {
    const api = new LocalXRayApi(undefined, url, [], source);
    api.pageSize = 50;
    return api;
  }

  /** Answers one request; `path` is the operation's path (/TraceSummaries...), without any prefix it is served under. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, text: string | null): void {
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text || '{}') as Record<string, unknown>;
    } catch {
      // answered below as an invalid request
    }
    const operation = XRAY_OPERATIONS[`${req.method} ${path}` as keyof typeof XRAY_OPERATIONS] ?? 'unknown';
    // The fixtures' log is for tests; the dev server keeps none (it runs for hours).
    if (!this.source) this.requests.push({ operation, path, body, headers: req.headers, at: Date.now() });
    if (this.hang) {
      this.hanging.add(res);
      return;
    }
    const { status, answer } = this.answer(operation, `${req.method} ${path}`, body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': randomUUID(),
      ...(status >= 400 ? { 'x-amzn-errortype': String(answer.__type) } : {}),
    });
    res.end(JSON.stringify(answer));
  }

  /** The requests of one operation, in order. */
  requestsOf(operation: XRayOperation): XRayApiRequest[] {
    return this.requests.filter((request) => request.operation === operation);
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  }

  private answer(operation: XRayOperation | 'unknown', route: string, body: Record<string, unknown>): Answer {
    if (operation === 'unknown') return { status: 404, answer: { __type: 'UnknownOperationException', Message: route } };
    if (this.tokenExpired) return { status: 403, answer: { __type: 'ExpiredTokenException', message: 'The security token included in the request is expired' } };
    if (this.denied.has(operation)) {
      return {
        status: 403,
        answer: {
          __type: 'AccessDeniedException',
          Message: `User: arn:aws:iam::123456789012:user/developer is not authorized to perform: xray:${operation} because no identity-based policy allows the xray:${operation} action`,
        },
      };
    }
    switch (operation) {
      case 'GetTraceSegmentDestination':
        return ok({ Destination: this.destination, Status: 'ACTIVE' });
      case 'GetTraceSummaries':
        return this.traceSummaries(body);
      case 'BatchGetTraces':
        return this.batchGetTraces(body);
      case 'StartTraceRetrieval':
        return this.startRetrieval(body);
      case 'ListRetrievedTraces':
        return this.listRetrieved(body);
      case 'GetIndexingRules':
        return ok({
          IndexingRules: [{ Name: 'Default', ModifiedAt: 1_735_689_600, Rule: { Probabilistic: { DesiredSamplingPercentage: this.indexedPercent, ActualSamplingPercentage: this.indexedPercent } } }],
        });
      case 'GetSamplingRules':
        return ok(this.page(body, 'SamplingRuleRecords', (this.source?.samplingRules() ?? this.samplingRules).map((rule) => ({ SamplingRule: { Host: '*', ResourceARN: '*', Version: 1, ...rule }, CreatedAt: 1_735_689_600, ModifiedAt: 1_735_689_600 }))));
      case 'GetSamplingStatisticSummaries':
        return ok(this.page(body, 'SamplingStatisticSummaries', this.source?.samplingStatistics() ?? this.samplingStatistics));
    }
  }

  /** One page of `items` under `key`, with the NextToken of the next (or the same one for ever, when asked). */
  private page(body: Record<string, unknown>, key: string, items: unknown[]): Record<string, unknown> {
    const token = typeof body.NextToken === 'string' ? body.NextToken : undefined;
    const offset = token ? Number(token.replace('page-', '')) || 0 : 0;
    const next = this.repeatNextToken ? 'page-1' : offset + this.pageSize < items.length ? `page-${offset + this.pageSize}` : undefined;
    return { [key]: items.slice(offset, offset + this.pageSize), ...(next ? { NextToken: next } : {}) };
  }

  private traceSummaries(body: Record<string, unknown>): Answer {
    const { StartTime, EndTime, FilterExpression } = body as { StartTime?: number; EndTime?: number; FilterExpression?: string };
    if (typeof StartTime !== 'number' || typeof EndTime !== 'number' || StartTime > EndTime) return invalid('StartTime and EndTime are required, StartTime first');
    if (EndTime - StartTime > this.maxQueryHours * 3600 + 1) return invalid(`The time range between StartTime and EndTime is at most ${this.maxQueryHours} hours`);
    const problemsOnly = typeof FilterExpression === 'string' && /\b(fault|error)\b/.test(FilterExpression);
    // Live recordings are filtered as X-Ray would; fixtures only by fault or error (their summaries are partial).
    const filter = this.source && typeof FilterExpression === 'string' ? compileFilter(FilterExpression) : undefined;
    if (typeof filter === 'string') return invalid(filter);
    const inWindow = this.traces.filter((trace) => trace.start >= StartTime && trace.start <= EndTime);
    const searchable = this.destination === 'CloudWatchLogs' ? inWindow.filter((trace) => trace.indexed !== false) : inWindow;
    const matching = searchable
      .filter((trace) => (filter ? filter(trace.summary) : !problemsOnly || trace.summary.HasFault === true || trace.summary.HasError === true))
      .sort((a, b) => b.start - a.start);
    const page = this.page(body, 'TraceSummaries', matching.map((trace) => trace.summary));
    // The query's traces processed are counted once, on its first page.
    return ok({ ...page, ApproximateTime: EndTime, TracesProcessedCount: body.NextToken ? 0 : searchable.length });
  }

  private batchGetTraces(body: Record<string, unknown>): Answer {
    const ids = body.TraceIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 5) return invalid('TraceIds: 1 to 5 trace ids');
    // Under Transaction Search, segments are in CloudWatch Logs: BatchGetTraces finds none of them.
    const found = this.destination === 'XRay' ? this.traces.filter((trace) => ids.includes(trace.id)) : [];
    return ok({
      Traces: found.map((trace) => ({ Id: trace.id, Duration: trace.summary.Duration ?? 0.412, LimitExceeded: false, Segments: documentsOf(trace) })),
      UnprocessedTraceIds: ids.filter((id) => !found.some((trace) => trace.id === id)),
    });
  }

  private startRetrieval(body: Record<string, unknown>): Answer {
    const { TraceIds, StartTime, EndTime } = body as { TraceIds?: unknown; StartTime?: number; EndTime?: number };
    if (this.destination !== 'CloudWatchLogs') return invalid('Transaction Search is not enabled: trace segments are not sent to CloudWatch Logs');
    if (!Array.isArray(TraceIds) || TraceIds.length === 0) return invalid('TraceIds is required');
    if (typeof StartTime !== 'number' || typeof EndTime !== 'number' || StartTime > EndTime) return invalid('StartTime and EndTime are required, StartTime first');
    const token = randomUUID();
    this.retrievals.set(token, { ids: TraceIds as string[], start: StartTime, end: EndTime, polls: 0 });
    return ok({ RetrievalToken: token });
  }

  private listRetrieved(body: Record<string, unknown>): Answer {
    const retrieval = typeof body.RetrievalToken === 'string' ? this.retrievals.get(body.RetrievalToken) : undefined;
    if (!retrieval) return invalid('RetrievalToken is not valid');
    if (body.TraceFormat !== undefined && body.TraceFormat !== 'XRAY' && body.TraceFormat !== 'OTEL') return invalid('TraceFormat: XRAY or OTEL');
    const format = (body.TraceFormat as string | undefined) ?? 'XRAY';
    // Polls of later pages do not count: the retrieval is complete by then.
    if (!body.NextToken && retrieval.polls < this.retrievalPolls) {
      retrieval.polls += 1;
      return ok({ RetrievalStatus: retrieval.polls === 1 ? 'SCHEDULED' : 'RUNNING', TraceFormat: format });
    }
    if (this.retrievalOutcome !== 'COMPLETE') return ok({ RetrievalStatus: this.retrievalOutcome, TraceFormat: format });
    // The log group holds every trace, indexed or not; the range bounds what is read.
    const found = this.traces.filter((trace) => retrieval.ids.includes(trace.id) && trace.start >= retrieval.start && trace.start <= retrieval.end);
    const page = this.page(body, 'Traces', found.map((trace) => ({ Id: trace.id, Duration: 0.412, Spans: documentsOf(trace) })));
    return ok({ ...page, RetrievalStatus: 'COMPLETE', TraceFormat: format });
  }
}

const ok = (answer: Record<string, unknown>): Answer => ({ status: 200, answer });
const invalid = (message: string): Answer => ({ status: 400, answer: { __type: 'InvalidRequestException', Message: message } });
const documentsOf = (trace: FixtureTrace) => trace.documents.map((document) => ({ Id: document.id, Document: JSON.stringify(document) }));
