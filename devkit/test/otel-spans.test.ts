// OpenTelemetry spans -> the segment model: what X-Ray makes of a span's kind, status and HTTP status.
import { describe, expect, it } from 'vitest';
import type { OtlpSpan } from '../src/local/otlp.js';
import { spansToSegments, spanToSubsegment, xrayTraceId } from '../src/traces/otel-spans.js';
import { buildServiceMap, buildTimeline } from '../src/traces/segments.js';

const traceId = '6761c7b20123456789abcdef01234567';
function span(overrides: Partial<OtlpSpan>): OtlpSpan {
  return {
    traceId, spanId: '1111111111111111', parentSpanId: 'aaaaaaaaaaaaaaaa', name: 'call', kind: 'CLIENT', startTime: 100, endTime: 100.25,
    attributes: {}, events: [], status: { code: 'UNSET' }, resource: {}, sampled: true, ...overrides,
  };
}
const failedCall = (status: number) =>
  span({ attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'DynamoDB', 'rpc.method': 'GetItem', 'http.response.status_code': status }, status: { code: 'ERROR' } });

describe('OpenTelemetry spans as segment documents', () => {
  it('keeps the trace id in X-Ray form and the span ids as they are', () => {
    expect(xrayTraceId(traceId)).toBe('1-6761c7b2-0123456789abcdef01234567');
    expect(spanToSubsegment(span({}))).toMatchObject({ id: '1111111111111111', parent_id: 'aaaaaaaaaaaaaaaa', trace_id: '1-6761c7b2-0123456789abcdef01234567', type: 'subsegment' });
  });

  it('an ERROR status is a fault on 5xx or no status, an error on 4xx, an error and a throttle on 429', () => {
    expect(spanToSubsegment(failedCall(503))).toMatchObject({ fault: true, namespace: 'aws', name: 'DynamoDB', aws: { operation: 'GetItem' } });
    expect(spanToSubsegment(failedCall(400))).toMatchObject({ error: true });
    expect(spanToSubsegment(failedCall(400)).fault).toBeUndefined();
    expect(spanToSubsegment(failedCall(429))).toMatchObject({ error: true, throttle: true });
    expect(spanToSubsegment(span({ kind: 'INTERNAL', status: { code: 'ERROR' } }))).toMatchObject({ fault: true });
    expect(spanToSubsegment(span({ attributes: { 'http.response.status_code': 500 } })).fault, 'an UNSET status is not a failure').toBeUndefined();
  });

  it("records a span's exceptions with their stack; a call's as remote, its own work's not", () => {
    const exception = {
      name: 'exception', time: 100.2,
      attributes: { 'exception.type': 'TypeError', 'exception.message': 'boom', 'exception.stacktrace': 'TypeError: boom\n    at handler (/var/task/index.js:12:7)\n    at /var/task/index.js:30:1' },
    };
    const own = spanToSubsegment(span({ kind: 'INTERNAL', status: { code: 'ERROR' }, events: [exception] }));
    expect(own.cause).toMatchObject({ exceptions: [{ type: 'TypeError', message: 'boom', remote: false, stack: [{ label: 'handler', path: '/var/task/index.js', line: 12 }, { path: '/var/task/index.js', line: 30 }] }] });
    expect(spanToSubsegment(span({ status: { code: 'ERROR' }, events: [exception] })).cause).toMatchObject({ exceptions: [{ remote: true }] });
  });

  it('a call that is not to AWS is a remote node named by its server; spans not sampled (T1U) are left out', () => {
    const call = span({ attributes: { 'server.address': 'api.example.com', 'http.response.status_code': 200 } });
    expect(spanToSubsegment(call)).toMatchObject({ namespace: 'remote', name: 'api.example.com', http: { response: { status: 200 } } });
    expect(spansToSegments([call, { ...call, spanId: '2222222222222222', sampled: false }]).map((doc) => doc.id)).toEqual(['1111111111111111']);
  });

  it("draws the failing call on the map as the X-Ray SDK's subsegment would be drawn", () => {
    const fn = { id: 'aaaaaaaaaaaaaaaa', trace_id: xrayTraceId(traceId), name: 'orders-api-dev-createOrder', origin: 'AWS::Lambda::Function', start_time: 99.9, end_time: 100.5 };
    const server = span({ spanId: 'bbbbbbbbbbbbbbbb', kind: 'SERVER', name: 'orders-api-dev-createOrder' });
    const sns = span({ parentSpanId: 'bbbbbbbbbbbbbbbb', kind: 'PRODUCER', attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'SNS', 'rpc.method': 'Publish', 'http.response.status_code': 500 }, status: { code: 'ERROR' } });
    const timeline = buildTimeline(fn.trace_id, [fn, ...spansToSegments([server, sns])]);
    expect(timeline.failing).toMatchObject({ name: 'SNS', operation: 'Publish', status: 'fault', httpStatus: 500 });
    const map = buildServiceMap([timeline]);
    expect(map.nodes.map((node) => node.type)).toEqual(['client', 'AWS::Lambda::Function', 'AWS::SNS']);
    expect(map.edges.find((edge) => edge.to === 'AWS::SNS|SNS')).toMatchObject({ from: 'AWS::Lambda::Function|orders-api-dev-createOrder', faults: 1 });
  });
});
