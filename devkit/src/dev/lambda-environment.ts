// The functions, as Lambda runs them: one pool of execution environments per route's function (./pool.ts),
// each process given the environment variables Lambda sets (and the local SNS and X-Ray daemon as its AWS),
// recycled when new code is built. The trace crosses into the function's process here, as the header of its
// event and its _X_AMZN_TRACE_ID.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProjectSettings } from '../contract/project.js';
import { proxyEvent, type ProxyRequest } from '../local/events.js';
import type { LocalSns } from '../local/local-sns.js';
import { FunctionPool, type Invocation } from './pool.js';
import type { Route } from './routes.js';
import { traceHeader, type TraceContext } from './trace-context.js';
import type { LogLine } from './trace-store.js';

export interface LambdaEnvironmentOptions {
  root: string;
  settings: ProjectSettings;
  /** The local X-Ray daemon's host:port. */
  daemonAddress: string;
  sns?: LocalSns;
  /** The handlers' LOG_LEVEL (default INFO, as deployed). */
  logLevel?: string;
  /** A line a function logged, with the trace id of the invocation it belongs to. */
  onLog(route: Route, line: LogLine, traceId: string | undefined): void;
  onStderr(route: Route, text: string): void;
}

/** What API Gateway sends for a request, but the trace header, which is added as it crosses into the function. */
export type FunctionRequest = Omit<ProxyRequest, 'traceHeader'>;

const NO_AWS_CONFIG = path.join(os.tmpdir(), 'traced-api-dev-no-aws-config');

export class LambdaEnvironment {
  private readonly options: LambdaEnvironmentOptions;
  private readonly pools = new Map<string, FunctionPool>();

  constructor(options: LambdaEnvironmentOptions) {
    this.options = options;
  }

  /** The route's built handler, dist/<operationId>/index.js. */
  bundleOf(route: Route): string {
    return path.join(this.options.root, 'dist', route.operationId, 'index.js');
  }

  isBuilt(route: Route): boolean {
    return existsSync(this.bundleOf(route));
  }

  /** Invokes the route's function with the event API Gateway makes of `request`, within `trace`. */
  invoke(route: Route, request: FunctionRequest, trace: TraceContext): Promise<Invocation> {
    // API Gateway names its Invoke subsegment as the parent; Lambda gives the handler its own segment's id.
    const event = proxyEvent({ ...request, traceHeader: traceHeader(trace, trace.parent ?? trace.segmentIds.function) });
    return this.poolFor(route).invoke(event, { header: traceHeader(trace, trace.segmentIds.function), traceId: trace.traceId });
  }

  /** New code was built: every function starts cold next time, as after a deploy. */
  recycle(): void {
    for (const pool of this.pools.values()) pool.recycle();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.stop()));
  }

  private poolFor(route: Route): FunctionPool {
    const bundle = this.bundleOf(route);
    const key = `${route.functionName}\u0000${bundle}`;
    let pool = this.pools.get(key);
    if (!pool) {
      const { settings } = this.options;
      pool = new FunctionPool({
        bundle,
        functionName: route.functionName,
        timeoutMs: settings.lambdaTimeoutSeconds * 1000,
        memoryMb: settings.lambdaMemoryMb,
        env: this.environmentVariables(route, bundle),
        onLog: (line, traceId) => this.options.onLog(route, line, traceId),
        onStderr: (text) => this.options.onStderr(route, text),
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** What Lambda sets in a function's environment, pointed at the local endpoints. */
  private environmentVariables(route: Route, bundle: string): Record<string, string> {
    const { settings, sns } = this.options;
    const passThrough = Object.fromEntries(
      Object.entries(process.env).filter(([key, value]) => key.startsWith('AWS_ENDPOINT_URL_') && key !== 'AWS_ENDPOINT_URL_SNS' && value !== undefined),
    ) as Record<string, string>;
    return {
      ...passThrough,
      PATH: process.env.PATH ?? '',
      TZ: ':UTC',
      NODE_OPTIONS: '--enable-source-maps',
      LAMBDA_TASK_ROOT: path.dirname(bundle),
      AWS_EXECUTION_ENV: `AWS_Lambda_${settings.runtime}`,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.lambdaMemoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${route.functionName}`,
      AWS_REGION: settings.region,
      AWS_DEFAULT_REGION: settings.region,
      // Credentials that sign requests to the local endpoints, and no developer's AWS profile.
      AWS_ACCESS_KEY_ID: 'dev',
      AWS_SECRET_ACCESS_KEY: 'dev',
      AWS_SESSION_TOKEN: 'dev',
      AWS_CONFIG_FILE: NO_AWS_CONFIG,
      AWS_SHARED_CREDENTIALS_FILE: NO_AWS_CONFIG,
      AWS_XRAY_DAEMON_ADDRESS: this.options.daemonAddress,
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
      LOG_LEVEL: this.options.logLevel ?? 'INFO',
      ...(sns ? { AWS_ENDPOINT_URL_SNS: sns.url, SNS_TOPIC_ARN: `arn:aws:sns:${settings.region}:123456789012:${settings.topicName}` } : {}),
    };
  }
}
