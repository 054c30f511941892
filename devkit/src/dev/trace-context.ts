// One request's trace, as the parts of the dev server pass it along: the trace id, who decided to sample it,
// the ids of the segments recorded for it, and the parent the function's segment hangs under. The
// X-Amzn-Trace-Id header is read once, where a client's request comes in, and written only where the trace
// leaves the server: to the function's process (its event and _X_AMZN_TRACE_ID) and back to the client.
import { randomBytes } from 'node:crypto';
import type { SamplingDecision } from './sampling.js';

export interface TraceContext {
  traceId: string;
  sampled: boolean;
  /** Who decided, and why; undefined when nobody did (no route, and no stage tracing to decide for it). */
  decision?: SamplingDecision;
  /** The ids of the segments API Gateway and Lambda record for this request. */
  segmentIds: {
    /** The stage's segment (with stage tracing). */
    stage: string;
    /** The stage segment's Lambda Invoke subsegment. */
    invoke: string;
    /** The function's segment. */
    function: string;
  };
  /** The segment the function's segment hangs under: the stage's Invoke subsegment, or none without stage tracing. */
  parent?: string;
}

/** What a client's X-Amzn-Trace-Id says: API Gateway keeps its Root and follows its sampling decision. */
export interface IncomingTrace {
  root?: string;
  sampled?: boolean;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
export const newTraceId = () => `1-${Math.floor(Date.now() / 1000).toString(16).padStart(8, '0')}-${hex(12)}`;
export const newSegmentId = () => hex(8);

/** The incoming X-Amzn-Trace-Id header, as API Gateway reads it. */
export function readTraceHeader(value: string | string[] | undefined): IncomingTrace {
  const header = Array.isArray(value) ? value[0] : value;
  if (!header) return {};
  const fields = Object.fromEntries(header.split(';').map((part) => part.trim().split('=') as [string, string]));
  const root = fields.Root && /^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(fields.Root) ? fields.Root : undefined;
  const sampled = fields.Sampled === '1' ? true : fields.Sampled === '0' ? false : undefined;
  return { root, sampled };
}

/** A new request's trace: the client's trace id if it sent one, fresh segment ids. */
export function newTraceContext(incoming: IncomingTrace, decision: SamplingDecision | undefined, stageTracing: boolean): TraceContext {
  const segmentIds = { stage: newSegmentId(), invoke: newSegmentId(), function: newSegmentId() };
  return {
    traceId: incoming.root ?? newTraceId(),
    sampled: decision?.sampled ?? false,
    decision,
    segmentIds,
    parent: stageTracing ? segmentIds.invoke : undefined,
  };
}

/** The X-Amzn-Trace-Id header value for `context`, naming `parent` when given. */
export function traceHeader(context: TraceContext, parent?: string): string {
  return [`Root=${context.traceId}`, ...(parent ? [`Parent=${parent}`] : []), `Sampled=${context.sampled ? 1 : 0}`].join(';');
}
