// A project traced by OpenTelemetry (`traced-api new --tracer otel`) on the local stack: `npm run dev --sns-fail`
// draws the same trace as for the X-Ray SDK (stage -> function -> SNS, the failing SNS call with its exception);
// and 16 concurrent invocations in one process, as Lambda Managed Instances run them, against both tracers.
// Needs `npm run build` first (`npm test` does it).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProject, projectRoot as xraySdkProjectRoot } from './support/project.js';
import { startScript, type RunningScript } from './support/npm-script.js';
import { readProjectSettings, xrayServiceName } from '../src/contract/project.js';
import { apiGatewayEvent, traceHeader } from '../src/local/events.js';
import { startBuiltLambda } from '../src/local/lambda-runtime.js';
import { LocalSns } from '../src/local/local-sns.js';
import { LocalXRayDaemon, type XRayDocument } from '../src/local/local-xray-daemon.js';
import type { MapEdge, MapNode, TraceTimeline } from '../src/traces/segments.js';

const otelRoot = generateProject('orders-api', ['--tracer', 'otel']);
const settings = readProjectSettings(otelRoot);
const functionName = `${settings.namePrefix}-createOrder`;
afterAll(() => rmSync(path.dirname(otelRoot), { recursive: true, force: true }));

describe('npm run dev --sns-fail, OpenTelemetry tracing', () => {
  let dev: RunningScript;
  let url: string;

  beforeAll(async () => {
    dev = await startScript('dev', ['--port', '0', '--no-build', '--no-watch', '--sns-fail'], {}, { cwd: otelRoot });
    url = /http:\/\/127\.0\.0\.1:\d+/.exec(await dev.waitForLine(/listening on http:\/\/127\.0\.0\.1:\d+/))![0];
  });
  afterAll(() => dev?.stop());

  it('draws stage -> function -> SNS, with the failing SNS call and its exception', async () => {
    const trace = traceHeader();
    const response = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-amzn-trace-id': `Root=${trace.root};Sampled=1` },
      body: JSON.stringify({ note: 'otel' }),
    });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ message: 'SNS call failed', traceId: trace.root });
    await dev.waitForLine(new RegExp(`^POST /orders  502  \\d+ ms  trace ${trace.root}  .*failing: SNS \\(aws Publish HTTP 500\\) InternalErrorException: SNS is failing on demand`));

    const { timeline } = (await (await fetch(`${url}/_traces/api/traces/${trace.root}`)).json()) as { timeline: TraceTimeline };
    expect(timeline.rows.map((row) => row.name)).toEqual(expect.arrayContaining([xrayServiceName(settings), functionName, 'SNS']));
    expect(timeline.failing).toMatchObject({ name: 'SNS', namespace: 'aws', status: 'fault', operation: 'Publish', httpStatus: 500, failing: true });
    expect(timeline.failing!.exceptions[0]).toMatchObject({ type: 'InternalErrorException', message: expect.stringContaining('SNS is failing on demand'), remote: true });
    expect(timeline.rows.filter((row) => row.failing)).toHaveLength(1);
    // The invocation's server span sits under the function's segment, and the SNS call under it.
    const fn = timeline.rows.find((row) => row.origin === 'AWS::Lambda::Function')!;
    const invocation = timeline.rows.find((row) => row.parentId === fn.id && row.name === functionName)!;
    expect(timeline.failing!.parentId).toBe(invocation.id);

    const state = (await (await fetch(`${url}/_traces/api/state`)).json()) as { map: { nodes: MapNode[]; edges: MapEdge[] } };
    const node = (type: string) => state.map.nodes.find((candidate) => candidate.type === type);
    const stage = node('AWS::ApiGateway::Stage')!;
    const lambda = node('AWS::Lambda::Function')!;
    const sns = node('AWS::SNS')!;
    expect([stage.name, lambda.name, sns.name]).toEqual([xrayServiceName(settings), functionName, 'SNS']);
    expect(state.map.edges).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ from: stage.id, to: lambda.id }),
        expect.objectContaining({ from: lambda.id, to: sns.id, faults: 1 }),
      ]),
    );
  });
});

/** 16 invocations at once in one process of the project's built createOrder; the SNS documents each trace got. */
async function concurrentInvocations(root: string) {
  const [sns, daemon] = await Promise.all([LocalSns.start(), LocalXRayDaemon.start()]);
  const project = readProjectSettings(root);
  const bundle = path.join(root, 'dist', 'createOrder', 'index.js');
  const lambda = await startBuiltLambda(
    bundle,
    `${project.namePrefix}-createOrder`,
    {
      LAMBDA_TASK_ROOT: path.dirname(bundle),
      AWS_EXECUTION_ENV: `AWS_Lambda_${project.runtime}`,
      AWS_REGION: project.region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_SNS: sns.url,
      AWS_XRAY_DAEMON_ADDRESS: daemon.address,
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
      SNS_TOPIC_ARN: `arn:aws:sns:${project.region}:123456789012:${project.topicName}`,
    },
    { concurrency: 16 },
  );
  try {
    const traces = Array.from({ length: 16 }, () => traceHeader());
    const results = await Promise.all(traces.map((trace) => lambda.invoke(apiGatewayEvent({ method: 'POST', resource: '/orders', body: {} }), trace.header)));
    expect(results.map((result) => result.statusCode)).toEqual(traces.map(() => 200));
    // Every SNS call's document is in (one per publish), whatever trace each landed on.
    for (let waited = 0; daemon.documents.filter((doc) => doc.name === 'SNS').length < 16 && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    const snsDocuments = daemon.documents.filter((doc) => doc.name === 'SNS');
    return { traces, snsDocuments, byTrace: traces.map((trace) => snsDocuments.filter((doc: XRayDocument) => doc.trace_id === trace.root)), published: sns.published };
  } finally {
    await lambda.stop();
    await Promise.all([sns.stop(), daemon.stop()]);
  }
}

describe('16 concurrent invocations in one process (Lambda Managed Instances)', () => {
  it('OpenTelemetry: 16 separate traces, each with its own SNS call', async () => {
    const { byTrace, snsDocuments } = await concurrentInvocations(otelRoot);
    expect(snsDocuments).toHaveLength(16);
    expect(byTrace.map((documents) => documents.length)).toEqual(byTrace.map(() => 1));
  });

  // aws/aws-xray-sdk-node issue 760: the SDK keeps one facade segment per process, so it mixes the traces.
  it('the X-Ray SDK: the invocations share one facade segment, so their SNS subsegments land on other traces', async () => {
    const { byTrace, snsDocuments } = await concurrentInvocations(xraySdkProjectRoot);
    expect(snsDocuments).toHaveLength(16);
    const counts = byTrace.map((documents) => documents.length);
    expect(counts.filter((count) => count === 0).length, `SNS subsegments per trace: ${counts.join(', ')}`).toBeGreaterThan(0);
    expect(Math.max(...counts), 'one trace holds the calls of several invocations').toBeGreaterThan(1);
  });
});
