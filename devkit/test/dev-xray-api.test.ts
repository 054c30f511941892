// The dev server answers the X-Ray read API under /_xray from what it recorded, so that the real @aws-sdk/client-xray,
// `npm run traces` (and --rules) and `npm run verify` run unchanged against the local stack.
import {
  BatchGetTracesCommand,
  GetSamplingRulesCommand,
  GetSamplingStatisticSummariesCommand,
  GetTraceSegmentDestinationCommand,
  GetTraceSummariesCommand,
  XRayClient,
} from '@aws-sdk/client-xray';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../src/dev/server.js';
import { project, projectRoot, xrayServiceName } from './support/project.js';
import { exampleOperation } from './support/dev-example.js';
import { runScript } from './support/npm-script.js';
import { NO_CREDENTIALS } from './support/xray-stand-in.js';

const example = exampleOperation('createOrder');
let server: DevServer;
let xray: XRayClient;
const credentials = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

beforeAll(async () => {
  // Every request sampled: the rules' reservoirs would otherwise leave some untraced.
  server = await startDevServer({ root: projectRoot, port: 0, build: false, print: () => {}, random: () => 0 });
  xray = new XRayClient({ region: project.region, endpoint: server.xrayEndpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
afterAll(async () => {
  xray?.destroy();
  await server?.close();
});

const traceIdOf = (response: Response) => /Root=([^;]+)/.exec(response.headers.get('x-amzn-trace-id') ?? '')![1]!;

/** The trace's documents are recorded after the answer: wait until the request is done. */
async function settled(traceId: string) {
  for (let i = 0; i < 100 && !server.requests().some((request) => request.traceId === traceId && request.done); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe.skipIf(!project.sns)('the X-Ray read API at /_xray, with the real AWS SDK', () => {
  let fine: string;
  let faulty: string;

  beforeAll(async () => {
    const ok = await example.send(server.url);
    expect(ok.status).toBe(200);
    fine = traceIdOf(ok);
    server.sns!.failWith({ status: 500, code: 'InternalError', message: 'SNS is failing on demand' });
    const failed = await example.send(server.url);
    server.sns!.succeed();
    expect(failed.status).toBe(502);
    faulty = traceIdOf(failed);
    await Promise.all([settled(fine), settled(faulty)]);
  });

  it('says segments stay in X-Ray (no Transaction Search locally)', async () => {
    const answer = await xray.send(new GetTraceSegmentDestinationCommand({}));
    expect(answer.Destination).toBe('XRay');
  });

  it('finds the traces with the filter expressions the devkit sends, and only those', async () => {
    const window = { StartTime: new Date(Date.now() - 60_000), EndTime: new Date(Date.now() + 1000) };
    const all = await xray.send(new GetTraceSummariesCommand({ ...window, FilterExpression: `service("${xrayServiceName()}")` }));
    expect(all.TraceSummaries!.map((summary) => summary.Id).sort()).toEqual([fine, faulty].sort());
    const problems = await xray.send(new GetTraceSummariesCommand({ ...window, FilterExpression: `service("${xrayServiceName()}") AND (fault = true OR error = true)` }));
    expect(problems.TraceSummaries!.map((summary) => summary.Id)).toEqual([faulty]);
    expect(problems.TraceSummaries![0]!.Http?.HttpStatus).toBe(502);
    const byFunction = await xray.send(new GetTraceSummariesCommand({ ...window, FilterExpression: `(service("${example.functionName}")) AND fault` }));
    expect(byFunction.TraceSummaries!.map((summary) => summary.Id)).toEqual([faulty]);
    const elsewhere = await xray.send(new GetTraceSummariesCommand({ ...window, FilterExpression: 'service("another-api/dev")' }));
    expect(elsewhere.TraceSummaries).toEqual([]);
  });

  it('refuses a filter expression it cannot evaluate, rather than answering unfiltered', async () => {
    const window = { StartTime: new Date(Date.now() - 60_000), EndTime: new Date() };
    await expect(xray.send(new GetTraceSummariesCommand({ ...window, FilterExpression: 'responsetime > 5' }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringMatching(/the dev server evaluates service\("name"\)/),
    });
  });

  it('returns whole traces: the stage, the function and its SNS call, the fault on SNS', async () => {
    const answer = await xray.send(new BatchGetTracesCommand({ TraceIds: [faulty, fine] }));
    expect(answer.UnprocessedTraceIds).toEqual([]);
    const trace = answer.Traces!.find((candidate) => candidate.Id === faulty)!;
    const documents = trace.Segments!.map((segment) => JSON.parse(segment.Document!) as { origin?: string; subsegments?: { name: string; fault?: boolean }[] });
    expect(documents.map((document) => document.origin)).toEqual(expect.arrayContaining(['AWS::ApiGateway::Stage', 'AWS::Lambda::Function']));
    expect(JSON.stringify(documents)).toMatch(/"name":"SNS"[^]*"fault":true/);
  });

  it('lists the stage\'s sampling rules and counts what each matched and sampled', async () => {
    const rules = await xray.send(new GetSamplingRulesCommand({}));
    const names = rules.SamplingRuleRecords!.map((record) => record.SamplingRule!.RuleName);
    expect(names).toEqual(expect.arrayContaining([example.rule!.ruleName, project.defaultRule.ruleName, 'Default']));
    const own = rules.SamplingRuleRecords!.find((record) => record.SamplingRule!.RuleName === example.rule!.ruleName)!.SamplingRule!;
    expect(own).toMatchObject({ ServiceName: xrayServiceName(), ServiceType: 'AWS::ApiGateway::Stage', HTTPMethod: 'POST', URLPath: '*/orders' });
    const statistics = await xray.send(new GetSamplingStatisticSummariesCommand({}));
    const counted = statistics.SamplingStatisticSummaries!.filter((summary) => summary.RuleName === example.rule!.ruleName);
    expect(counted.reduce((sum, summary) => sum + summary.RequestCount!, 0)).toBeGreaterThanOrEqual(2);
    expect(counted.reduce((sum, summary) => sum + summary.SampledCount!, 0)).toBeGreaterThanOrEqual(2);
  });
});

describe.skipIf(!project.sns)('npm run traces, --rules and verify against the dev server', () => {
  it('npm run traces lists the faulty trace, read from /_xray', async () => {
    server.sns!.failWith({ status: 500, code: 'InternalError', message: 'SNS is failing on demand' });
    const failed = await example.send(server.url);
    server.sns!.succeed();
    await settled(traceIdOf(failed));
    const { code, stdout, stderr } = await runScript('traces', ['--since', '5m'], { AWS_ENDPOINT_URL_XRAY: server.xrayEndpoint, ...credentials }, { direct: true });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(traceIdOf(failed));
    expect(stdout).toMatch(/SNS/);
  });

  it('npm run traces -- --rules finds every rule as deployed, with the counts of this run', async () => {
    const { code, stdout, stderr } = await runScript('traces', ['--rules'], { AWS_ENDPOINT_URL_XRAY: server.xrayEndpoint, ...credentials }, { direct: true });
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toMatch(/All \d+ rules are deployed as the project says\./);
    expect(stdout).toMatch(new RegExp(`${example.rule!.ruleName}\\s+POST /orders\\s+\\d+\\s+\\S+\\s+\\S+\\s+as deployed\\s+[1-9]`));
  });

  it('npm run verify -- --write passes: the route answered and its trace reads stage -> function -> SNS', async () => {
    const { code, stdout, stderr } = await runScript('verify', ['--url', server.url, '--write', '--timeout', '10s'], {}, { direct: true });
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toMatch(new RegExp(`POST /orders  200  trace 1-[0-9a-f-]+: ${xrayServiceName()} -> ${example.functionName} -> SNS Publish  rule ${example.rule!.ruleName} \\(1/s, then 5%\\)`));
    expect(stdout).toContain('All 1 routes answered and were traced whole.');
  });

  it('npm run verify reads the traces from CloudWatch Logs in an account with Transaction Search', async () => {
    server.xrayApi.destination = 'CloudWatchLogs';
    try {
      const { code, stdout, stderr } = await runScript('verify', ['--url', server.url, '--write', '--timeout', '10s'], {}, { direct: true });
      expect(code, stdout + stderr).toBe(0);
      expect(stdout).toMatch(new RegExp(`POST /orders  200  trace 1-[0-9a-f-]+: ${xrayServiceName()} -> ${example.functionName} -> SNS Publish`));
    } finally {
      server.xrayApi.destination = 'XRay';
    }
  });

  it('npm run verify exits 1 naming the route and SNS when SNS fails', async () => {
    server.sns!.failWith({ status: 500, code: 'InternalError', message: 'SNS is failing on demand' });
    try {
      const { code, stdout, stderr } = await runScript('verify', ['--url', server.url, '--write', '--timeout', '10s'], {}, { direct: true });
      expect(code, stdout + stderr).toBe(1);
      expect(stderr).toMatch(/^FAIL POST \/orders: trace 1-[0-9a-f-]+ holds a fault at SNS \(aws Publish HTTP 500\)/m);
    } finally {
      server.sns!.succeed();
    }
  });

  it('npm run verify without --write says there is no GET to call, and exits 1', async () => {
    const { code, stdout, stderr } = await runScript('verify', ['--url', server.url], {}, { direct: true });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe('openapi/openapi.yaml has no GET operation: run npm run verify -- --write to call the 1 others too.');
  });

  it('npm run verify without AWS credentials, or denied an X-Ray action, says so in one line', async () => {
    const bare = await runScript('verify', ['--url', server.url, '--write'], { ...NO_CREDENTIALS, AWS_ENDPOINT_URL_XRAY: server.xrayEndpoint }, { direct: true });
    expect(bare.code).toBe(1);
    expect(bare.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^No AWS credentials found: set AWS_PROFILE/)]);
    server.xrayApi.denied.add('BatchGetTraces');
    try {
      const denied = await runScript('verify', ['--url', server.url, '--write'], {}, { direct: true });
      expect(denied.code).toBe(1);
      expect(denied.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^X-Ray refused BatchGetTraces: add xray:BatchGetTraces to the IAM policy/)]);
    } finally {
      server.xrayApi.denied.delete('BatchGetTraces');
    }
  });

  it('npm run verify against an API that does not answer is one line', async () => {
    // A port nobody listens on: one just let go of.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { code, stderr } = await runScript('verify', ['--url', `http://127.0.0.1:${port}`, '--write'], {}, { direct: true });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([`The API did not answer POST http://127.0.0.1:${port}/orders (ECONNREFUSED): is it deployed (npm run deploy), or the dev server running (npm run dev)?`]);
  });
});
