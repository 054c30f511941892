// What the dev server keeps for its page: the last requests (one record each), and the sampled ones' traces
// (segment documents and the function's log lines), the oldest forgotten beyond a limit. Every change bumps
// `version`, which the page polls to know when to fetch again.
import { buildTimeline, type SegmentDocument, type TraceTimeline } from '../traces/segments.js';
import { BoundedBuffer } from '../local/bounded.js';
import type { SamplingDecision } from './sampling.js';

export interface RequestRecord {
  seq: number;
  traceId: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /** Epoch ms. */
  time: number;
  sampled: boolean;
  sampling?: SamplingDecision;
  operationId?: string;
  functionName?: string;
  coldStart?: boolean;
  /** describeFailing() of the failing segment, and its status (fault, or error or throttle for a 4xx). */
  failing?: string;
  failingStatus?: string;
  note?: string;
  /** Whether the trace's documents are all in. */
  done: boolean;
}

export type LogLine = Record<string, unknown> | string;

export interface StoredTrace {
  documents: BoundedBuffer<SegmentDocument>;
  logs: BoundedBuffer<LogLine>;
  request?: RequestRecord;
  lastDocumentAt: number;
}

/** Requests kept for the page and for DevServer.requests(). */
const MAX_RECORDS = 500;
/** What one trace keeps, however much its functions log or record: its last log lines and segment documents. */
const LOGS_PER_TRACE = { entries: 500, chars: 512 * 1024 };
const DOCUMENTS_PER_TRACE = { entries: 1000, chars: 4 * 1024 * 1024 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class TraceStore {
  readonly maxTraces: number;
  private readonly traces = new Map<string, StoredTrace>();
  private readonly records: RequestRecord[] = [];
  private seq = 0;
  private currentVersion = 0;

  constructor(maxTraces = 100) {
    this.maxTraces = maxTraces;
  }

  /** Bumped on every change the page shows. */
  get version(): number {
    return this.currentVersion;
  }

  changed(): void {
    this.currentVersion += 1;
  }

  /** The next request's sequence number. */
  nextSeq(): number {
    return ++this.seq;
  }

  /** A sampled request: its trace is kept, with this record, from now on. */
  keepTrace(record: RequestRecord): void {
    this.stored(record.traceId).request = record;
  }

  /** A request answered: its record joins the list. */
  addRecord(record: RequestRecord): void {
    this.records.push(record);
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
    this.changed();
  }

  /** The requests answered, oldest first. */
  requests(): RequestRecord[] {
    return [...this.records];
  }

  /** A segment document, from the X-Ray SDK (through the daemon) or recorded by the server. */
  addDocument(document: SegmentDocument): void {
    if (typeof document.trace_id !== 'string') return;
    const trace = this.stored(document.trace_id);
    trace.documents.push(document);
    trace.lastDocumentAt = Date.now();
    this.changed();
  }

  /** A function's log line: kept with a trace already kept (a sampled one) only. */
  addLog(traceId: string | undefined, line: LogLine): void {
    const trace = traceId ? this.traces.get(traceId) : undefined;
    if (!trace) return;
    trace.logs.push(line);
    this.changed();
  }

  get(traceId: string): StoredTrace | undefined {
    return this.traces.get(traceId);
  }

  timeline(traceId: string): TraceTimeline | undefined {
    const trace = this.traces.get(traceId);
    return trace ? buildTimeline(traceId, trace.documents.toArray()) : undefined;
  }

  /** The timelines of the traces whose requests are done. */
  doneTimelines(): TraceTimeline[] {
    return this.doneTraces().map((trace) => trace.timeline);
  }

  /** The traces whose requests are done, with their documents. */
  doneTraces(): { id: string; documents: SegmentDocument[]; timeline: TraceTimeline }[] {
    return [...this.traces.entries()]
      .filter(([, trace]) => trace.request?.done)
      .map(([id, trace]) => ({ id, documents: trace.documents.toArray(), timeline: buildTimeline(id, trace.documents.toArray()) }));
  }

  /** Waits for the handler's subsegments: the SDK sends each over UDP as it closes, just before the response. */
  async settle(traceId: string, since: number): Promise<void> {
    const deadline = since + 400;
    for (;;) {
      const last = Math.max(since, this.traces.get(traceId)?.lastDocumentAt ?? 0);
      if (Date.now() - last >= 30 || Date.now() > deadline) return;
      await sleep(10);
    }
  }

  private stored(traceId: string): StoredTrace {
    let trace = this.traces.get(traceId);
    if (!trace) {
      const documents = new BoundedBuffer<SegmentDocument>(DOCUMENTS_PER_TRACE.entries, DOCUMENTS_PER_TRACE.chars);
      const logs = new BoundedBuffer<LogLine>(LOGS_PER_TRACE.entries, LOGS_PER_TRACE.chars);
      this.traces.set(traceId, (trace = { documents, logs, lastDocumentAt: 0 }));
      // Forget the oldest traces beyond maxTraces (Map keeps insertion order).
      for (const old of this.traces.keys()) {
        if (this.traces.size <= this.maxTraces) break;
        this.traces.delete(old);
      }
    }
    return trace;
  }
}
