// The dev server (npm run dev): the API on loopback, as API Gateway + Lambda + X-Ray would serve it.
// Each request is routed by openapi/openapi.yaml to its operation's built handler (dist/<operationId>/index.js),
// run as Lambda runs it (src/dev/pool.ts) with a trace header decided by the route's sampling rule. The X-Ray SDK
// in the handler sends its subsegments to a local daemon; the server records what API Gateway and Lambda would
// (the stage's segment, the function's segment), so a trace reads client -> API -> function -> SNS. SNS is a local
// endpoint that records what was published, or fails on demand. The page at /_traces shows the traces.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { buildServiceMap, buildTimeline, describeFailing, type SegmentDocument, type TraceTimeline } from '../traces/segments.js';
import { formatTimeline } from '../traces/terminal.js';
import { readProjectSettings, xrayServiceName, type ProjectSettings } from '../contract/project.js';
import { proxyEvent } from '../local/events.js';
import { LocalSns, type SnsFailure } from '../local/local-sns.js';
import { LocalXRayDaemon } from '../local/local-xray-daemon.js';
import { FunctionPool, type Invocation } from './pool.js';
import { matchRoute, readRoutes, type Route, type RouteTable } from './routes.js';
import { LAMBDA_DEFAULT_RULE, Sampler, type SamplingDecision } from './sampling.js';

export interface DevServerOptions {
  /** The project's root folder. */
  root: string;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default: the project's own settings (terraform/variables.tf, terraform.tfvars). */
  project?: ProjectSettings;
  /** Default: <root>/openapi/openapi.yaml. */
  openapiPath?: string;
  /** Run `npm run build` first (default true). */
  build?: boolean;
  /** Rebuild when src/ changes and reload the routes when the OpenAPI document does (default false). */
  watch?: boolean;
  /** Start with SNS failing. */
  snsFailure?: Partial<SnsFailure>;
  /** The handlers' LOG_LEVEL (default INFO, as deployed). */
  logLevel?: string;
  /** Print handler log lines under each request's line. */
  echoLogs?: boolean;
  /** Print each sampled request's timeline under its line, as `npm run traces` prints it. */
  printTimelines?: boolean;
  /** Where request lines and notices go (default console.log). */
  print?: (line: string) => void;
  color?: boolean;
  /** Sampling's random draw (tests). */
  random?: () => number;
  /** Traces kept for the page. */
  maxTraces?: number;
}

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

export interface DevServer {
  url: string;
  port: number;
  sns?: LocalSns;
  daemon: LocalXRayDaemon;
  notes: string[];
  requests(): RequestRecord[];
  trace(traceId: string): TraceTimeline | undefined;
  close(): Promise<void>;
}

interface StoredTrace {
  documents: SegmentDocument[];
  logs: (Record<string, unknown> | string)[];
  request?: RequestRecord;
  lastDocumentAt: number;
}

const SNS_DOWN: SnsFailure = { status: 500, code: 'InternalError', message: 'SNS is failing on demand (npm run dev)' };
const API_GATEWAY_ERROR = { message: 'Internal server error' };
const MISSING_ROUTE = { message: 'Missing Authentication Token' };

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
export const newTraceId = () => `1-${Math.floor(Date.now() / 1000).toString(16).padStart(8, '0')}-${hex(12)}`;
const newSegmentId = () => hex(8);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function statusFlags(status: number): Pick<SegmentDocument, 'fault' | 'error' | 'throttle'> {
  if (status >= 500) return { fault: true };
  if (status === 429) return { error: true, throttle: true };
  if (status >= 400) return { error: true };
  return {};
}

/** The incoming X-Amzn-Trace-Id: API Gateway keeps its Root and follows its sampling decision. */
function parseTraceHeader(value: string | string[] | undefined): { root?: string; sampled?: boolean } {
  const header = Array.isArray(value) ? value[0] : value;
  if (!header) return {};
  const fields = Object.fromEntries(header.split(';').map((part) => part.trim().split('=') as [string, string]));
  const root = fields.Root && /^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(fields.Root) ? fields.Root : undefined;
  const sampled = fields.Sampled === '1' ? true : fields.Sampled === '0' ? false : undefined;
  return { root, sampled };
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const root = options.root;
  const settings = options.project ?? readProjectSettings(root);
  const openapiPath = options.openapiPath ?? path.join(root, 'openapi', 'openapi.yaml');
  const print = options.print ?? ((line: string) => console.log(line));
  const paint = (code: number, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const maxTraces = options.maxTraces ?? 100;
  const serviceName = xrayServiceName(settings);

  if (options.build !== false) await runBuild(root, print);

  let table: RouteTable = readRoutes(openapiPath, settings);
  let sampler = new Sampler(table.rules, options.random);
  const lambdaSampler = new Sampler([LAMBDA_DEFAULT_RULE], options.random);

  const traces = new Map<string, StoredTrace>();
  const records: RequestRecord[] = [];
  let version = 0;
  let seq = 0;
  const changed = () => (version += 1);
  const stored = (traceId: string) => {
    let trace = traces.get(traceId);
    if (!trace) {
      traces.set(traceId, (trace = { documents: [], logs: [], lastDocumentAt: 0 }));
      // Forget the oldest traces beyond maxTraces (Map keeps insertion order).
      for (const old of traces.keys()) {
        if (traces.size <= maxTraces) break;
        traces.delete(old);
      }
    }
    return trace;
  };
  const addDocument = (document: SegmentDocument) => {
    if (typeof document.trace_id !== 'string') return;
    const trace = stored(document.trace_id);
    trace.documents.push(document);
    trace.lastDocumentAt = Date.now();
    changed();
  };

  const daemon = await LocalXRayDaemon.start({ keep: false, onDocument: (document) => addDocument(document as SegmentDocument) });
  const sns = settings.sns ? await LocalSns.start() : undefined;
  if (sns && options.snsFailure) sns.failWith({ ...SNS_DOWN, ...options.snsFailure });

  const notes = describeSetup(settings, table);
  const pools = new Map<string, FunctionPool>();
  const noAwsConfig = path.join(os.tmpdir(), 'traced-api-dev-no-aws-config');
  const passThrough = Object.fromEntries(
    Object.entries(process.env).filter(([key, value]) => key.startsWith('AWS_ENDPOINT_URL_') && key !== 'AWS_ENDPOINT_URL_SNS' && value !== undefined),
  ) as Record<string, string>;

  function poolFor(route: Route): FunctionPool {
    const bundle = path.join(root, 'dist', route.operationId, 'index.js');
    const key = `${route.functionName}\u0000${bundle}`;
    let pool = pools.get(key);
    if (!pool) {
      pool = new FunctionPool({
        bundle,
        functionName: route.functionName,
        timeoutMs: settings.lambdaTimeoutSeconds * 1000,
        env: {
          ...passThrough,
          PATH: process.env.PATH ?? '',
          TZ: ':UTC',
          NODE_OPTIONS: '--enable-source-maps',
          LAMBDA_TASK_ROOT: path.dirname(bundle),
          AWS_EXECUTION_ENV: `AWS_Lambda_${settings.runtime}`,
          AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
          AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${route.functionName}`,
          AWS_REGION: settings.region,
          AWS_DEFAULT_REGION: settings.region,
          // Credentials that sign requests to the local endpoints, and no developer's AWS profile.
          AWS_ACCESS_KEY_ID: 'dev',
          AWS_SECRET_ACCESS_KEY: 'dev',
          AWS_SESSION_TOKEN: 'dev',
          AWS_CONFIG_FILE: noAwsConfig,
          AWS_SHARED_CREDENTIALS_FILE: noAwsConfig,
          AWS_XRAY_DAEMON_ADDRESS: daemon.address,
          AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
          LOG_LEVEL: options.logLevel ?? 'INFO',
          ...(sns ? { AWS_ENDPOINT_URL_SNS: sns.url, SNS_TOPIC_ARN: `arn:aws:sns:${settings.region}:123456789012:${settings.topicName}` } : {}),
        },
        onLog: (line, traceId) => {
          // Kept with sampled traces only, for the page.
          const trace = traceId ? traces.get(traceId) : undefined;
          if (trace) {
            trace.logs.push(line);
            changed();
          }
          if (options.echoLogs) print(paint(2, `    ${route.functionName} | ${typeof line === 'string' ? line : JSON.stringify(line)}`));
        },
        onStderr: (text) => {
          for (const line of text.split('\n').filter((candidate) => candidate.trim() !== '')) print(paint(33, `    ${route.functionName} stderr | ${line}`));
        },
      });
      pools.set(key, pool);
    }
    return pool;
  }

  // Wait for the handler's subsegments: the SDK sends each over UDP as it closes, just before the response.
  async function settle(traceId: string, since: number): Promise<void> {
    const deadline = since + 400;
    for (;;) {
      const last = Math.max(since, traces.get(traceId)?.lastDocumentAt ?? 0);
      if (Date.now() - last >= 30 || Date.now() > deadline) return;
      await sleep(10);
    }
  }

  function requestLine(record: RequestRecord): string {
    const statusColor = record.status >= 500 ? 31 : record.status >= 400 ? 33 : 32;
    const parts = [`${record.method} ${record.path}`, paint(statusColor, String(record.status)), `${record.durationMs} ms`, `trace ${record.traceId}`];
    if (!record.sampled) parts.push(paint(2, record.sampling ? `not sampled (${record.sampling.rule}: ${record.sampling.reason})` : 'not sampled'));
    if (record.coldStart) parts.push(paint(2, 'cold start'));
    if (record.note) parts.push(paint(33, record.note));
    if (record.failing) parts.push(record.failingStatus === 'fault' ? paint(31, `failing: ${record.failing}`) : paint(33, `${record.failingStatus}: ${record.failing}`));
    return parts.join('  ');
  }

  async function handleApi(request: IncomingMessage, response: ServerResponse, url: URL, body: string | null): Promise<void> {
    const start = Date.now();
    const method = request.method ?? 'GET';
    let routePath = url.pathname;
    let match = matchRoute(table.routes, method, routePath);
    // The deployed URL has the stage in front (/dev/orders): serve that too.
    if (!match.route && routePath.startsWith(`/${settings.stage}/`)) {
      const withoutStage = routePath.slice(settings.stage.length + 1);
      const retry = matchRoute(table.routes, method, withoutStage);
      if (retry.route) [match, routePath] = [retry, withoutStage];
    }
    const incoming = parseTraceHeader(request.headers['x-amzn-trace-id']);
    const traceId = incoming.root ?? newTraceId();
    const route = match.route;

    // Who samples: API Gateway by the rules when stage tracing is on, else Lambda on its own (Active) or nobody.
    let decision: SamplingDecision | undefined;
    if (incoming.sampled !== undefined) decision = { sampled: incoming.sampled, rule: 'X-Amzn-Trace-Id', reason: 'upstream header' };
    else if (settings.apiTracing) decision = sampler.decide(method, `/${settings.stage}${routePath}`);
    else if (route && settings.tracingMode === 'Active') decision = lambdaSampler.decide(method, routePath);
    else if (route) decision = { sampled: false, rule: 'PassThrough', reason: 'PassThrough' };
    const sampled = decision?.sampled ?? false;

    const apiSegmentId = newSegmentId();
    const invokeSubsegmentId = newSegmentId();
    const functionSegmentId = newSegmentId();
    const record: RequestRecord = {
      seq: ++seq,
      traceId,
      method,
      path: url.pathname + url.search,
      status: 0,
      durationMs: 0,
      time: start,
      sampled,
      sampling: decision,
      operationId: route?.operationId,
      functionName: route?.functionName,
      done: false,
    };
    if (sampled) stored(traceId).request = record;

    let status: number;
    let invocation: Invocation | undefined;
    const headers: Record<string, string | string[]> = {
      'x-amzn-requestid': randomUUID(),
      'x-amzn-trace-id': `Root=${traceId};Sampled=${sampled ? 1 : 0}`,
    };
    let payload: Buffer;
    if (!route) {
      // What a REST API answers for a path or method it does not have.
      status = 403;
      headers['x-amzn-errortype'] = 'MissingAuthenticationTokenException';
      headers['content-type'] = 'application/json';
      payload = Buffer.from(JSON.stringify(MISSING_ROUTE));
      record.note = match.methodNotAllowed ? `no ${method} for this path in openapi/openapi.yaml` : 'no route in openapi/openapi.yaml';
    } else if (!existsSync(path.join(root, 'dist', route.operationId, 'index.js'))) {
      status = 502;
      headers['content-type'] = 'application/json';
      payload = Buffer.from(JSON.stringify(API_GATEWAY_ERROR));
      record.note = `dist/${route.operationId}/index.js is missing: add src/handlers/${route.operationId}.ts and run npm run build`;
    } else {
      const event = proxyEvent({
        method,
        resource: route.path,
        path: routePath,
        pathParameters: 'pathParameters' in match ? match.pathParameters : {},
        query: url.searchParams,
        rawHeaders: request.rawHeaders,
        body,
        stage: settings.stage,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        requestId: headers['x-amzn-requestid'] as string,
        traceHeader: `Root=${traceId};Parent=${settings.apiTracing ? invokeSubsegmentId : functionSegmentId};Sampled=${sampled ? 1 : 0}`,
      });
      invocation = await poolFor(route).invoke(event, `Root=${traceId};Parent=${functionSegmentId};Sampled=${sampled ? 1 : 0}`);
      record.coldStart = invocation.init !== undefined;
      const answer = proxyResponse(invocation.outcome.result);
      if (invocation.outcome.error !== undefined || !answer) {
        status = 502;
        headers['content-type'] = 'application/json';
        payload = Buffer.from(JSON.stringify(API_GATEWAY_ERROR));
        record.note =
          invocation.outcome.error !== undefined
            ? `the handler failed: ${invocation.outcome.errorType}: ${invocation.outcome.errorMessage}`
            : 'malformed Lambda proxy response (statusCode and a string body expected)';
        if (invocation.outcome.error !== undefined) print(paint(31, `    ${route.functionName} | ${invocation.outcome.error}`));
      } else {
        status = answer.status;
        Object.assign(headers, answer.headers);
        payload = answer.body;
      }
    }

    response.writeHead(status, headers);
    response.end(request.method === 'HEAD' ? undefined : payload);
    const end = Date.now();
    record.status = status;
    record.durationMs = end - start;
    records.push(record);
    if (records.length > 500) records.splice(0, records.length - 500);
    changed();

    let timeline: TraceTimeline | undefined;
    if (sampled) {
      const resourceArn = `arn:aws:lambda:${settings.region}:123456789012:function:${route?.functionName}`;
      if (settings.apiTracing) {
        addDocument({
          id: apiSegmentId,
          trace_id: traceId,
          name: serviceName,
          origin: 'AWS::ApiGateway::Stage',
          start_time: start / 1000,
          end_time: end / 1000,
          resource_arn: `arn:aws:apigateway:${settings.region}::/restapis/local/stages/${settings.stage}`,
          http: {
            request: { method, url: `http://${request.headers.host ?? '127.0.0.1'}${url.pathname}${url.search}`, client_ip: request.socket.remoteAddress, user_agent: request.headers['user-agent'] },
            response: { status, content_length: payload.length },
          },
          aws: { api_gateway: { account_id: '123456789012', rest_api_id: 'local', stage: settings.stage, request_id: headers['x-amzn-requestid'] } },
          annotations: {},
          metadata: {},
          ...statusFlags(status),
          subsegments:
            route && invocation
              ? [
                  {
                    id: invokeSubsegmentId,
                    name: 'Lambda',
                    namespace: 'aws',
                    start_time: invocation.start / 1000,
                    end_time: invocation.end / 1000,
                    http: { response: { status: 200 } },
                    aws: { function_name: route.functionName, region: settings.region, operation: 'Invoke', resource_names: [route.functionName] },
                  },
                ]
              : [],
        });
      }
      if (route && invocation) {
        const { outcome, init } = invocation;
        addDocument({
          id: functionSegmentId,
          trace_id: traceId,
          ...(settings.apiTracing ? { parent_id: invokeSubsegmentId } : {}),
          name: route.functionName,
          origin: 'AWS::Lambda::Function',
          start_time: (init?.start ?? invocation.start) / 1000,
          end_time: invocation.end / 1000,
          resource_arn: resourceArn,
          aws: { function_arn: resourceArn, resource_names: [route.functionName], account_id: '123456789012' },
          ...(outcome.error !== undefined
            ? {
                fault: true,
                cause: {
                  working_directory: root,
                  exceptions: [{ id: newSegmentId(), type: outcome.errorType ?? 'Error', message: outcome.errorMessage ?? '', remote: false }],
                },
              }
            : {}),
          subsegments: init ? [{ id: newSegmentId(), name: 'Initialization', start_time: init.start / 1000, end_time: init.end / 1000, aws: { function_arn: resourceArn } }] : [],
        });
      }
      await settle(traceId, end);
      timeline = buildTimeline(traceId, traces.get(traceId)?.documents ?? []);
      if (timeline.failing) {
        record.failing = describeFailing(timeline.failing);
        record.failingStatus = timeline.failing.status;
      }
    }
    record.done = true;
    changed();
    print(requestLine(record));
    if (timeline && options.printTimelines) print(formatTimeline(timeline, { color: options.color }).replace(/^/gm, '    '));
  }

  async function handleInternal(request: IncomingMessage, response: ServerResponse, url: URL, body: string | null): Promise<void> {
    const send = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(value));
    };
    const pathname = url.pathname.replace(/\/+$/, '') || '/';
    if (pathname === '/_traces' || pathname === '/_traces/app.js' || pathname === '/_traces/style.css') {
      const file = pathname === '/_traces' ? 'index.html' : path.basename(pathname);
      const type = { 'index.html': 'text/html', 'app.js': 'text/javascript', 'style.css': 'text/css' }[file] ?? 'text/plain';
      response.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
      response.end(await readFile(new URL(`../../web/${file}`, import.meta.url)));
      return;
    }
    if (pathname === '/_traces/api/state') {
      const since = Number(url.searchParams.get('since'));
      if (since === version) return send(200, { version, unchanged: true });
      const timelines = [...traces.entries()].filter(([, trace]) => trace.request?.done).map(([id, trace]) => buildTimeline(id, trace.documents));
      return send(200, {
        version,
        project: { name: settings.name, stage: settings.stage, apiTracing: settings.apiTracing, tracingMode: settings.tracingMode, sns: settings.sns },
        notes,
        sns: snsState(),
        routes: table.routes.map(({ method, path: routePath, operationId, functionName, rule }) => ({
          method,
          path: routePath,
          operationId,
          functionName,
          rule: rule ? { ruleName: rule.ruleName, reservoirSize: rule.reservoirSize, fixedRate: rule.fixedRate } : undefined,
        })),
        defaultRule: settings.defaultRule,
        requests: records.slice(-100).reverse(),
        map: buildServiceMap(timelines),
      });
    }
    const traceMatch = /^\/_traces\/api\/traces\/([^/]+)$/.exec(pathname);
    if (traceMatch) {
      const traceId = decodeURIComponent(traceMatch[1]!);
      const trace = traces.get(traceId);
      if (!trace) return send(404, { message: `No trace ${traceId} here: not sampled, or older than the last ${maxTraces}` });
      return send(200, { timeline: buildTimeline(traceId, trace.documents), request: trace.request, logs: trace.logs, documents: trace.documents });
    }
    if (pathname === '/_sns' || pathname === '/_sns/fail' || pathname === '/_sns/ok') {
      if (!sns) return send(404, { message: 'This project has no SNS topic (generated with --no-sns)' });
      if (pathname === '/_sns/fail' && request.method === 'POST') {
        let failure: Partial<SnsFailure> = {};
        try {
          failure = body ? (JSON.parse(body) as Partial<SnsFailure>) : {};
        } catch {
          return send(400, { message: 'The body must be JSON: {"status": 500, "code": "InternalError", "message": "..."} (each optional)' });
        }
        sns.failWith({ ...SNS_DOWN, ...failure });
        print(paint(33, `SNS now fails every call: ${sns.failingWith!.status} ${sns.failingWith!.code} (POST /_sns/ok to restore)`));
      } else if (pathname === '/_sns/ok' && request.method === 'POST') {
        sns.succeed();
        print(paint(32, 'SNS works again'));
      } else if (pathname !== '/_sns' || request.method !== 'GET') {
        return send(405, { message: 'GET /_sns, POST /_sns/fail or POST /_sns/ok' });
      }
      changed();
      return send(200, { ...snsState(), published: sns.published.slice(-50) });
    }
    send(404, { message: `Nothing at ${pathname}: the page is /_traces` });
  }

  function snsState() {
    if (!sns) return { enabled: false };
    if (sns.published.length > 200) sns.published.splice(0, sns.published.length - 200);
    if (sns.requests.length > 200) sns.requests.splice(0, sns.requests.length - 200);
    return { enabled: true, failing: sns.failingWith ?? null, published: sns.published.length, lastPublished: sns.published.at(-1) ?? null };
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const body = chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : null;
      const internal = url.pathname === '/_traces' || url.pathname.startsWith('/_traces/') || url.pathname === '/_sns' || url.pathname.startsWith('/_sns/');
      (internal ? handleInternal(request, response, url, body) : handleApi(request, response, url, body)).catch((error: unknown) => {
        print(paint(31, `dev server error on ${request.method} ${url.pathname}: ${error instanceof Error ? error.stack : String(error)}`));
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'dev server error' }));
      });
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 3000, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // The port is taken (EADDRINUSE): let go of the daemon's and SNS's sockets too, so the process can end.
    await Promise.all([daemon.stop(), sns?.stop()]);
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  // Rebuild on change: new code means new execution environments, as after a deploy.
  const watchers: FSWatcher[] = [];
  if (options.watch) {
    let timer: NodeJS.Timeout | undefined;
    let building = false;
    const rebuild = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        if (building) return rebuild();
        building = true;
        try {
          await runBuild(root, print);
          for (const pool of pools.values()) pool.recycle();
          print(paint(32, 'handlers rebuilt: the next requests start cold'));
        } catch (error) {
          print(paint(31, error instanceof Error ? error.message : String(error)));
        } finally {
          building = false;
        }
      }, 150);
    };
    // Each folder of src/ (but the dev server's own) on its own: a folder's watch sees its files however an editor
    // saves them (in place, or a new file renamed over the old one), where a watch on a file would lose it.
    const src = path.join(root, 'src');
    const watched = new Set<string>();
    const watchFolders = () => {
      for (const folder of foldersOf(src, [path.join(src, 'dev'), path.join(src, 'traces')])) {
        if (watched.has(folder)) continue;
        watched.add(folder);
        watchers.push(
          watch(folder, () => {
            watchFolders();
            rebuild();
          }),
        );
      }
    };
    watchFolders();
    watchers.push(
      watch(path.dirname(openapiPath), (_event, file) => {
        if (String(file) !== path.basename(openapiPath)) return;
        try {
          table = readRoutes(openapiPath, settings);
          sampler = new Sampler(table.rules, options.random);
          for (const warning of table.warnings) print(paint(33, warning));
          print(paint(32, `routes reloaded from ${path.relative(root, openapiPath)}: ${table.routes.map((route) => `${route.method} ${route.path}`).join(', ')}`));
          changed();
        } catch (error) {
          print(paint(31, `${path.relative(root, openapiPath)}: ${error instanceof Error ? error.message : String(error)}`));
        }
      }),
    );
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    sns,
    daemon,
    notes,
    requests: () => [...records],
    trace: (traceId) => {
      const trace = traces.get(traceId);
      return trace ? buildTimeline(traceId, trace.documents) : undefined;
    },
    async close() {
      for (const watcher of watchers) watcher.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((pool) => pool.stop()));
      await Promise.all([daemon.stop(), sns?.stop()]);
    },
  };
}

/** What API Gateway makes of a Lambda proxy result; undefined when it is malformed (API Gateway answers 502). */
function proxyResponse(result: APIGatewayProxyResult | undefined): { status: number; headers: Record<string, string | string[]>; body: Buffer } | undefined {
  if (!result || typeof result !== 'object' || !Number.isInteger(result.statusCode)) return undefined;
  if (result.body !== undefined && result.body !== null && typeof result.body !== 'string') return undefined;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    const existing = headers[name.toLowerCase()];
    headers[name.toLowerCase()] = [...(existing === undefined ? [] : [existing].flat()), ...values.map(String)];
  }
  const text = result.body ?? '';
  return { status: result.statusCode, headers, body: result.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text) };
}

/** What a developer should know about how this project traces, printed at start and shown on the page. */
export function describeSetup(settings: ProjectSettings, table: RouteTable): string[] {
  const notes: string[] = [];
  if (!settings.apiTracing) {
    notes.push(
      'API Gateway stage tracing is off (apiTracing false in .yo-rc.json, api_tracing_enabled in Terraform): API Gateway records no segment and makes no ' +
        'sampling decision, so the sampling rules of openapi/openapi.yaml do not act. ' +
        (settings.tracingMode === 'Active'
          ? "The functions (tracing mode Active) sample on their own, at Lambda's default of 1 request a second, then 5%."
          : 'The functions (tracing mode PassThrough) record nothing unless a caller sends a sampled X-Amzn-Trace-Id header.'),
    );
  }
  notes.push(...table.warnings);
  return notes;
}

/** `npm run build`, i.e. scripts/build.mjs; rejects with its output when it fails. */
export function runBuild(root: string, print: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) {
        for (const line of output.trim().split('\n').filter(Boolean)) print(`  built ${line}`);
        resolve();
      } else {
        reject(new Error(`npm run build failed (exit ${code}):\n${output}`));
      }
    });
  });
}

/** `folder` and every folder below it, but those in `skip`. */
function foldersOf(folder: string, skip: string[]): string[] {
  if (skip.includes(folder) || !existsSync(folder)) return [];
  const below = readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => foldersOf(path.join(folder, entry.name), skip));
  return [folder, ...below];
}
