// Structured JSON logs, one line per entry, each carrying the X-Ray trace id of the invocation that wrote it.
import type { Context } from 'aws-lambda';

type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
type Fields = Record<string, unknown>;

const SEVERITY: Record<string, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: Infinity };
const threshold = SEVERITY[(process.env.LOG_LEVEL ?? 'INFO').toUpperCase()] ?? SEVERITY.INFO!;

let invocations = 0;
let requestId: string | undefined;

interface InvokeStore {
  getXRayTraceId(): string | undefined;
}

/** The Root of this invocation's trace header, read on every call: it changes with each invocation. */
export function currentTraceId(): string | undefined {
  // Where the runtime keeps per-invocation data in its InvokeStore (as the X-Ray SDK reads it), prefer it.
  const store = (globalThis as { awslambda?: { InvokeStore?: InvokeStore } }).awslambda?.InvokeStore;
  const header = store?.getXRayTraceId() ?? process.env._X_AMZN_TRACE_ID;
  return header?.match(/(?:^|;)\s*Root=([^;]+)/)?.[1];
}

/** Errors become plain objects (JSON.stringify would print {}), their cause included. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const { name, message, stack, cause } = value;
    return { name, message, stack, ...(cause === undefined ? {} : { cause }) };
  }
  return value;
}

function write(level: Level, message: string, fields?: Fields): void {
  if (SEVERITY[level]! < threshold) return;
  const entry = {
    level,
    message,
    timestamp: new Date().toISOString(),
    function_name: process.env.AWS_LAMBDA_FUNCTION_NAME,
    cold_start: invocations <= 1,
    request_id: requestId,
    xray_trace_id: currentTraceId() ?? null,
    ...fields,
  };
  process.stdout.write(`${JSON.stringify(entry, replacer)}\n`);
}

export const logger = {
  /** Call first thing in a handler: counts invocations (for cold_start) and records the request id. */
  addContext(context: Pick<Context, 'awsRequestId'>): void {
    invocations += 1;
    requestId = context.awsRequestId;
  },
  debug: (message: string, fields?: Fields) => write('DEBUG', message, fields),
  info: (message: string, fields?: Fields) => write('INFO', message, fields),
  warn: (message: string, fields?: Fields) => write('WARN', message, fields),
  error: (message: string, fields?: Fields) => write('ERROR', message, fields),
};
