// `npm run traces` as a developer runs it, with the real @aws-sdk/client-xray, against a local stand-in for the
// X-Ray API (AWS_ENDPOINT_URL_XRAY) answering from traces shaped as X-Ray returns them: never against AWS.
// The first test goes through npm; the others run the script's command directly, to spare npm's start-up.
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { project, projectRoot, xrayServiceName } from './support/project.js';
import { readRoutes } from '../src/dev/routes.js';
import { parseSince, traces, UsageError } from '../src/traces/main.js';
import { LocalXRayApi } from '../src/local/local-xray-api.js';
import { runScript } from './support/npm-script.js';
import { exampleTrace } from './support/xray-fixtures.js';

const functionName = readRoutes(path.join(projectRoot, 'openapi', 'openapi.yaml'), project).routes[0]?.functionName ?? `${project.namePrefix}-example`;
// The tests run concurrently, each with its own stand-in: stop them all at the end.
const apis: LocalXRayApi[] = [];
afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop()));
});

/** A stand-in holding, from five and two minutes ago, one trace whose SNS call failed and one that went fine. */
async function standIn() {
  const now = Date.now() / 1000;
  const faulty = exampleTrace({ start: now - 300, snsFails: true, functionName, project });
  const fine = exampleTrace({ start: now - 120, snsFails: false, functionName, project });
  const old = exampleTrace({ start: now - 7200, snsFails: true, functionName, project });
  const api = await LocalXRayApi.start([faulty, fine, old]);
  apis.push(api);
  const noAwsConfig = path.join(os.tmpdir(), 'traced-api-test-no-aws-config');
  const env = {
    AWS_ENDPOINT_URL_XRAY: api.url,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_CONFIG_FILE: noAwsConfig,
    AWS_SHARED_CREDENTIALS_FILE: noAwsConfig,
  };
  return { api, env, faulty, fine, old };
}

describe.concurrent('npm run traces', () => {
  it('lists the traces with faults or errors of the last 15 minutes and prints each timeline, the SNS fault marked', async ({ expect }) => {
    const { api, env, faulty, fine, old } = await standIn();
    const { code, stdout, stderr } = await runScript('traces', ['--since', '15m'], env);
    expect(code, stderr).toBe(0);

    const summaries = api.requests.filter((request) => request.operation === 'GetTraceSummaries');
    expect(summaries.length).toBeGreaterThan(0);
    const { StartTime, EndTime, FilterExpression } = summaries[0]!.body as { StartTime: number; EndTime: number; FilterExpression: string };
    expect(EndTime - StartTime).toBeCloseTo(900, 0);
    expect(FilterExpression).toContain('fault = true OR error = true');
    if (project.apiTracing) expect(FilterExpression).toContain(`service("${xrayServiceName()}")`);
    expect(summaries[0]!.headers.authorization, 'requests are signed with SigV4').toMatch(/^AWS4-HMAC-SHA256 Credential=test\//);
    const batches = api.requests.filter((request) => request.operation === 'BatchGetTraces');
    expect(batches.map((request) => request.body.TraceIds)).toEqual([[faulty.id]]);

    expect(stdout).toContain(faulty.id);
    expect(stdout).not.toContain(fine.id);
    expect(stdout).not.toContain(old.id);
    expect(stdout).toMatch(/Traces with faults or errors .*: 1 found/);
    const lines = stdout.split('\n');
    const snsLine = lines.find((line) => /^> +SNS Publish\b/.test(line));
    expect(snsLine, stdout).toBeDefined();
    expect(snsLine).toMatch(/FAULT 500 {2}<- failing$/);
    expect(stdout).toMatch(/! InternalErrorException: SNS is down \(remote\)/);
    expect(stdout).toMatch(/failing segment: SNS \(aws Publish HTTP 500\) InternalErrorException: SNS is down/);
    // The rest of the timeline: API stage, Lambda, the function, in tree order, none of them marked.
    const order = [xrayServiceName(), 'Lambda Invoke', functionName, 'Initialization', 'SNS Publish'].map((name) => lines.findIndex((line) => line.slice(2).trimStart().startsWith(name)));
    expect(order.every((index, i) => index > 0 && (i === 0 || index > order[i - 1]!)), stdout).toBe(true);
    expect(lines.filter((line) => line.includes('<- failing'))).toHaveLength(1);
  });

  it('with --all, lists every trace of the API, page after page, newest first', async ({ expect }) => {
    const { api, env, faulty, fine } = await standIn();
    const { code, stdout, stderr } = await runScript('traces', ['--all', '--since', '1h'], env, { direct: true });
    expect(code, stderr).toBe(0);
    const summaries = api.requests.filter((request) => request.operation === 'GetTraceSummaries');
    expect(summaries.map((request) => request.body.NextToken)).toEqual([undefined, 'page-1']);
    expect(summaries[0]!.body.FilterExpression).not.toMatch(/fault/);
    expect(api.requests.filter((request) => request.operation === 'BatchGetTraces').map((request) => request.body.TraceIds)).toEqual([[fine.id, faulty.id]]);
    expect(stdout.indexOf(`Trace ${fine.id}`)).toBeGreaterThan(0);
    expect(stdout.indexOf(`Trace ${faulty.id}`)).toBeGreaterThan(stdout.indexOf(`Trace ${fine.id}`));
  });

  it('prints one trace by --id', async ({ expect }) => {
    const { api, env, fine } = await standIn();
    const { code, stdout, stderr } = await runScript('traces', ['--id', fine.id], env, { direct: true });
    expect(code, stderr).toBe(0);
    expect(api.requests.map((request) => request.operation)).toEqual(['BatchGetTraces']);
    expect(stdout).toContain(`Trace ${fine.id}`);
    expect(stdout).toMatch(/-> 200/);
    expect(stdout).not.toContain('failing');
  });

  it('says so when the trace is not there', async ({ expect }) => {
    const { env } = await standIn();
    const missing = '1-00000000-000000000000000000000000';
    const { code, stdout, stderr } = await runScript('traces', ['--id', missing], env, { direct: true });
    expect(code, stderr).toBe(1);
    expect(stdout).toContain(`No trace ${missing}`);
  });

  it('refuses bad arguments with a clear message and asks X-Ray nothing', async ({ expect }) => {
    const { api, env } = await standIn();
    const since = await runScript('traces', ['--since', '3x'], env, { direct: true });
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/^--since 3x: give a number and a unit, s, m, h or d, such as 30s, 15m, 2h or 7d/);
    expect(since.stderr).toContain('Usage: npm run traces');
    expect(since.stdout).toBe('');
    expect(api.requests).toEqual([]);
  });
});

describe('bad arguments of npm run traces', () => {
  async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await traces(argv, { out: (line) => out.push(line), err: (line) => err.push(line), color: false });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('each get one message naming the value and what is allowed, and exit code 2', async () => {
    expect(await run('--id', 'abc')).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/^--id abc: a trace id looks like 1-/) });
    expect(await run('--limit', '0')).toMatchObject({ code: 2, err: expect.stringMatching(/^--limit 0: give a whole number from 1 to 100/) });
    expect(await run('--since', '45d')).toMatchObject({ code: 2, err: expect.stringMatching(/^--since 45d: at most 30d/) });
    expect(await run('--sinse', '1h')).toMatchObject({ code: 2, err: expect.stringMatching(/--sinse/) });
    expect(await run('extra')).toMatchObject({ code: 2 });
  });
});

describe('--since', () => {
  it('takes seconds, minutes, hours and days, up to the 30 days X-Ray keeps', () => {
    expect(parseSince('30s')).toBe(30);
    expect(parseSince('15m')).toBe(900);
    expect(parseSince('2h')).toBe(7200);
    expect(parseSince('30d')).toBe(30 * 86400);
    for (const bad of ['3x', '15', 'm', '0m', '-5m', '1.5h', '31d', '']) expect(() => parseSince(bad), bad).toThrow(UsageError);
  });
});
