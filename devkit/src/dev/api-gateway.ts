// The API Gateway front: an HTTP request -> its route in the OpenAPI document -> the sampling decision -> the
// Lambda proxy event -> the function's invocation -> the HTTP response, with API Gateway's own answers where it
// gives them (no route, a failed or malformed invocation). It records the stage's and the function's segments
// of a sampled request and prints one line per request.
import { forTerminal, linesForTerminal } from '../terminal/text.js';
import { randomUUID } from 'node:crypto';
import { validateHeaderName, validateHeaderValue, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { ProjectSettings } from '../contract/project.js';
import { describeFailing, type TraceTimeline } from '../traces/segments.js';
import { formatTimeline } from '../traces/terminal.js';
import { authRefusal, type AuthRefusal, type LocalAuth } from './auth.js';
import type { LambdaEnvironment } from './lambda-environment.js';
import type { Output } from './output.js';
import type { Invocation } from './pool.js';
import { functionSegment, stageSegment } from './recorded-segments.js';
import { matchRoute, type Match, type Route, type ServedRoutes } from './routes.js';
import { LAMBDA_DEFAULT_RULE, Sampler, type SamplingDecision } from './sampling.js';
import { newTraceContext, readTraceHeader, traceHeader, type IncomingTrace, type TraceContext } from './trace-context.js';
import type { RequestRecord, TraceStore } from './trace-store.js';

/** How long API Gateway waits for a Lambda integration (REST API default, 29 s) before it answers 504. */
export const INTEGRATION_TIMEOUT_MS = 29_000;
/** The largest request body API Gateway accepts (10 MB); beyond it, 413. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** API Gateway's own answers (its default gateway responses), as JSON bodies. */
export const GATEWAY_RESPONSES = {
  missingRoute: { status: 403, errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
  integrationFailure: { status: 502, message: 'Internal server error' },
  integrationTimeout: { status: 504, message: 'Endpoint request timed out' },
  requestTooLarge: { status: 413, message: 'Request Too Long' },
  badRequest: { status: 400, message: 'Bad Request' },
} as const;

export interface GatewayResponse {
  status: number;
  errorType?: string;
  message: string;
}

export interface ApiGatewayOptions {
  root: string;
  settings: ProjectSettings;
  routes: ServedRoutes;
  lambda: LambdaEnvironment;
  store: TraceStore;
  output: Output;
  /** Print each sampled request's timeline under its line. */
  printTimelines?: boolean;
  color?: boolean;
  /** Sampling's random draw (tests). */
  random?: () => number;
  /** Default INTEGRATION_TIMEOUT_MS (tests pass less). */
  integrationTimeoutMs?: number;
  /** The API key and credentials that pass the operations' auth. */
  auth: LocalAuth;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export class ApiGatewayFront {
  private readonly options: ApiGatewayOptions;
  private readonly lambdaSampler: Sampler;

  constructor(options: ApiGatewayOptions) {
    this.options = options;
    this.lambdaSampler = new Sampler([LAMBDA_DEFAULT_RULE], options.random);
  }

  async handle(request: IncomingMessage, response: ServerResponse, url: URL, body: string | null): Promise<void> {
    const { settings, store, lambda } = this.options;
    const start = Date.now();
    const method = request.method ?? 'GET';
    const { match, routePath } = this.route(method, url.pathname);
    const route = match.route;
    const incoming = readTraceHeader(request.headers['x-amzn-trace-id']);
    const trace = newTraceContext(incoming, this.decide(incoming, method, routePath, match), settings.apiTracing);
    const record: RequestRecord = {
      seq: store.nextSeq(),
      traceId: trace.traceId,
      method,
      path: url.pathname + url.search,
      status: 0,
      durationMs: 0,
      time: start,
      sampled: trace.sampled,
      sampling: trace.decision,
      operationId: route?.operationId,
      functionName: route?.functionName,
      done: false,
    };
    if (trace.sampled) store.keepTrace(record);

    const requestId = randomUUID();
    let answer: Answer;
    let invocation: Invocation | undefined;
    let invoked: Promise<Invocation> | undefined;
    let timedOutAt: number | undefined;
    let refusal: AuthRefusal | undefined;
    if (!route) {
      answer = gatewayAnswer(GATEWAY_RESPONSES.missingRoute);
      record.note = match.methodNotAllowed ? `no ${method} for this path in openapi/openapi.yaml` : 'no route in openapi/openapi.yaml';
    } else if ((refusal = await authRefusal(route.auth, { method, target: request.url ?? '/', headers: request.headers, body }, this.options.auth))) {
      // Refused before any function runs: the trace holds the stage's segment alone.
      answer = gatewayAnswer(refusal);
      record.note = `refused (${route.auth}): ${refusal.why}`;
    } else if (!lambda.isBuilt(route)) {
      answer = gatewayAnswer(GATEWAY_RESPONSES.integrationFailure);
      record.note = `dist/${route.operationId}/index.js is missing: add src/handlers/${route.operationId}.ts and run npm run build`;
    } else {
      invoked = lambda.invoke(
        route,
        {
          method,
          resource: route.path,
          path: routePath,
          pathParameters: match.route ? match.pathParameters : {},
          query: url.searchParams,
          rawHeaders: request.rawHeaders,
          body,
          stage: settings.stage,
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          requestId,
        },
        trace,
      );
      invocation = await this.withinIntegrationTimeout(invoked);
      if (!invocation) {
        // API Gateway gives up; the function runs on to its own end (or timeout), its segment recorded then.
        answer = gatewayAnswer(GATEWAY_RESPONSES.integrationTimeout);
        timedOutAt = Date.now();
        record.note = `no answer from ${route.functionName} within API Gateway's ${this.integrationTimeoutMs / 1000} s integration timeout`;
      } else {
        answer = this.answerOf(route, invocation, record);
      }
    }

    response.writeHead(answer.status, { 'x-amzn-requestid': requestId, 'x-amzn-trace-id': traceHeader(trace), ...answer.headers });
    response.end(method === 'HEAD' ? undefined : answer.body);
    const end = Date.now();
    record.status = answer.status;
    record.durationMs = end - start;
    store.addRecord(record);

    // After a 504, the function's own end (its outcome, and its segment).
    if (invoked && !invocation) {
      invocation = await invoked;
      record.coldStart = invocation.init !== undefined;
    }
    let timeline: TraceTimeline | undefined;
    if (trace.sampled) {
      const invoke = route && invocation ? { functionName: route.functionName, invocation, timedOutAt } : undefined;
      this.record(trace, request, url, { requestId, status: answer.status, contentLength: answer.body.length, start, end }, invoke);
      await store.settle(trace.traceId, end);
      timeline = store.timeline(trace.traceId);
      if (timeline?.failing) {
        record.failing = describeFailing(timeline.failing);
        record.failingStatus = timeline.failing.status;
      }
    }
    record.done = true;
    store.changed();
    this.options.output.print(this.requestLine(record));
    if (timeline && this.options.printTimelines) this.options.output.print(formatTimeline(timeline, { color: this.options.color }).replace(/^/gm, '    '));
  }

  /** What API Gateway answers for an invocation: the function's proxy response, or 502 when it failed or is malformed. */
  private answerOf(route: Route, invocation: Invocation, record: RequestRecord): Answer {
    const { output } = this.options;
    record.coldStart = invocation.init !== undefined;
    const { outcome } = invocation;
    const proxied = proxyResponse(outcome.result);
    if (outcome.error === undefined && proxied) return proxied;
    if (outcome.error !== undefined) {
      record.note = `the handler failed: ${forTerminal(outcome.errorType, 100)}: ${forTerminal(outcome.errorMessage)}`;
      for (const line of linesForTerminal(outcome.error, 20)) output.print(output.paint(31, `    ${route.functionName} | ${line}`));
    } else {
      record.note = 'malformed Lambda proxy response (statusCode and a string body expected)';
    }
    return gatewayAnswer(GATEWAY_RESPONSES.integrationFailure);
  }

  private get integrationTimeoutMs(): number {
    return this.options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
  }

  /** The invocation, or undefined when it takes longer than API Gateway waits. */
  private async withinIntegrationTimeout(invoked: Promise<Invocation>): Promise<Invocation | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.integrationTimeoutMs);
    });
    try {
      return await Promise.race([invoked, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The route API Gateway picks; the deployed URL has the stage in front (/dev/orders), served too. */
  private route(method: string, pathname: string): { match: Match; routePath: string } {
    const { routes, settings } = this.options;
    const match = matchRoute(routes.table.routes, method, pathname);
    if (!match.route && pathname.startsWith(`/${settings.stage}/`)) {
      const withoutStage = pathname.slice(settings.stage.length + 1);
      const retry = matchRoute(routes.table.routes, method, withoutStage);
      if (retry.route) return { match: retry, routePath: withoutStage };
    }
    return { match, routePath: pathname };
  }

  /** Who samples: API Gateway by the rules when stage tracing is on, else Lambda on its own (Active) or nobody. */
  private decide(incoming: IncomingTrace, method: string, routePath: string, match: Match): SamplingDecision | undefined {
    const { settings, routes } = this.options;
    if (incoming.sampled !== undefined) return { sampled: incoming.sampled, rule: 'X-Amzn-Trace-Id', reason: 'upstream header' };
    if (settings.apiTracing) return routes.sampler.decide(method, `/${settings.stage}${routePath}`);
    if (!match.route) return undefined;
    if (settings.tracingMode === 'Active') return this.lambdaSampler.decide(method, routePath);
    return { sampled: false, rule: 'PassThrough', reason: 'PassThrough' };
  }

  /** The stage's and the function's segments, as API Gateway and Lambda record them. */
  private record(
    trace: TraceContext,
    request: IncomingMessage,
    url: URL,
    answered: { requestId: string; status: number; contentLength: number; start: number; end: number },
    invoked: { functionName: string; invocation: Invocation; timedOutAt?: number } | undefined,
  ): void {
    const { settings, store, root } = this.options;
    if (settings.apiTracing) {
      const stageRequest = {
        ...answered,
        method: request.method ?? 'GET',
        url: `http://${request.headers.host ?? '127.0.0.1'}${url.pathname}${url.search}`,
        clientIp: request.socket.remoteAddress,
        userAgent: request.headers['user-agent'],
      };
      const invoke = invoked && {
        functionName: invoked.functionName,
        start: invoked.invocation.start,
        end: invoked.timedOutAt ?? invoked.invocation.end,
        timedOut: invoked.timedOutAt !== undefined,
      };
      store.addDocument(stageSegment(settings, trace, stageRequest, invoke));
    }
    if (invoked) store.addDocument(functionSegment(settings, trace, invoked.functionName, invoked.invocation, root));
  }

  private requestLine(record: RequestRecord): string {
    const { paint } = this.options.output;
    const statusColor = record.status >= 500 ? 31 : record.status >= 400 ? 33 : 32;
    const parts = [`${record.method} ${forTerminal(record.path, 200)}`, paint(statusColor, String(record.status)), `${record.durationMs} ms`, `trace ${record.traceId}`];
    if (!record.sampled) parts.push(paint(2, record.sampling ? `not sampled (${record.sampling.rule}: ${record.sampling.reason})` : 'not sampled'));
    if (record.coldStart) parts.push(paint(2, 'cold start'));
    if (record.note) parts.push(paint(33, forTerminal(record.note)));
    const failing = record.failing && forTerminal(record.failing);
    if (failing) parts.push(record.failingStatus === 'fault' ? paint(31, `failing: ${failing}`) : paint(33, `${record.failingStatus}: ${failing}`));
    return parts.join('  ');
  }
}

/** One of API Gateway's own answers. */
export function gatewayAnswer({ status, errorType, message }: GatewayResponse): Answer {
  return {
    status,
    headers: { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) },
    body: Buffer.from(JSON.stringify({ message })),
  };
}

/** What API Gateway makes of a Lambda proxy result; undefined when it is malformed (API Gateway answers 502). */
function proxyResponse(result: APIGatewayProxyResult | undefined): Answer | undefined {
  if (!result || typeof result !== 'object' || !Number.isInteger(result.statusCode) || result.statusCode < 100 || result.statusCode > 599) return undefined;
  if (result.body !== undefined && result.body !== null && typeof result.body !== 'string') return undefined;
  const headers: Record<string, string | string[]> = {};
  try {
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[checkedHeader(name, value)] = String(value);
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
      if (!Array.isArray(values)) return undefined;
      const existing = headers[name.toLowerCase()];
      headers[checkedHeader(name, ...values)] = [...(existing === undefined ? [] : [existing].flat()), ...values.map(String)];
    }
  } catch {
    return undefined;
  }
  const text = result.body ?? '';
  return { status: result.statusCode, headers, body: result.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text) };
}

/** The header's name in lower case; throws when the name or a value cannot be sent in HTTP. */
function checkedHeader(name: string, ...values: unknown[]): string {
  validateHeaderName(name);
  for (const value of values) validateHeaderValue(name, String(value));
  return name.toLowerCase();
}
