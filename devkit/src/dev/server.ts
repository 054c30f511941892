// The dev server (npm run dev): the API on loopback, as API Gateway + Lambda + X-Ray would serve it, built from
// parts with one job each:
//   ./api-gateway.ts         the front: HTTP request -> route -> event -> invocation -> response, API Gateway's own answers
//   ./lambda-environment.ts  the functions' execution environments (./pool.ts), their environment variables, recycling
//   ./recorded-segments.ts   the stage's and the function's segments, as API Gateway and Lambda record them
//   ./trace-store.ts         the requests and traces kept for the page
//   ./internal-routes.ts     /_traces (the page and its JSON), /_sns (SNS failing on demand), /_xray (the X-Ray read API)
//   ./auth.ts                the operations' auth (API key, SigV4), enforced before any function runs
//   ./watcher.ts             rebuild on src/ change, reload the routes on an OpenAPI document change
// They pass one request's trace as a TraceContext (./trace-context.ts). This module starts them, and reads each
// request's URL and body within API Gateway's limits (./incoming.ts) before handing it to the front or the /_
// routes (the X-Ray read API at /_xray among them). The X-Ray SDK in the handler sends its
// subsegments to a local daemon, so a trace reads client -> API -> function -> SNS.
import { forTerminal, linesForTerminal } from '../terminal/text.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { SegmentDocument, TraceTimeline } from '../traces/segments.js';
import { readProjectSettings, type ProjectSettings } from '../contract/project.js';
import { LocalSns, type SnsFailure } from '../local/local-sns.js';
import { LocalXRayApi } from '../local/local-xray-api.js';
import { LocalXRayDaemon } from '../local/local-xray-daemon.js';
import { RecordedXRay } from './recorded-xray.js';
import { newLocalAuth, type LocalAuth } from './auth.js';
import { ApiGatewayFront, gatewayAnswer, GATEWAY_RESPONSES, MAX_PAYLOAD_BYTES, type GatewayResponse } from './api-gateway.js';
import { readBody, refuseUnread, requestUrl } from './incoming.js';
import { INTERNAL_BODY_LIMIT, InternalRoutes, SNS_DOWN } from './internal-routes.js';
import { LambdaEnvironment } from './lambda-environment.js';
import { output } from './output.js';
import { ServedRoutes, type RouteTable } from './routes.js';
import { TraceStore, type RequestRecord } from './trace-store.js';
import { runBuild, watchProject } from './watcher.js';

export type { RequestRecord } from './trace-store.js';
export { newTraceId } from './trace-context.js';
export { runBuild } from './watcher.js';
export { INTEGRATION_TIMEOUT_MS, MAX_PAYLOAD_BYTES } from './api-gateway.js';

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
  /** How long API Gateway waits for a function before it answers 504 (default INTEGRATION_TIMEOUT_MS, 29 s; tests pass less). */
  integrationTimeoutMs?: number;
  /** The API key and credentials the operations' auth accepts (default: fresh ones, printed at start). */
  auth?: LocalAuth;
}

export interface DevServer {
  url: string;
  port: number;
  /** The X-Ray read API over what this server recorded: AWS_ENDPOINT_URL_XRAY for the SDK, `npm run traces` and `npm run verify`. */
  xrayEndpoint: string;
  /** That API itself: its `destination` may play an account with Transaction Search (tests). */
  xrayApi: LocalXRayApi;
  sns?: LocalSns;
  daemon: LocalXRayDaemon;
  /** What passes the operations' auth: the local API key, and the local credentials to sign with (SigV4). */
  auth: LocalAuth;
  notes: string[];
  requests(): RequestRecord[];
  trace(traceId: string): TraceTimeline | undefined;
  close(): Promise<void>;
}


export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const root = options.root;
  const settings = options.project ?? readProjectSettings(root);
  const openapiPath = options.openapiPath ?? path.join(root, 'openapi', 'openapi.yaml');
  const out = output(options.print, options.color);

  if (options.build !== false) await runBuild(root, out.print);

  const routes = new ServedRoutes(openapiPath, settings, options.random);
  const store = new TraceStore(options.maxTraces);
  const daemon = await LocalXRayDaemon.start({ keep: false, onDocument: (document) => store.addDocument(document as SegmentDocument) });
  const sns = settings.sns ? await LocalSns.start() : undefined;
  if (sns && options.snsFailure) sns.failWith({ ...SNS_DOWN, ...options.snsFailure });
  const notes = describeSetup(settings, routes.table);
  const auth = options.auth ?? newLocalAuth(settings.region);

  const lambda = new LambdaEnvironment({
    root,
    settings,
    daemonAddress: daemon.address,
    sns,
    logLevel: options.logLevel,
    onLog: (route, line, traceId) => {
      store.addLog(traceId, line);
      if (options.echoLogs) out.print(out.paint(2, `    ${route.functionName} | ${forTerminal(typeof line === 'string' ? line : JSON.stringify(line))}`));
    },
    onStderr: (route, text) => {
      for (const line of linesForTerminal(text.replace(/\n+$/, ''), 50).filter((candidate) => candidate.trim() !== '')) out.print(out.paint(33, `    ${route.functionName} stderr | ${line}`));
    },
  });
  const front = new ApiGatewayFront({
    root,
    settings,
    routes,
    lambda,
    store,
    output: out,
    printTimelines: options.printTimelines,
    color: options.color,
    random: options.random,
    integrationTimeoutMs: options.integrationTimeoutMs,
    auth,
  });
  const xray = LocalXRayApi.over(new RecordedXRay(settings, routes, store), '/_xray');
  const internal = new InternalRoutes({ settings, routes, store, sns, notes, output: out, xray, port: () => (server.address() as AddressInfo).port });

  // API Gateway's answer to a request it does not take, printed as a request line.
  const refuse = (request: IncomingMessage, response: ServerResponse, refusal: GatewayResponse, why: string) => {
    refuseUnread(request, response, gatewayAnswer(refusal));
    out.print(`${forTerminal(request.method, 20)} ${forTerminal(request.url, 200)}  ${out.paint(33, String(refusal.status))}  ${out.paint(33, why)}`);
  };
  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const url = requestUrl(request);
    if (!url) return refuse(request, response, GATEWAY_RESPONSES.badRequest, 'malformed URL');
    const isInternal = InternalRoutes.owns(url.pathname);
    const limit = isInternal ? INTERNAL_BODY_LIMIT : MAX_PAYLOAD_BYTES;
    const read = await readBody(request, limit);
    if (!('body' in read)) return refuse(request, response, GATEWAY_RESPONSES.requestTooLarge, `body over ${limit >= 1024 * 1024 ? `${limit / 1024 / 1024} MB` : `${limit / 1024} KB`}, not read`);
    const body = read.body ? read.body.toString('utf8') : null;
    await (isInternal ? internal.handle(request, response, url, body) : front.handle(request, response, url, body));
  };
  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      out.print(out.paint(31, `dev server error on ${forTerminal(request.method, 20)} ${forTerminal(request.url, 200)}: ${linesForTerminal(error instanceof Error ? error.stack : String(error), 20).join('\n')}`));
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'dev server error' }));
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
  const watcher = options.watch ? watchProject({ root, openapiPath, routes, lambda, store, output: out }) : undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    xrayEndpoint: `http://127.0.0.1:${port}/_xray`,
    xrayApi: xray,
    sns,
    daemon,
    auth,
    notes,
    requests: () => store.requests(),
    trace: (traceId) => store.timeline(traceId),
    async close() {
      watcher?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await lambda.stop();
      await Promise.all([daemon.stop(), sns?.stop()]);
    },
  };
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
