// Runs a built handler bundle the way the Lambda Node.js runtime does: in its own Node process, loaded
// once at init (no trace header yet), then invoked with _X_AMZN_TRACE_ID set to each invocation's header.
import { spawn } from 'node:child_process';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { lambdaContext } from './events.js';

// Marks the line that carries an invocation's outcome on stdout, after the lines the handler logged.
const RESULT = '\u001elambda-result ';

// CommonJS, run with `node -e`: loads the bundle, then runs one invocation per line read from stdin.
const RUNTIME = `
const { handler } = require(process.argv[1]);
const lines = require('node:readline').createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  const { event, traceHeader, context } = JSON.parse(line);
  queue = queue.then(async () => {
    process.env._X_AMZN_TRACE_ID = traceHeader;
    context.getRemainingTimeInMillis = () => 3000;
    let outcome;
    try {
      outcome = { result: await handler(event, context) };
    } catch (error) {
      outcome = { error: String((error && error.stack) || error) };
    }
    process.stdout.write(${JSON.stringify(RESULT)} + JSON.stringify(outcome) + '\\n');
  });
});
`;

type Outcome = { result?: APIGatewayProxyResult; error?: string };

export interface BuiltLambda {
  invoke(event: APIGatewayProxyEvent, traceHeader: string): Promise<APIGatewayProxyResult>;
  /** Every line the function wrote to stdout so far, parsed when it is JSON. */
  logs(): (Record<string, unknown> | string)[];
  stderr(): string;
  stop(): Promise<void>;
}

export async function startBuiltLambda(bundle: string, functionName: string, env: Record<string, string>): Promise<BuiltLambda> {
  const child = spawn(process.execPath, ['-e', RUNTIME, bundle], {
    env: { ...env, AWS_LAMBDA_FUNCTION_NAME: functionName },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const logs: (Record<string, unknown> | string)[] = [];
  const waiting: ((outcome: Outcome) => void)[] = [];
  let pending = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith(RESULT)) waiting.shift()?.(JSON.parse(line.slice(RESULT.length)) as Outcome);
      else if (line.trim() !== '') logs.push(parseLine(line));
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });

  return {
    invoke(event, traceHeader) {
      return new Promise((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`The function's process exited (${code}):\n${stderr}`));
        child.once('exit', onExit);
        waiting.push(({ result, error }) => {
          child.off('exit', onExit);
          if (error !== undefined) reject(new Error(`The handler threw: ${error}`));
          else resolve(result!);
        });
        // Functions do not survive JSON; the runtime above adds getRemainingTimeInMillis back.
        child.stdin.write(`${JSON.stringify({ event, traceHeader, context: lambdaContext(functionName) })}\n`);
      });
    },
    logs: () => [...logs],
    stderr: () => stderr,
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function parseLine(line: string): Record<string, unknown> | string {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
}
