// The dev server's own routes, beside the API's: the trace page (/_traces), the JSON it polls
// (/_traces/api/state, /_traces/api/traces/<id>), SNS on demand (/_sns, /_sns/fail, /_sns/ok), and the X-Ray
// read API over what it recorded (/_xray/<operation>: AWS_ENDPOINT_URL_XRAY=http://127.0.0.1:<port>/_xray).
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProjectSettings } from '../contract/project.js';
import type { LocalSns, SnsFailure } from '../local/local-sns.js';
import type { LocalXRayApi } from '../local/local-xray-api.js';
import { buildServiceMap } from '../traces/segments.js';
import type { Output } from './output.js';
import type { ServedRoutes } from './routes.js';
import type { TraceStore } from './trace-store.js';

/** The largest body these routes read (a POST /_sns/fail is a few bytes). */
export const INTERNAL_BODY_LIMIT = 64 * 1024;

/** The names a browser on this machine reaches the server by. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** What SNS answers while it fails on demand, unless told otherwise. */
export const SNS_DOWN: SnsFailure = { status: 500, code: 'InternalError', message: 'SNS is failing on demand (npm run dev)' };

const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/_traces': { file: 'index.html', type: 'text/html' },
  '/_traces/app.js': { file: 'app.js', type: 'text/javascript' },
  '/_traces/style.css': { file: 'style.css', type: 'text/css' },
};

export interface InternalRoutesOptions {
  settings: ProjectSettings;
  routes: ServedRoutes;
  store: TraceStore;
  sns?: LocalSns;
  /** What the server says about this project's tracing (describeSetup). */
  notes: string[];
  output: Output;
  /** The X-Ray read API over what the server recorded. */
  xray: LocalXRayApi;
  /** The port the server listens on. */
  port(): number;
}

export class InternalRoutes {
  private readonly options: InternalRoutesOptions;

  constructor(options: InternalRoutesOptions) {
    this.options = options;
  }

  /** Whether a path is one of these routes rather than the API's. */
  static owns(pathname: string): boolean {
    return pathname === '/_traces' || pathname.startsWith('/_traces/') || pathname === '/_sns' || pathname.startsWith('/_sns/') || pathname.startsWith('/_xray/');
  }

  async handle(request: IncomingMessage, response: ServerResponse, url: URL, body: string | null): Promise<void> {
    const { store } = this.options;
    const refusal = refuseForeign(request, this.options.port());
    if (refusal) return send(response, 403, { message: `${refusal}: the dev server's own routes answer pages it serves itself, on 127.0.0.1, localhost or [::1]` });
    const pathname = url.pathname.replace(/\/+$/, '') || '/';
    if (pathname.startsWith('/_xray/')) return this.options.xray.handle(request, response, pathname.slice('/_xray'.length), body);
    const page = PAGE_FILES[pathname];
    if (page) {
      response.writeHead(200, { 'content-type': `${page.type}; charset=utf-8`, 'cache-control': 'no-store' });
      response.end(await readFile(new URL(`../../web/${page.file}`, import.meta.url)));
      return;
    }
    if (pathname === '/_traces/api/state') {
      const since = url.searchParams.get('since');
      if (since !== null && !/^-?\d{1,15}$/.test(since)) return send(response, 400, { message: `since=${since}: give the version of the last state seen (a whole number)` });
      return send(response, 200, this.state(since === null ? undefined : Number(since)));
    }
    const traceMatch = /^\/_traces\/api\/traces\/([^/]+)$/.exec(pathname);
    if (traceMatch) {
      // requestUrl() let only well-formed percent-escapes in.
      const traceId = decodeURIComponent(traceMatch[1]!);
      if (!/^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(traceId)) return send(response, 400, { message: `${JSON.stringify(traceId)} is not an X-Ray trace id (1-<8 hex digits>-<24 hex digits>)` });
      const trace = store.get(traceId);
      if (!trace) return send(response, 404, { message: `No trace ${traceId} here: not sampled, or older than the last ${store.maxTraces}` });
      return send(response, 200, { timeline: store.timeline(traceId), request: trace.request, logs: trace.logs.toArray(), documents: trace.documents.toArray() });
    }
    if (pathname === '/_sns' || pathname === '/_sns/fail' || pathname === '/_sns/ok') return this.sns(request, response, pathname, body);
    send(response, 404, { message: `Nothing at ${pathname}: the page is /_traces` });
  }

  /** What the page shows, or only the version when it has not changed since the page's last poll. */
  private state(since: number | undefined): unknown {
    const { store, settings, routes, notes } = this.options;
    if (since === store.version) return { version: store.version, unchanged: true };
    return {
      version: store.version,
      project: { name: settings.name, stage: settings.stage, apiTracing: settings.apiTracing, tracingMode: settings.tracingMode, sns: settings.sns },
      notes,
      sns: this.snsState(),
      routes: routes.table.routes.map(({ method, path: routePath, operationId, functionName, rule }) => ({
        method,
        path: routePath,
        operationId,
        functionName,
        rule: rule ? { ruleName: rule.ruleName, reservoirSize: rule.reservoirSize, fixedRate: rule.fixedRate } : undefined,
      })),
      defaultRule: settings.defaultRule,
      requests: store.requests().slice(-100).reverse(),
      map: buildServiceMap(store.doneTimelines()),
    };
  }

  private sns(request: IncomingMessage, response: ServerResponse, pathname: string, body: string | null): void {
    const { sns, output, store } = this.options;
    if (!sns) return send(response, 404, { message: 'This project has no SNS topic (generated with --no-sns)' });
    if (pathname === '/_sns/fail' && request.method === 'POST') {
      const failure = snsFailure(body);
      if (typeof failure === 'string') return send(response, 400, { message: failure });
      sns.failWith({ ...SNS_DOWN, ...failure });
      output.print(output.paint(33, `SNS now fails every call: ${sns.failingWith!.status} ${sns.failingWith!.code} (POST /_sns/ok to restore)`));
    } else if (pathname === '/_sns/ok' && request.method === 'POST') {
      sns.succeed();
      output.print(output.paint(32, 'SNS works again'));
    } else if (pathname !== '/_sns' || request.method !== 'GET') {
      return send(response, 405, { message: 'GET /_sns, POST /_sns/fail or POST /_sns/ok' });
    }
    store.changed();
    send(response, 200, { ...this.snsState(), published: sns.published.slice(-50) });
  }

  private snsState() {
    const { sns } = this.options;
    if (!sns) return { enabled: false };
    if (sns.published.length > 200) sns.published.splice(0, sns.published.length - 200);
    if (sns.requests.length > 200) sns.requests.splice(0, sns.requests.length - 200);
    return { enabled: true, failing: sns.failingWith ?? null, published: sns.published.length, lastPublished: sns.published.at(-1) ?? null };
  }
}

/** Why a request to these routes is refused: not to this server on loopback, or from another origin; undefined when it is not. */
export function refuseForeign(request: IncomingMessage, port: number): string | undefined {
  const host = request.headers.host?.toLowerCase();
  const hosts = LOOPBACK_HOSTS.flatMap((name) => (port === 80 ? [name, `${name}:80`] : [`${name}:${port}`]));
  if (!host || !hosts.includes(host)) return `Host ${host ?? '(none)'} is not this server on loopback`;
  const origin = request.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) return `Origin ${origin} is not this page's`;
  const site = request.headers['sec-fetch-site'];
  // same-origin: the page's own requests; none: the developer typed the address.
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site ${site}`;
  return undefined;
}

const SNS_FAILURE_USAGE = 'The body must be empty or JSON: {"status": 500, "code": "InternalError", "message": "..."} (each optional)';

/** The failure a POST /_sns/fail asks for, or why it is refused. */
function snsFailure(body: string | null): Partial<SnsFailure> | string {
  if (!body || body.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return SNS_FAILURE_USAGE;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return SNS_FAILURE_USAGE;
  const { status, code, message, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return `Unknown field ${unknown.join(', ')}: ${SNS_FAILURE_USAGE}`;
  if (status !== undefined && !(Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599)) {
    return `status ${JSON.stringify(status)}: an SNS error status is a whole number from 400 to 599`;
  }
  if (code !== undefined && !(typeof code === 'string' && /^[A-Za-z][A-Za-z0-9.]{0,99}$/.test(code))) {
    return `code ${JSON.stringify(code)}: an SNS error code is letters, digits and dots, up to 100 (e.g. InternalError, Throttling)`;
  }
  if (message !== undefined && !(typeof message === 'string' && message.length <= 1000 && !/[\u0000-\u001f]/.test(message))) {
    return 'message: a string of up to 1000 characters, on one line';
  }
  return { ...(status !== undefined ? { status: status as number } : {}), ...(code !== undefined ? { code: code as string } : {}), ...(message !== undefined ? { message: message as string } : {}) };
}

function send(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(value));
}
