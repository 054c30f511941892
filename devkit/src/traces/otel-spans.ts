// OpenTelemetry spans -> the segment model (./segments.ts), so that a project traced with OpenTelemetry gets the
// same timeline, service map and failing call as one traced by the X-Ray SDK. Each span becomes a subsegment
// sent on its own, under its parent span (the invocation's server span under the function's segment, whose id
// Lambda hands over as the Parent of _X_AMZN_TRACE_ID); an AWS SDK call (rpc.system aws-api) becomes an "aws"
// subsegment named by its service, as the X-Ray SDK records it; an ERROR status becomes a fault (an error for a
// 4xx answer, a throttle for 429) with the exceptions the span's "exception" events recorded.
import { randomBytes } from 'node:crypto';
import type { OtlpSpan } from '../local/otlp.js';
import type { SegmentDocument, XRayException, XRayStackFrame } from './segments.js';

/** An X-Ray trace id from an OpenTelemetry one: 1-<8 hex of epoch seconds>-<24 hex>. */
export function xrayTraceId(traceId: string): string {
  return `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** "    at label (path:line:column)" lines of a Node.js stack, as X-Ray's stack frames. */
function stackFrames(stack: string | undefined): XRayStackFrame[] {
  const frames: XRayStackFrame[] = [];
  for (const line of (stack ?? '').split('\n')) {
    const match = /^\s*at (?:(.*?) \()?(.*?):(\d+):\d+\)?$/.exec(line);
    if (match) frames.push({ ...(match[1] ? { label: match[1] } : {}), path: match[2], line: Number(match[3]) });
  }
  return frames;
}

function exceptionsOf(span: OtlpSpan, remote: boolean): XRayException[] {
  return span.events
    .filter((event) => event.name === 'exception')
    .map((event) => {
      const stack = stackFrames(text(event.attributes['exception.stacktrace']));
      return {
        id: randomBytes(8).toString('hex'),
        ...(text(event.attributes['exception.type']) ? { type: text(event.attributes['exception.type']) } : {}),
        ...(text(event.attributes['exception.message']) ? { message: text(event.attributes['exception.message']) } : {}),
        remote,
        ...(stack.length > 0 ? { stack } : {}),
      };
    });
}

/** The HTTP status a span recorded, in the current semantic conventions or the older ones. */
function httpStatusOf(span: OtlpSpan): number | undefined {
  return number(span.attributes['http.response.status_code']) ?? number(span.attributes['http.status_code']);
}

function failureOf(span: OtlpSpan, status: number | undefined): Pick<SegmentDocument, 'fault' | 'error' | 'throttle'> {
  if (span.status.code !== 'ERROR') return {};
  if (status === 429) return { error: true, throttle: true };
  if (status !== undefined && status >= 400 && status < 500) return { error: true };
  return { fault: true };
}

/** One span as a subsegment document sent on its own. */
export function spanToSubsegment(span: OtlpSpan): SegmentDocument {
  const calls = span.kind === 'CLIENT' || span.kind === 'PRODUCER';
  const awsCall = calls && span.attributes['rpc.system'] === 'aws-api';
  const status = httpStatusOf(span);
  const failure = failureOf(span, status);
  const exceptions = exceptionsOf(span, calls);
  const name = awsCall ? (text(span.attributes['rpc.service']) ?? span.name) : calls ? (text(span.attributes['server.address']) ?? span.name) : span.name;
  const aws = awsCall
    ? Object.fromEntries(
        Object.entries({
          operation: text(span.attributes['rpc.method']),
          region: text(span.attributes['cloud.region']),
          request_id: text(span.attributes['aws.request.id']),
          topic_arn: text(span.attributes['aws.sns.topic.arn']),
        }).filter(([, value]) => value !== undefined),
      )
    : undefined;
  return {
    id: span.spanId,
    type: 'subsegment',
    trace_id: xrayTraceId(span.traceId),
    ...(span.parentSpanId ? { parent_id: span.parentSpanId } : {}),
    name,
    ...(awsCall ? { namespace: 'aws' } : calls ? { namespace: 'remote' } : {}),
    start_time: span.startTime,
    end_time: span.endTime,
    ...(aws ? { aws } : {}),
    ...(status !== undefined ? { http: { response: { status } } } : {}),
    ...failure,
    ...(exceptions.length > 0 ? { cause: { exceptions } } : {}),
    metadata: { otel: { kind: span.kind, ...(span.scope ? { scope: span.scope } : {}), ...(span.status.message ? { status: span.status.message } : {}) } },
  };
}

/** The documents X-Ray records of some spans: the sampled ones (T1U spans feed metrics, not traces). */
export function spansToSegments(spans: readonly OtlpSpan[]): SegmentDocument[] {
  return spans.filter((span) => span.sampled).map(spanToSubsegment);
}
