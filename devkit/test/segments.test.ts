// Segment documents -> timeline and service map (src/traces/segments.ts), the module both trace views use:
// documents as X-Ray returns them (nested) and as the SDK sends them to the daemon (one subsegment at a time).
import { describe, expect, it } from 'vitest';
import { Sampler, matchesPattern } from '../src/dev/sampling.js';
import { matchRoute, type Route } from '../src/dev/routes.js';
import { buildServiceMap, buildTimeline, describeFailing, type SegmentDocument } from '../src/traces/segments.js';
import { formatTimeline } from '../src/traces/terminal.js';
import { screen } from '../src/terminal/text.js';
import { exampleTrace } from './support/xray-fixtures.js';

const functionName = 'orders-api-dev-createOrder';
const start = 1_760_000_000;

describe('buildTimeline', () => {
  it('puts a trace from BatchGetTraces in tree order and marks the SNS fault as the failing segment', () => {
    const trace = exampleTrace({ start, snsFails: true, functionName });
    const timeline = buildTimeline(trace.id, [...trace.documents].reverse());
    expect(timeline.rows.map((row) => [row.depth, row.name, row.kind])).toEqual([
      [0, timeline.rows[0]!.name, 'segment'],
      [1, 'Lambda', 'subsegment'],
      [2, functionName, 'segment'],
      [3, functionName, 'segment'],
      [4, 'Initialization', 'subsegment'],
      [4, 'Invocation', 'subsegment'],
      [4, 'SNS', 'subsegment'],
      [4, 'Overhead', 'subsegment'],
    ]);
    expect(timeline.rows[0]).toMatchObject({ origin: 'AWS::ApiGateway::Stage', status: 'fault', httpStatus: 502, start: 0, duration: 412 });
    expect(timeline).toMatchObject({ status: 'fault', duration: 412, http: { method: 'POST', status: 502 } });
    expect(timeline.failing).toMatchObject({ name: 'SNS', operation: 'Publish', status: 'fault', httpStatus: 500, start: 200, duration: 195, failing: true });
    expect(timeline.failing!.exceptions).toEqual([
      { id: expect.any(String), type: 'InternalErrorException', message: 'SNS is down', remote: true, stack: ['AwsQueryProtocol.handleError (/var/task/index.js:7)'] },
    ]);
    expect(timeline.rows.filter((row) => row.failing)).toHaveLength(1);
    expect(describeFailing(timeline.failing!)).toBe('SNS (aws Publish HTTP 500) InternalErrorException: SNS is down');
  });

  it('has no failing segment when all went well', () => {
    const trace = exampleTrace({ start, snsFails: false, functionName });
    const timeline = buildTimeline(trace.id, trace.documents);
    expect(timeline.status).toBe('ok');
    expect(timeline.failing).toBeUndefined();
  });

  it('reads subsegments sent one by one, a completed document replacing its in-progress one', () => {
    const traceId = '1-68e3a380-0123456789abcdef01234567';
    const documents: SegmentDocument[] = [
      { id: 'fn', trace_id: traceId, name: 'fn', origin: 'AWS::Lambda::Function', start_time: start, end_time: start + 0.1 },
      { id: 'work', trace_id: traceId, parent_id: 'fn', type: 'subsegment', name: '## work', start_time: start + 0.01, in_progress: true },
      { id: 'call', trace_id: traceId, parent_id: 'work', type: 'subsegment', name: 'DynamoDB', namespace: 'aws', start_time: start + 0.02, end_time: start + 0.03, error: true, throttle: true, http: { response: { status: 400 } } },
      { id: 'work', trace_id: traceId, parent_id: 'fn', type: 'subsegment', name: '## work', start_time: start + 0.01, end_time: start + 0.05 },
    ];
    const timeline = buildTimeline(traceId, documents);
    expect(timeline.rows.map((row) => [row.depth, row.name, row.inProgress, row.service])).toEqual([
      [0, 'fn', false, 'fn'],
      [1, '## work', false, 'fn'],
      [2, 'DynamoDB', false, 'fn'],
    ]);
    // A throttle is an error, not a fault: it is still where the trouble started.
    expect(timeline.failing).toMatchObject({ name: 'DynamoDB', status: 'throttle' });
    expect(timeline.status).toBe('throttle');
  });

  it('keeps a subsegment whose parent was not recorded, as an orphan, and finds an exception by its id', () => {
    const traceId = '1-68e3a380-0123456789abcdef01234568';
    const timeline = buildTimeline(traceId, [
      { id: 'a', trace_id: traceId, parent_id: 'missing', type: 'subsegment', name: 'SNS', namespace: 'aws', start_time: start, end_time: start + 0.2, fault: true, cause: { exceptions: [{ id: 'x1', type: 'Boom', message: 'down' }] } },
      { id: 'b', trace_id: traceId, parent_id: 'a', type: 'subsegment', name: 'retry', start_time: start + 0.1, end_time: start + 0.2, fault: true, cause: 'x1' },
    ]);
    expect(timeline.rows[0]).toMatchObject({ name: 'SNS', orphan: true, depth: 0 });
    expect(timeline.failing).toMatchObject({ name: 'retry', exceptions: [{ type: 'Boom', message: 'down' }] });
  });
});

describe('buildServiceMap', () => {
  it('draws client -> API stage -> Lambda -> function -> SNS, with counts and faults', () => {
    const traces = [
      exampleTrace({ start, snsFails: true, functionName }),
      exampleTrace({ start: start + 1, snsFails: false, functionName }),
      exampleTrace({ start: start + 2, snsFails: false, functionName }),
    ].map((trace) => buildTimeline(trace.id, trace.documents));
    const map = buildServiceMap(traces);
    expect(map.traces).toBe(3);
    expect(map.nodes.map((node) => [node.depth, node.type, node.requests, node.faults])).toEqual([
      [0, 'client', 3, 1],
      [1, 'AWS::ApiGateway::Stage', 3, 1],
      [2, 'AWS::Lambda', 3, 0],
      [3, 'AWS::Lambda::Function', 3, 0],
      [4, 'AWS::SNS', 3, 1],
    ]);
    const sns = map.nodes.find((node) => node.type === 'AWS::SNS')!;
    expect(sns.name).toBe('SNS');
    expect(map.edges).toHaveLength(4);
    expect(map.edges.find((edge) => edge.to === sns.id)).toMatchObject({ requests: 3, faults: 1 });
  });
});

describe('formatTimeline', () => {
  it('prints one line per segment, the failing one marked with its cause', () => {
    const trace = exampleTrace({ start, snsFails: true, functionName });
    const text = formatTimeline(buildTimeline(trace.id, trace.documents), { color: false });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^Trace ${trace.id}  orders-api/dev  POST https://\\S+/orders -> 502  412 ms  FAULT$`));
    expect(lines.filter((line) => line.startsWith('>'))).toHaveLength(1);
    expect(lines.find((line) => line.startsWith('>'))).toMatch(/^> +SNS Publish +\(aws\) +\|[ █]+\| +195 ms FAULT 500 {2}<- failing$/);
    expect(text).toContain('! InternalErrorException: SNS is down (remote)');
    expect(text).toContain('at AwsQueryProtocol.handleError (/var/task/index.js:7)');
    expect(text).not.toContain('\u001b[');
    // Colour is marked by the formatter and drawn where the text reaches the terminal.
    const colored = screen(formatTimeline(buildTimeline(trace.id, trace.documents), { color: true }), true);
    expect(colored).toContain('\u001b[31m');
    expect(screen(formatTimeline(buildTimeline(trace.id, trace.documents), { color: true }), false)).toBe(text);
  });
});

describe('sampling and routing of the dev server', () => {
  const rules = [
    { ruleName: 'orders-get', priority: 100, reservoirSize: 1, fixedRate: 0, httpMethod: 'GET', urlPath: '*/orders/*' },
    { ruleName: 'api-default', priority: 9000, reservoirSize: 0, fixedRate: 1, httpMethod: '*', urlPath: '*' },
  ];

  it('takes the first matching rule by priority: its reservoir each second, then its fixed rate', () => {
    let now = 10_000;
    const sampler = new Sampler(rules, () => 0.5, () => now);
    expect(sampler.decide('GET', '/dev/orders/1')).toEqual({ sampled: true, rule: 'orders-get', reason: 'reservoir' });
    expect(sampler.decide('GET', '/dev/orders/2')).toEqual({ sampled: false, rule: 'orders-get', reason: 'fixed rate' });
    now += 1000;
    expect(sampler.decide('GET', '/dev/orders/3')).toMatchObject({ sampled: true, reason: 'reservoir' });
    expect(sampler.decide('POST', '/dev/orders')).toEqual({ sampled: true, rule: 'api-default', reason: 'fixed rate' });
  });

  it("matches X-Ray's url_path patterns", () => {
    expect(matchesPattern('*/orders/*', '/dev/orders/1')).toBe(true);
    expect(matchesPattern('*/orders/*', '/dev/orders')).toBe(false);
    expect(matchesPattern('*/order?', '/dev/orders')).toBe(true);
    expect(matchesPattern('*/a.b', '/dev/axb')).toBe(false);
  });

  it('routes as API Gateway: literal parts before parameters, greedy parameters last', () => {
    const route = (path: string): Route => ({ method: 'GET', path, operationId: path, pathParameters: [], functionName: path, auth: 'none', parts: path.split('/').slice(1) });
    const routes = [route('/orders/{id}'), route('/orders/latest'), route('/files/{path+}')];
    expect(matchRoute(routes, 'GET', '/orders/latest')).toMatchObject({ route: { path: '/orders/latest' } });
    expect(matchRoute(routes, 'GET', '/orders/a%20b')).toMatchObject({ route: { path: '/orders/{id}' }, pathParameters: { id: 'a b' } });
    expect(matchRoute(routes, 'GET', '/files/a/b.txt')).toMatchObject({ pathParameters: { path: 'a/b.txt' } });
    expect(matchRoute(routes, 'POST', '/orders/1')).toEqual({ methodNotAllowed: true });
    expect(matchRoute(routes, 'GET', '/nothing')).toEqual({ methodNotAllowed: false });
  });
});
