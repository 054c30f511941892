// A local stand-in for the X-Ray API: a real HTTP server on 127.0.0.1 answering what `npm run traces` asks
// (restJson1: POST /TraceSummaries is GetTraceSummaries, POST /Traces is BatchGetTraces) from fixture traces,
// with responses shaped as the X-Ray API reference documents them. Point the SDK at it with
// AWS_ENDPOINT_URL_XRAY=<url>. It filters by the time window, and keeps only traces with a fault or an error
// when the filter expression asks for them; other filter expressions are recorded, not evaluated.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SegmentDocument } from '../traces/segments.js';

/** A trace the stand-in holds: its summary (GetTraceSummaries) and its documents (BatchGetTraces). */
export interface FixtureTrace {
  id: string;
  /** Epoch seconds. */
  start: number;
  summary: Record<string, unknown>;
  documents: SegmentDocument[];
}

export interface XRayApiRequest {
  operation: 'GetTraceSummaries' | 'BatchGetTraces' | 'unknown';
  path: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

export class LocalXRayApi {
  readonly requests: XRayApiRequest[] = [];
  /** Summaries per GetTraceSummaries page, to exercise NextToken. */
  pageSize = 1;
  private readonly server: Server;
  readonly url: string;
  private readonly traces: FixtureTrace[];

  private constructor(server: Server, url: string, traces: FixtureTrace[]) {
    this.server = server;
    this.url = url;
    this.traces = traces;
  }

  static async start(traces: FixtureTrace[]): Promise<LocalXRayApi> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const api = new LocalXRayApi(server, `http://127.0.0.1:${port}`, traces);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        } catch {
          // answered below as an invalid request
        }
        const { status, answer } = api.answer(req.method ?? 'GET', req.url ?? '/', body, req.headers);
        res.writeHead(status, {
          'content-type': 'application/json',
          'x-amzn-requestid': '11111111-2222-3333-4444-555555555555',
          ...(status >= 400 ? { 'x-amzn-errortype': String(answer.__type) } : {}),
        });
        res.end(JSON.stringify(answer));
      });
    });
    return api;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private answer(method: string, path: string, body: Record<string, unknown>, headers: IncomingHttpHeaders): { status: number; answer: Record<string, unknown> } {
    const operation = method === 'POST' && path === '/TraceSummaries' ? 'GetTraceSummaries' : method === 'POST' && path === '/Traces' ? 'BatchGetTraces' : 'unknown';
    this.requests.push({ operation, path, body, headers });
    const invalid = (message: string) => ({ status: 400, answer: { __type: 'InvalidRequestException', Message: message } });
    if (operation === 'GetTraceSummaries') {
      const { StartTime, EndTime, FilterExpression, NextToken } = body as { StartTime?: number; EndTime?: number; FilterExpression?: string; NextToken?: string };
      if (typeof StartTime !== 'number' || typeof EndTime !== 'number' || StartTime > EndTime) return invalid('StartTime and EndTime are required, StartTime first');
      const problemsOnly = typeof FilterExpression === 'string' && /\b(fault|error)\b/.test(FilterExpression);
      const matching = this.traces
        .filter((trace) => trace.start >= StartTime && trace.start <= EndTime)
        .filter((trace) => !problemsOnly || trace.summary.HasFault === true || trace.summary.HasError === true);
      const offset = NextToken ? Number(NextToken.replace('page-', '')) : 0;
      const page = matching.slice(offset, offset + this.pageSize);
      const next = offset + this.pageSize < matching.length ? `page-${offset + this.pageSize}` : undefined;
      return {
        status: 200,
        answer: {
          TraceSummaries: page.map((trace) => trace.summary),
          ApproximateTime: EndTime,
          TracesProcessedCount: matching.length,
          ...(next ? { NextToken: next } : {}),
        },
      };
    }
    if (operation === 'BatchGetTraces') {
      const ids = body.TraceIds;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > 5) return invalid('TraceIds: 1 to 5 trace ids');
      const found = this.traces.filter((trace) => ids.includes(trace.id));
      return {
        status: 200,
        answer: {
          Traces: found.map((trace) => ({
            Id: trace.id,
            Duration: 0.412,
            LimitExceeded: false,
            Segments: trace.documents.map((document) => ({ Id: document.id, Document: JSON.stringify(document) })),
          })),
          UnprocessedTraceIds: ids.filter((id) => !found.some((trace) => trace.id === id)),
        },
      };
    }
    return { status: 404, answer: { __type: 'UnknownOperationException', Message: `${method} ${path}` } };
  }
}
