// What `npm run verify` says of one route, from its call and its trace: the pure part of the command (the command
// itself runs against the dev server in dev-xray-api.test.ts and dev-auth.test.ts).
import { describe, expect, it } from 'vitest';
import type { Route } from '../src/dev/routes.js';
import { buildTimeline, type SegmentDocument } from '../src/traces/segments.js';
import { describeCheck, tracePath } from '../src/verify/main.js';

const traceId = '1-6761c7b2-0123456789abcdef01234567';
const route: Route = { method: 'GET', path: '/orders/{orderId}', operationId: 'getOrder', pathParameters: ['orderId'], functionName: 'shop-dev-getOrder', auth: 'none', parts: ['orders', '{orderId}'] };
const stage: SegmentDocument = {
  id: 'a000000000000001', trace_id: traceId, name: 'shop/dev', origin: 'AWS::ApiGateway::Stage', start_time: 1, end_time: 1.2,
  http: { response: { status: 200 } },
  subsegments: [{ id: 'a000000000000002', name: 'Lambda', namespace: 'aws', start_time: 1.01, end_time: 1.19, aws: { operation: 'Invoke' } }],
};
const fn = (snsFault: boolean): SegmentDocument => ({
  id: 'a000000000000003', trace_id: traceId, parent_id: 'a000000000000002', name: 'shop-dev-getOrder', origin: 'AWS::Lambda::Function', start_time: 1.02, end_time: 1.18,
  subsegments: [{ id: 'a000000000000004', name: 'SNS', namespace: 'aws', start_time: 1.05, end_time: 1.1, aws: { operation: 'Publish' }, ...(snsFault ? { fault: true, http: { response: { status: 500 } } } : {}) }],
});
const rule = (reservoirSize: number, fixedRate: number) => ({ ruleName: 'shop-dev-getOrder', priority: 100, reservoirSize, fixedRate, httpMethod: 'GET', urlPath: '*/orders/*' });
const project = { apiTracing: true };

describe('npm run verify, route by route', () => {
  it('reads a trace as its path: the stage, the function, the SNS call (the stage\'s Invoke left out)', () => {
    expect(tracePath(buildTimeline(traceId, [stage, fn(false)]))).toBe('shop/dev -> shop-dev-getOrder -> SNS Publish');
    expect(tracePath(buildTimeline(traceId, [stage, fn(true)]))).toBe('shop/dev -> shop-dev-getOrder -> SNS Publish (fault)');
  });

  it('passes a whole trace, naming the rule that matches the route', () => {
    const { line, failure } = describeCheck({ route, url: 'x', rule: rule(1, 0.05), status: 200, traceId, timeline: buildTimeline(traceId, [stage, fn(false)]) }, project);
    expect(failure).toBeUndefined();
    expect(line).toBe(`GET /orders/{orderId}  200  trace ${traceId}: shop/dev -> shop-dev-getOrder -> SNS Publish  rule shop-dev-getOrder (1/s, then 5%)`);
  });

  it('passes a route whose rule samples nothing, saying that real requests to it are not traced', () => {
    const { line, failure } = describeCheck({ route, url: 'x', rule: rule(0, 0), status: 200, traceId, timeline: buildTimeline(traceId, [stage, fn(false)]) }, project);
    expect(failure).toBeUndefined();
    expect(line).toMatch(/rule shop-dev-getOrder \(0\/s, then 0%\): samples nothing, so real requests to this route are not traced \(verify forced this one\)$/);
  });

  it('fails a trace with a fault, naming the failing segment', () => {
    const { failure } = describeCheck({ route, url: 'x', rule: rule(1, 0.05), status: 502, traceId, timeline: buildTimeline(traceId, [stage, fn(true)]) }, project);
    expect(failure).toMatch(new RegExp(`^trace ${traceId} holds a fault at SNS \\(aws Publish HTTP 500\\)`));
  });

  it('fails a trace that never reached X-Ray, and one that never reached the function', () => {
    expect(describeCheck({ route, url: 'x', status: 200, traceId }, project).failure).toMatch(/did not reach X-Ray within --timeout/);
    const refused = describeCheck({ route: { ...route, auth: 'api-key' }, url: 'x', status: 403, errorType: 'ForbiddenException', message: 'Forbidden', traceId, timeline: buildTimeline(traceId, [{ ...stage, subsegments: [] }]) }, project);
    expect(refused.failure).toBe(`API Gateway answered 403 ForbiddenException: Forbidden itself: the function's segment is not in trace ${traceId} (pass the right --api-key)`);
  });
});
