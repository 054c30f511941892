// `npm run traces` as a developer runs it, with the real @aws-sdk/client-xray, against a local stand-in for the
// X-Ray API (AWS_ENDPOINT_URL_XRAY) answering from traces shaped as X-Ray returns them: never against AWS.
// The first test goes through npm; the others run the script's command directly, to spare npm's start-up.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateProject, project, projectRoot, xrayServiceName } from './support/project.js';
import { readRoutes } from '../src/dev/routes.js';
import { readProjectSettings } from '../src/contract/project.js';
import { readRoutes as readOperations } from '../src/contract/routes.js';
import { parseSince, traces, UsageError } from '../src/traces/main.js';
import { LocalXRayApi, type FixtureSamplingRule } from '../src/local/local-xray-api.js';
import { runScript, type ScriptResult } from './support/npm-script.js';
import { exampleTrace } from './support/xray-fixtures.js';
import { NO_CREDENTIALS, startXRayStandIn } from './support/xray-stand-in.js';
import { explain } from '../src/traces/xray-calls.js';

const functionName = readRoutes(path.join(projectRoot, 'openapi', 'openapi.yaml'), project).routes[0]?.functionName ?? `${project.namePrefix}-example`;

/** A stand-in holding, from five and two minutes ago, one trace whose SNS call failed and one that went fine, and one from two hours ago. */
async function standIn() {
  const now = Date.now() / 1000;
  const faulty = exampleTrace({ start: now - 300, snsFails: true, functionName, project });
  const fine = exampleTrace({ start: now - 120, snsFails: false, functionName, project });
  const old = exampleTrace({ start: now - 7200, snsFails: true, functionName, project });
  const { api, env } = await startXRayStandIn([faulty, fine, old]);
  return { api, env, faulty, fine, old };
}

/** A failure's output: one line on stderr, nothing on stdout, no stack trace. */
function expectOneLine(result: ScriptResult, pattern: RegExp) {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe.concurrent('npm run traces', () => {
  it('lists the traces with faults or errors of the last 15 minutes and prints each timeline, the SNS fault marked', async ({ expect }) => {
    const { api, env, faulty, fine, old } = await standIn();
    const { code, stdout, stderr } = await runScript('traces', ['--since', '15m'], env);
    expect(code, stderr).toBe(0);

    expect(api.requests[0]!.operation, 'the account\'s trace destination first').toBe('GetTraceSegmentDestination');
    const summaries = api.requestsOf('GetTraceSummaries');
    expect(summaries).toHaveLength(1);
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
    expect(stdout).toContain('Searched all of the last 15m (1 GetTraceSummaries call, 2 traces scanned).');
    expect(stdout).not.toContain('Transaction Search');
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
    expect(api.requests.map((request) => request.operation)).toEqual(['GetTraceSegmentDestination', 'BatchGetTraces']);
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

describe.concurrent('npm run traces with CloudWatch Transaction Search (segments in CloudWatch Logs)', () => {
  /** The account sends segments to CloudWatch Logs; X-Ray indexed the faulty trace, not the other faulty one. */
  async function transactionSearch() {
    const now = Date.now() / 1000;
    const indexed = exampleTrace({ start: now - 300, snsFails: true, functionName, project });
    const unindexed = { ...exampleTrace({ start: now - 200, snsFails: true, functionName, project }), indexed: false };
    const fine = exampleTrace({ start: now - 120, snsFails: false, functionName, project });
    const { api, env } = await startXRayStandIn([indexed, unindexed, fine]);
    api.destination = 'CloudWatchLogs';
    api.indexedPercent = 5;
    return { api, env, indexed, unindexed, fine };
  }

  it('finds the indexed traces, says how much is indexed, and reads whole traces through a retrieval that takes several polls', async ({ expect }) => {
    const { api, env, indexed, unindexed } = await transactionSearch();
    api.retrievalPolls = 3;
    const { code, stdout, stderr } = await runScript('traces', ['--since', '15m'], env, { direct: true });
    expect(code, stderr).toBe(0);
    expect(stderr, 'no progress without a terminal').toBe('');
    expect(api.requests.map((request) => request.operation).slice(0, 3)).toEqual(['GetTraceSegmentDestination', 'GetIndexingRules', 'GetTraceSummaries']);
    expect(stdout).toMatch(/Transaction Search is on in .*X-Ray indexes 5% \(its indexing rule\) of the traces/);
    expect(stdout).toMatch(/Traces with faults or errors .*: 1 found/);
    expect(stdout).not.toContain(unindexed.id);
    expect(api.requestsOf('BatchGetTraces'), 'BatchGetTraces finds nothing under Transaction Search').toEqual([]);
    const [retrieval] = api.requestsOf('StartTraceRetrieval');
    expect(retrieval!.body.TraceIds).toEqual([indexed.id]);
    const { StartTime, EndTime } = retrieval!.body as { StartTime: number; EndTime: number };
    expect(StartTime).toBeLessThanOrEqual(indexed.start);
    expect(EndTime).toBeGreaterThanOrEqual(indexed.start);
    const polls = api.requestsOf('ListRetrievedTraces');
    expect(polls).toHaveLength(4);
    expect(polls.every((poll) => poll.body.TraceFormat === 'XRAY')).toBe(true);
    expect(stdout).toContain(`Trace ${indexed.id}`);
    expect(stdout.split('\n').find((line) => /^> +SNS Publish\b/.test(line))).toMatch(/FAULT 500 {2}<- failing$/);
  });

  it('prints any trace by --id, indexed or not, from CloudWatch Logs', async ({ expect }) => {
    const { api, env, unindexed } = await transactionSearch();
    api.retrievalPolls = 1;
    const { code, stdout, stderr } = await runScript('traces', ['--id', unindexed.id], env, { direct: true });
    expect(code, stderr).toBe(0);
    expect(api.requests.map((request) => request.operation)).toEqual(['GetTraceSegmentDestination', 'StartTraceRetrieval', 'ListRetrievedTraces', 'ListRetrievedTraces']);
    expect(stdout).toContain(`Trace ${unindexed.id}`);
    expect(stdout).toMatch(/<- failing/);
  });

  it('says where it looked when the trace is not in the log group', async ({ expect }) => {
    const { env } = await transactionSearch();
    const missing = '1-00000000-000000000000000000000000';
    const { code, stdout } = await runScript('traces', ['--id', missing], env, { direct: true });
    expect(code).toBe(1);
    expect(stdout).toContain(`No trace ${missing} in the Transaction Search log group (CloudWatch Logs)`);
  });

  it('waits for a retrieval no longer than --wait, and says so in one line', async ({ expect }) => {
    const { api, env, indexed } = await transactionSearch();
    api.retrievalPolls = 1000;
    const result = await runScript('traces', ['--id', indexed.id, '--wait', '2s'], env, { direct: true });
    expectOneLine(result, /^The trace retrieval from CloudWatch Logs is still RUNNING after \d+ s \(the --wait bound\): run again with a longer --wait/);
    // Polled for --wait, then no more: the stand-in's clock, which the machine's load moves least.
    const polls = api.requestsOf('ListRetrievedTraces');
    expect(polls.length).toBeGreaterThan(2);
    expect(polls.at(-1)!.at - api.requestsOf('StartTraceRetrieval')[0]!.at).toBeLessThan(2000 + 3000);
  });

  it('reports a retrieval that failed', async ({ expect }) => {
    const { api, env, indexed } = await transactionSearch();
    api.retrievalOutcome = 'FAILED';
    const result = await runScript('traces', ['--id', indexed.id], env, { direct: true });
    expectOneLine(result, /^The trace retrieval from CloudWatch Logs ended FAILED/);
  });

  it('shows the retrieval\'s progress on a terminal only', async ({ expect }) => {
    const { api, env, indexed } = await transactionSearch();
    api.retrievalPolls = 2;
    const progress: (string | undefined)[] = [];
    const out: string[] = [];
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const code = await inProject(() => traces(['--id', indexed.id], { out: (line) => out.push(line), err: (line) => out.push(line), color: false, progress: (text) => progress.push(text) }));
      expect(code, out.join('\n')).toBe(0);
    } finally {
      for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
      Object.assign(process.env, saved);
    }
    expect(progress.slice(0, 2)).toEqual([expect.stringMatching(/^Retrieving 1 trace from CloudWatch Logs: SCHEDULED, \d+ s$/), expect.stringMatching(/: RUNNING, \d+ s$/)]);
    expect(progress.at(-1), 'cleared at the end').toBeUndefined();
  });
});

/** Runs `work` with the test project as the current folder (the command reads the project there). */
async function inProject<T>(work: () => Promise<T>): Promise<T> {
  const cwd = process.cwd();
  process.chdir(projectRoot);
  try {
    return await work();
  } finally {
    process.chdir(cwd);
  }
}

describe.concurrent('npm run traces when X-Ray cannot be asked: one clear line, exit 1, no stack trace', () => {
  it('without AWS credentials', async () => {
    const { api } = await standIn();
    const result = await runScript('traces', [], { ...NO_CREDENTIALS, AWS_ENDPOINT_URL_XRAY: api.url }, { direct: true });
    expectOneLine(result, /^No AWS credentials found: set AWS_PROFILE/);
    expect(api.requests).toEqual([]);
  });

  it('with an expired session token', async () => {
    const { api, env } = await standIn();
    api.tokenExpired = true;
    expectOneLine(await runScript('traces', [], env, { direct: true }), /^Your AWS session token has expired \(X-Ray GetTraceSegmentDestination refused it\): renew it/);
  });

  it('when the identity may not call an action, naming the action to add', async () => {
    const { api, env } = await standIn();
    api.denied.add('GetTraceSummaries');
    expectOneLine(await runScript('traces', [], env, { direct: true }), /^X-Ray refused GetTraceSummaries: add xray:GetTraceSummaries to the IAM policy .*xray:StartTraceRetrieval, xray:ListRetrievedTraces\)\.$/);
  });

  it('when a Transaction Search account denies StartTraceRetrieval', async () => {
    const { api, env, faulty } = await standIn();
    api.destination = 'CloudWatchLogs';
    api.denied.add('StartTraceRetrieval');
    expectOneLine(await runScript('traces', ['--id', faulty.id], env, { direct: true }), /^X-Ray refused StartTraceRetrieval: add xray:StartTraceRetrieval to the IAM policy/);
  });

  it('when the endpoint cannot be reached', async () => {
    const closed = await LocalXRayApi.start([]);
    const url = closed.url;
    await closed.stop();
    const { env } = await standIn();
    expectOneLine(await runScript('traces', [], { ...env, AWS_ENDPOINT_URL_XRAY: url }, { direct: true }), new RegExp(`^Could not reach X-Ray at ${url} \\(ECONNREFUSED\\)`));
  });

  it('when the endpoint never answers, within the --timeout', async () => {
    const { api, env } = await standIn();
    api.hang = true;
    const result = await runScript('traces', ['--timeout', '1s'], env, { direct: true });
    // From the first call to the command's end: the deadline is twice --timeout (one retry), with room for a loaded machine.
    expect(Date.now() - api.requests[0]!.at).toBeLessThan(2000 + 8000);
    expectOneLine(result, /^X-Ray did not answer GetTraceSegmentDestination within 2 s at http:\/\/127\.0\.0\.1:\d+: check your network/);
  });
});

describe.concurrent('how far npm run traces searches', () => {
  it('stops paging at a NextToken X-Ray already gave, and says so', async ({ expect }) => {
    const { api, env } = await standIn();
    api.repeatNextToken = true;
    const { code, stdout, stderr } = await runScript('traces', ['--all'], env, { direct: true });
    expect(code, stderr).toBe(0);
    expect(api.requestsOf('GetTraceSummaries').map((request) => request.body.NextToken)).toEqual([undefined, 'page-1']);
    expect(stdout).toMatch(/\(2 GetTraceSummaries calls, \d+ traces scanned, stopped: X-Ray repeated a NextToken it had already given\)/);
  });

  it('reads --since 30d a day a query, newest first, and states the window and the calls', async ({ expect }) => {
    const { api, env, faulty, old } = await standIn();
    const { code, stdout, stderr } = await runScript('traces', ['--since', '30d'], env, { direct: true });
    expect(code, stderr).toBe(0);
    const calls = api.requestsOf('GetTraceSummaries');
    // A query per day; the newest day holds two matching traces, a page each.
    const windows = calls.filter((request) => !request.body.NextToken).map((request) => request.body as { StartTime: number; EndTime: number });
    expect(windows).toHaveLength(30);
    expect(calls).toHaveLength(31);
    expect(windows.every((window) => window.EndTime - window.StartTime <= 86400)).toBe(true);
    expect(windows.every((window, i) => i === 0 || window.EndTime <= windows[i - 1]!.StartTime + 0.001)).toBe(true);
    expect(stdout).toContain('Searched all of the last 30d (31 GetTraceSummaries calls, 3 traces scanned).');
    expect(stdout).toContain(faulty.id);
    expect(stdout).toContain(old.id);
  });

  it('queries 12, then 6 hours at a time when X-Ray refuses a day', async ({ expect }) => {
    const { api, env, old } = await standIn();
    api.maxQueryHours = 6;
    const { code, stdout, stderr } = await runScript('traces', ['--since', '2d'], env, { direct: true });
    expect(code, stderr).toBe(0);
    const spans = api.requestsOf('GetTraceSummaries').map((request) => Math.round(((request.body.EndTime as number) - (request.body.StartTime as number)) / 3600));
    expect(spans).toEqual([24, 12, 6, 6, 6, 6, 6, 6, 6, 6, 6]);
    expect(stdout).toMatch(/Searched all of the last 2d \(11 GetTraceSummaries calls of 6 h \(X-Ray refused a day\), 3 traces scanned\)\./);
    expect(stdout).toContain(old.id);
  });

  it('stops at the newest day once --limit traces are found, and says which part it read', async ({ expect }) => {
    const { api, env } = await standIn();
    const { code, stdout, stderr } = await runScript('traces', ['--since', '30d', '--limit', '1'], env, { direct: true });
    expect(code, stderr).toBe(0);
    expect(api.requestsOf('GetTraceSummaries')).toHaveLength(1);
    expect(stdout).toMatch(/: 1\+ found/);
    expect(stdout).toMatch(/Searched \d{4}-\d\d-\d\d \d\d:\d\d to \d{4}-\d\d-\d\d \d\d:\d\d UTC of the last 30d \(1 GetTraceSummaries call, 3 traces scanned, stopped at --limit\)\./);
  });
});

describe('npm run traces -- --rules', () => {
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  // A project of three operations, each with its own rule, and the API default rule.
  const shop = generateProject('shop-api');
  for (const [method, route] of [['GET', '/orders/{id}'], ['DELETE', '/orders/{id}']]) {
    execFileSync(process.execPath, [path.join(repoRoot, 'dist/bin/traced-api.js'), 'endpoint', method!, route!, '--yes'], { cwd: shop, stdio: 'pipe' });
  }
  const settings = readProjectSettings(shop);
  const operations = readOperations(path.join(shop, 'openapi', 'openapi.yaml'), settings.namePrefix).operations;
  const ruleOf = (operationId: string) => operations.find((operation) => operation.operationId === operationId)!;
  const service = `${settings.name}/${settings.stage}`;
  const deployedRule = (operationId: string): FixtureSamplingRule => {
    const { sampling, method, path: route } = ruleOf(operationId);
    return {
      RuleName: sampling!.ruleName, Priority: sampling!.priority, FixedRate: sampling!.fixedRate, ReservoirSize: sampling!.reservoirSize,
      ServiceName: service, ServiceType: 'AWS::ApiGateway::Stage', HTTPMethod: method, URLPath: `*${route.replace(/\{[^}]+\}/g, '*')}`,
    };
  };
  const { defaultRule } = settings;
  const now = Math.floor(Date.now() / 1000);

  async function account() {
    const { api, env } = await startXRayStandIn([]);
    api.pageSize = 2;
    api.samplingRules = [
      { RuleName: 'Default', Priority: 10000, FixedRate: 0.05, ReservoirSize: 1, ServiceName: '*', ServiceType: '*', HTTPMethod: '*', URLPath: '*' },
      deployedRule('createOrder'),
      deployedRule('deleteOrdersById'),
      // Someone raised the default rule's rate in the console.
      { RuleName: defaultRule.ruleName, Priority: defaultRule.priority, FixedRate: 0.5, ReservoirSize: defaultRule.reservoirSize, ServiceName: service, ServiceType: 'AWS::ApiGateway::Stage', HTTPMethod: '*', URLPath: '*' },
    ];
    api.samplingStatistics = [
      { RuleName: ruleOf('createOrder').sampling!.ruleName, Timestamp: now - 60, RequestCount: 30, SampledCount: 3, BorrowCount: 1 },
      { RuleName: ruleOf('createOrder').sampling!.ruleName, Timestamp: now - 50, RequestCount: 12, SampledCount: 2, BorrowCount: 0 },
      { RuleName: defaultRule.ruleName, Timestamp: now - 50, RequestCount: 4, SampledCount: 1, BorrowCount: 0 },
      { RuleName: 'Default', Timestamp: now - 50, RequestCount: 900, SampledCount: 50, BorrowCount: 0 },
    ];
    return { api, env };
  }

  it('compares each rule with the account and its recent statistics, flagging the missing, the differing and the idle', async () => {
    const { api, env } = await account();
    const { code, stdout, stderr } = await runScript('traces', ['--rules'], env, { direct: true, cwd: shop });
    expect(stderr).toBe('');
    expect(code, stdout).toBe(1);
    expect(api.requests.map((request) => request.operation)).toEqual(['GetSamplingRules', 'GetSamplingRules', 'GetSamplingStatisticSummaries', 'GetSamplingStatisticSummaries']);
    const lines = stdout.split('\n');
    const row = (name: string) => lines.find((line) => line.trimStart().startsWith(`${name} `)) ?? '';
    expect(stdout).toMatch(new RegExp(`^Sampling rules of ${service} in ${settings.region}: `));
    expect(row(ruleOf('createOrder').sampling!.ruleName)).toMatch(/POST \/orders +100 +1\/s +0\.05 +as deployed +42 +5 +1$/);
    expect(row(ruleOf('getOrdersById').sampling!.ruleName)).toMatch(/GET \/orders\/\{id\} .* MISSING +- +- +-$/);
    expect(row(ruleOf('deleteOrdersById').sampling!.ruleName)).toMatch(/DELETE \/orders\/\{id\} .* as deployed +0 +0 +0$/);
    expect(row(defaultRule.ruleName)).toMatch(new RegExp(`API default +${defaultRule.priority} +${defaultRule.reservoirSize}/s +${defaultRule.fixedRate} +DIFFERS +4 +1 +0$`));
    expect(stdout).toContain(`! ${ruleOf('getOrdersById').sampling!.ruleName} (GET /orders/{id}) is not in the account (${settings.region}): run npm run deploy`);
    expect(stdout).toContain(`! ${defaultRule.ruleName} (API default) is deployed with fixed rate 0.5 (the project says ${defaultRule.fixedRate}): run npm run deploy`);
    expect(stdout).toContain(`! ${ruleOf('deleteOrdersById').sampling!.ruleName} (DELETE /orders/{id}) matched no request while the API's other rules matched 46`);
    expect(stdout).not.toMatch(/createOrder \(POST \/orders\) matched no request/);
    expect(stdout).toContain('2 of 4 rules are not deployed as the project says.');
    // The header row lines up with the rows.
    const header = lines.find((line) => line.trimStart().startsWith('rule '))!;
    expect(header.indexOf('account')).toBe(row(ruleOf('createOrder').sampling!.ruleName).indexOf('as deployed'));
  });

  it('exits 0 when every rule is deployed as the project says', async ({ expect }) => {
    const { api, env } = await account();
    api.samplingRules = [...api.samplingRules.filter((rule) => rule.RuleName !== defaultRule.ruleName), deployedRule('getOrdersById'), {
      RuleName: defaultRule.ruleName, Priority: defaultRule.priority, FixedRate: defaultRule.fixedRate, ReservoirSize: defaultRule.reservoirSize,
      ServiceName: service, ServiceType: 'AWS::ApiGateway::Stage', HTTPMethod: '*', URLPath: '*',
    }];
    api.samplingStatistics = [];
    const { code, stdout } = await runScript('traces', ['--rules'], env, { direct: true, cwd: shop });
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('All 4 rules are deployed as the project says.');
    expect(stdout).toContain('No rule of the API matched a request in the statistics X-Ray holds');
  });

  it('names the action to add when the statistics are denied', async () => {
    const { api, env } = await account();
    api.denied.add('GetSamplingStatisticSummaries');
    expectOneLine(
      await runScript('traces', ['--rules'], env, { direct: true, cwd: shop }),
      /^X-Ray refused GetSamplingStatisticSummaries: add xray:GetSamplingStatisticSummaries to the IAM policy of the identity you run this with \(this command needs xray:GetSamplingRules, xray:GetSamplingStatisticSummaries\)\.$/,
    );
  });

  it('takes none of the trace search options', async () => {
    const out: string[] = [];
    const code = await traces(['--rules', '--since', '1h'], { out: (line) => out.push(line), err: (line) => out.push(line), color: false });
    expect(code).toBe(2);
    expect(out[0]).toMatch(/^--rules reads the sampling rules/);
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

describe('the one line for an X-Ray failure', () => {
  const failure = { operation: 'GetTraceSummaries', region: 'eu-west-1', endpoint: 'https://xray.eu-west-1.amazonaws.com', timeoutMs: 10_000, neededActions: ['xray:GetTraceSummaries'], timedOut: false };

  it('tells an expired SSO session from missing credentials', () => {
    const sso = Object.assign(new Error('The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login'), { name: 'CredentialsProviderError' });
    expect(explain(sso, failure)).toMatch(/^Your AWS session token has expired \(your SSO session or cached credentials\): renew it/);
    const none = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(explain(none, failure)).toMatch(/^No AWS credentials found/);
  });

  it('names the throttled call, and keeps an unknown failure to its first line', () => {
    expect(explain(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' }), failure)).toBe('X-Ray throttled GetTraceSummaries: wait a moment and run again, or with a shorter --since.');
    expect(explain(Object.assign(new Error('boom\n    at somewhere'), { name: 'WeirdError' }), failure)).toBe('X-Ray GetTraceSummaries failed: WeirdError: boom');
  });
});
