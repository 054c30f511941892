// Runs a built handler bundle the way the Lambda Node.js runtime does: in its own Node process, loaded
// once at init (no trace header yet), then invoked with _X_AMZN_TRACE_ID set to each invocation's header,
// one invocation at a time. With `concurrency` it runs them as Lambda Managed Instances do instead: several at
// once in the one process, each invocation's trace header in the runtime's InvokeStore (@aws/lambda-invoke-store,
// on AsyncLocalStorage), not in the environment. The tests use it, and the dev server (npm run dev) runs every
// function in it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createRequire } from 'node:module';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { BoundedBuffer, cutLine, keepTail, LOG_LINE_LIMIT } from './bounded.js';
import { lambdaContext } from './events.js';

/** Lambda's limit on a synchronous invocation's response payload, in bytes: over it, the invocation fails. */
export const RESPONSE_PAYLOAD_LIMIT = 6_291_556;
/** What Lambda reports for a response over the limit (API Gateway then answers 502). */
export const RESPONSE_TOO_LARGE = {
  errorType: 'Function.ResponseSizeTooLarge',
  errorMessage: `Response payload size exceeded maximum allowed payload size (${RESPONSE_PAYLOAD_LIMIT} bytes).`,
} as const;
/** The log lines and stderr a function's process keeps, however much it writes. */
const KEPT_LOG_LINES = 1000;
const KEPT_LOG_CHARS = 2 * 1024 * 1024;
const KEPT_STDERR_CHARS = 64 * 1024;

// Mark the lines that carry the end of init and an invocation's outcome on stdout, among the handler's logs.
const READY = '\u001elambda-ready';
const RESULT = '\u001elambda-result ';

const invokeStoreModule = createRequire(import.meta.url).resolve('@aws/lambda-invoke-store');

// CommonJS, run with `node -e`: loads the bundle, then runs one invocation per line read from stdin.
const RUNTIME = `
const concurrent = 'AWS_LAMBDA_MAX_CONCURRENCY' in process.env;
(async () => {
  // The runtime makes its InvokeStore (globalThis.awslambda.InvokeStore) before it loads the function.
  const { InvokeStore } = require(process.argv[2]);
  const store = concurrent ? await InvokeStore.getInstanceAsync() : undefined;
  const { handler } = require(process.argv[1]);
  process.stdout.write(${JSON.stringify(READY)} + '\\n');
  const lines = require('node:readline').createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    const { id, event, traceHeader, context, timeoutMs } = JSON.parse(line);
    const invoke = async () => {
      const deadline = Date.now() + timeoutMs;
      context.getRemainingTimeInMillis = () => Math.max(0, deadline - Date.now());
      let outcome;
      try {
        outcome = { result: await handler(event, context) };
      } catch (error) {
        outcome = {
          error: String((error && error.stack) || error),
          errorType: (error && error.name) || 'Error',
          errorMessage: (error && error.message) || String(error),
        };
      }
      // Let what the invocation queued go out first (the X-Ray SDK's UDP sends), as it has before Lambda answers.
      await new Promise((resolve) => setImmediate(resolve));
      process.stdout.write(${JSON.stringify(RESULT)} + JSON.stringify({ id, outcome: outcome === undefined ? {} : outcome }) + '\\n');
    };
    if (store) {
      const keys = store.constructor.PROTECTED_KEYS;
      void store.run({ [keys.X_RAY_TRACE_ID]: traceHeader, [keys.REQUEST_ID]: context.awsRequestId }, invoke);
    } else {
      queue = queue.then(() => {
        process.env._X_AMZN_TRACE_ID = traceHeader;
        return invoke();
      });
    }
  });
})();
`;

export interface Outcome {
  result?: APIGatewayProxyResult;
  /** The handler threw (or its process died): the stack, its type and message. */
  error?: string;
  errorType?: string;
  errorMessage?: string;
}

export interface RuntimeOptions {
  /** Each line the function writes to stdout, parsed when it is JSON. */
  onStdout?: (line: Record<string, unknown> | string) => void;
  onStderr?: (text: string) => void;
  /** The function's timeout (default 3 s, Lambda's own default); the process is killed when an invocation exceeds it. */
  timeoutMs?: number;
  /**
   * The function's memory setting in MB: its JavaScript heap is limited below it, as the Lambda runtime limits it, and
   * (where /proc shows it) the process is killed when its resident memory exceeds it; the invocation then fails as
   * Lambda reports it (Runtime.OutOfMemory). Default: no limit.
   */
  memoryMb?: number;
  /**
   * Run up to this many invocations at once in the one process, as Lambda Managed Instances do
   * (AWS_LAMBDA_MAX_CONCURRENCY is set; each invocation's trace header is in the InvokeStore). Default: one at a time.
   */
  concurrency?: number;
}

/** How often the resident memory of a function's process is read. */
const MEMORY_CHECK_MS = 25;

/** The JavaScript heap limit the Lambda Node.js runtime gives a function of `memoryMb` (--max-old-space-size). */
function heapLimitMb(memoryMb: number): number {
  return Math.max(16, Math.floor(memoryMb * 0.9));
}

/** The resident memory of a process in MB, from /proc (Linux); undefined where it cannot be read. */
async function residentMb(pid: number): Promise<number | undefined> {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

export interface BuiltLambda {
  invoke(event: APIGatewayProxyEvent, traceHeader: string): Promise<APIGatewayProxyResult>;
  /** Like invoke, but a handler's error (or a crash, or a timeout) is part of the outcome instead of a rejection. */
  invokeOutcome(event: APIGatewayProxyEvent, traceHeader: string): Promise<Outcome>;
  /** When init (loading the bundle) started and ended, epoch ms; rejects when the bundle cannot load. */
  readonly ready: Promise<{ start: number; end: number }>;
  readonly exited: boolean;
  /** The last lines the function wrote to stdout (up to 1000, 2 MB), parsed when it is JSON; a very long line is cut and says so. */
  logs(): (Record<string, unknown> | string)[];
  /** The last 64 KB the function wrote to stderr. */
  stderr(): string;
  stop(): Promise<void>;
}

export async function startBuiltLambda(
  bundle: string,
  functionName: string,
  env: Record<string, string>,
  options: RuntimeOptions = {},
): Promise<BuiltLambda> {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const { memoryMb } = options;
  const initStart = Date.now();
  const heapLimit = memoryMb === undefined ? [] : [`--max-old-space-size=${heapLimitMb(memoryMb)}`];
  const concurrent = options.concurrency !== undefined && options.concurrency > 1 ? { AWS_LAMBDA_MAX_CONCURRENCY: String(options.concurrency) } : {};
  const child = spawn(process.execPath, [...heapLimit, '-e', RUNTIME, bundle, invokeStoreModule], {
    env: { ...env, ...concurrent, AWS_LAMBDA_FUNCTION_NAME: functionName },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Each invocation waits for the process's exit while it runs: as many listeners as invocations at once.
  child.setMaxListeners(10 + (options.concurrency ?? 1));
  const logs = new BoundedBuffer<Record<string, unknown> | string>(KEPT_LOG_LINES, KEPT_LOG_CHARS);
  const waiting = new Map<number, (outcome: Outcome) => void>();
  let invocations = 0;
  // The line being read, at most its limit (a log line's, or a response's), and how much of it was dropped.
  let pending = '';
  let dropped = 0;
  const decoder = new StringDecoder('utf8');
  let stderr = '';
  let exited = false;
  let outOfMemory = false;
  let markReady: (times: { start: number; end: number }) => void;
  let failInit: (error: Error) => void;
  const ready = new Promise<{ start: number; end: number }>((resolve, reject) => {
    markReady = resolve;
    failInit = reject;
  });
  ready.catch(() => {});
  const onLine = (line: string, cut: number) => {
    if (line === READY) markReady({ start: initStart, end: Date.now() });
    else if (line.startsWith(RESULT)) {
      // {"id":N,"outcome":...}: the id leads, so it is known even when the rest was over the limit and not kept.
      const id = Number(/^\{"id":(\d+)/.exec(line.slice(RESULT.length))?.[1]);
      waiting.get(id)?.(resultOutcome(line.slice(RESULT.length), cut));
    }
    else if (line.trim() !== '') {
      const parsed = cut > 0 ? cutLine(line, LOG_LINE_LIMIT, cut) : parseLine(line);
      logs.push(parsed);
      options.onStdout?.(parsed);
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    let text = decoder.write(chunk);
    while (text.length > 0) {
      const end = text.indexOf('\n');
      const piece = end < 0 ? text : text.slice(0, end);
      text = end < 0 ? '' : text.slice(end + 1);
      const head = pending.length >= RESULT.length ? pending : pending + piece.slice(0, RESULT.length);
      // A response is read up to Lambda's limit (so that one over it is known as such), a log line up to its own.
      const room = Math.max(0, (head.startsWith(RESULT) ? RESULT.length + RESPONSE_PAYLOAD_LIMIT + 64 : LOG_LINE_LIMIT) - pending.length);
      pending += piece.length <= room ? piece : piece.slice(0, room);
      dropped += Math.max(0, piece.length - room);
      if (end >= 0) {
        onLine(pending, dropped);
        pending = '';
        dropped = 0;
      }
    }
  });
  // Writing an invocation to a process that just died fails with EPIPE: its exit is reported instead.
  child.stdin.on('error', () => {});
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stderr = keepTail(stderr, text, KEPT_STDERR_CHARS);
    options.onStderr?.(text);
  });
  // Over its memory setting, Lambda kills the function's process; so does this watch of its resident memory, while
  // the function loads and while it runs an invocation (Lambda freezes it in between).
  const watchMemory = (): (() => void) => {
    if (memoryMb === undefined || !existsSync('/proc/self/status')) return () => {};
    const check = setInterval(() => {
      void residentMb(child.pid!).then((used) => {
        if (used === undefined || used <= memoryMb || exited) return;
        outOfMemory = true;
        child.kill('SIGKILL');
      });
    }, MEMORY_CHECK_MS);
    check.unref();
    return () => clearInterval(check);
  };
  const stopWatchingInit = watchMemory();
  void ready.then(stopWatchingInit, stopWatchingInit);
  const exitedPromise = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      // The JavaScript heap at its limit (--max-old-space-size) aborts the process.
      if (signal === 'SIGABRT' && memoryMb !== undefined) outOfMemory = true;
      failInit(
        outOfMemory
          ? Object.assign(new Error(`Runtime exited with error: signal: killed, over its memory (${memoryMb} MB) while loading ${bundle}`), { errorType: 'Runtime.OutOfMemory' })
          : new Error(`The function's process exited (${code ?? signal}) while loading ${bundle}:\n${stderr}`),
      );
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });

  function invokeOutcome(event: APIGatewayProxyEvent, traceHeader: string): Promise<Outcome> {
    const context = { ...lambdaContext(functionName), ...(memoryMb === undefined ? {} : { memoryLimitInMB: String(memoryMb) }) };
    const id = ++invocations;
    return new Promise((resolve) => {
      if (exited) {
        resolve({ error: `The function's process has exited:\n${stderr}`, errorType: 'Runtime.ExitError', errorMessage: 'The function process exited' });
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const stopWatchingMemory = watchMemory();
      const settle = (outcome: Outcome) => {
        waiting.delete(id);
        clearTimeout(timer);
        stopWatchingMemory();
        child.off('exit', onExit);
        resolve(outcome);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        // outOfMemory is set by then: the process's first exit listener runs before this one.
        if (outOfMemory) {
          const message = `RequestId: ${context.awsRequestId} Error: Runtime exited with error: signal: killed`;
          settle({ error: `${message}\nRuntime.OutOfMemory (memory setting ${memoryMb} MB)`, errorType: 'Runtime.OutOfMemory', errorMessage: message });
        } else {
          settle({ error: `The function's process exited (${code ?? signal}):\n${stderr}`, errorType: 'Runtime.ExitError', errorMessage: `The function process exited (${code ?? signal})` });
        }
      };
      child.once('exit', onExit);
      waiting.set(id, settle);
      // Time the invocation from now, after init, as Lambda does; a timed-out environment is thrown away.
      void ready.then(
        () => {
          timer = setTimeout(() => {
            child.kill('SIGKILL');
            settle({ error: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`, errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` });
          }, timeoutMs);
        },
        () => {},
      );
      // Functions do not survive JSON; the runtime above adds getRemainingTimeInMillis back.
      child.stdin.write(`${JSON.stringify({ id, event, traceHeader, context, timeoutMs })}\n`);
    });
  }

  return {
    async invoke(event, traceHeader) {
      const outcome = await invokeOutcome(event, traceHeader);
      if (outcome.errorType === 'Runtime.ExitError') throw new Error(outcome.error);
      if (outcome.error !== undefined) throw new Error(`The handler threw: ${outcome.error}`);
      return outcome.result!;
    },
    invokeOutcome,
    ready,
    get exited() {
      return exited;
    },
    logs: () => logs.toArray(),
    stderr: () => stderr,
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill(), 5_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

/** An invocation's outcome from its result line; a response over Lambda's limit fails the invocation, as Lambda fails it. */
function resultOutcome(json: string, cut: number): Outcome {
  const tooLarge = { error: `${RESPONSE_TOO_LARGE.errorType}: ${RESPONSE_TOO_LARGE.errorMessage}`, ...RESPONSE_TOO_LARGE };
  if (cut > 0) return tooLarge;
  const { outcome } = JSON.parse(json) as { id: number; outcome: Outcome };
  if (outcome.result !== undefined && Buffer.byteLength(JSON.stringify(outcome.result)) > RESPONSE_PAYLOAD_LIMIT) return tooLarge;
  return outcome;
}

function parseLine(line: string): Record<string, unknown> | string {
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : line;
  } catch {
    return line;
  }
}
