// The execution environments of one function, as Lambda keeps them: a new one (a cold start: a Node process
// loading the bundle) when every existing one is busy, reused (warm) afterwards, one invocation at a time each.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { startBuiltLambda, type BuiltLambda, type Outcome } from '../local/lambda-runtime.js';

export interface Invocation {
  outcome: Outcome;
  /** Epoch ms. */
  start: number;
  end: number;
  /** Set on a cold start: when loading the bundle started and ended, epoch ms. */
  init?: { start: number; end: number };
}

export interface PoolOptions {
  bundle: string;
  functionName: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** The function's memory setting in MB: beyond it an invocation fails as Lambda's does (Runtime.OutOfMemory). */
  memoryMb?: number;
  /** A line the function logged, with the trace id of the invocation it belongs to. */
  onLog?: (line: Record<string, unknown> | string, traceId: string | undefined) => void;
  onStderr?: (text: string) => void;
  /** At most this many environments at once (the function's concurrency); more requests wait. */
  maxConcurrency?: number;
}

interface Environment {
  lambda: BuiltLambda;
  traceId?: string;
  generation: number;
}

export class FunctionPool {
  private readonly options: PoolOptions;
  private readonly idle: Environment[] = [];
  private readonly all = new Set<Environment>();
  private readonly waiters: ((environment: Environment) => void)[] = [];
  private generation = 0;

  constructor(options: PoolOptions) {
    this.options = options;
  }

  get size(): number {
    return this.all.size;
  }

  /** Runs `event` with `trace` (the header its process gets as _X_AMZN_TRACE_ID, and its trace id for the logs). */
  async invoke(event: APIGatewayProxyEvent, trace: { header: string; traceId: string }): Promise<Invocation> {
    const start = Date.now();
    const { environment, cold } = await this.acquire();
    environment.traceId = trace.traceId;
    try {
      let init: { start: number; end: number } | undefined;
      if (cold) {
        try {
          init = await environment.lambda.ready;
        } catch (error) {
          // The bundle did not load (Runtime.ImportModuleError in Lambda), or went over its memory loading.
          const message = error instanceof Error ? error.message : String(error);
          const errorType = (error as { errorType?: string }).errorType ?? 'Runtime.ImportModuleError';
          return { outcome: { error: message, errorType, errorMessage: message.split('\n')[0] }, start, end: Date.now() };
        }
      }
      const outcome = await environment.lambda.invokeOutcome(event, trace.header);
      return { outcome, start, end: Date.now(), init };
    } finally {
      environment.traceId = undefined;
      this.release(environment);
    }
  }

  /** Drops every environment (new code was built): the next invocations start cold. */
  recycle(): void {
    this.generation += 1;
    for (const environment of this.idle.splice(0)) this.discard(environment);
  }

  async stop(): Promise<void> {
    this.generation += 1;
    await Promise.all([...this.all].map((environment) => this.discard(environment)));
  }

  private async acquire(): Promise<{ environment: Environment; cold: boolean }> {
    const warm = this.idle.pop();
    if (warm) return { environment: warm, cold: false };
    if (this.all.size < (this.options.maxConcurrency ?? 10)) {
      const environment: Environment = { lambda: undefined as unknown as BuiltLambda, generation: this.generation };
      this.all.add(environment);
      try {
        environment.lambda = await startBuiltLambda(this.options.bundle, this.options.functionName, this.options.env, {
          timeoutMs: this.options.timeoutMs,
          memoryMb: this.options.memoryMb,
          onStdout: (line) => {
            const traceId = typeof line === 'object' && typeof line.xray_trace_id === 'string' ? line.xray_trace_id : environment.traceId;
            this.options.onLog?.(line, traceId);
          },
          onStderr: this.options.onStderr,
        });
      } catch (error) {
        this.all.delete(environment);
        throw error;
      }
      return { environment, cold: true };
    }
    return { environment: await new Promise<Environment>((resolve) => this.waiters.push(resolve)), cold: false };
  }

  private release(environment: Environment): void {
    if (environment.lambda.exited || environment.generation !== this.generation) {
      void this.discard(environment);
      // A waiting request gets a fresh environment instead.
      const waiter = this.waiters.shift();
      if (waiter) void this.acquire().then(({ environment: fresh }) => waiter(fresh));
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(environment);
    else this.idle.push(environment);
  }

  private async discard(environment: Environment): Promise<void> {
    this.all.delete(environment);
    const index = this.idle.indexOf(environment);
    if (index >= 0) this.idle.splice(index, 1);
    await environment.lambda?.stop();
  }
}
