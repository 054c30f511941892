// A Lambda execution environment for one built handler bundle, as the generated project's
// test/support/lambda.ts runs it: load the bundle once (timed: the cold start), then invoke it with
// _X_AMZN_TRACE_ID set to a fresh, sampled trace header per invocation. Driven over IPC by bench/run.js.
//   { type: 'invoke', count } -> { type: 'timings', ms: [...], cpuMs }: per-invocation wall times, mean CPU time
const { randomBytes, randomUUID } = require('node:crypto');

const bundle = process.argv[2];
const started = performance.now();
const { handler } = require(bundle);
const loadMs = performance.now() - started;

function traceHeader() {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  return `Root=${root};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
}

function event() {
  return {
    resource: '/orders', path: '/orders', httpMethod: 'POST', headers: { 'content-type': 'application/json' },
    multiValueHeaders: {}, queryStringParameters: null, multiValueQueryStringParameters: null, pathParameters: null,
    stageVariables: null, requestContext: { requestId: randomUUID(), stage: 'dev', httpMethod: 'POST', resourcePath: '/orders' },
    body: JSON.stringify({ note: 'bench' }), isBase64Encoded: false,
  };
}

function context() {
  return {
    awsRequestId: randomUUID(), functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: '128', logGroupName: 'bench', logStreamName: 'bench', callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 3000,
  };
}

async function invoke() {
  process.env._X_AMZN_TRACE_ID = traceHeader();
  const t = performance.now();
  const result = await handler(event(), context());
  const ms = performance.now() - t;
  if (result.statusCode !== 200) throw new Error(`handler answered ${result.statusCode}: ${result.body}`);
  return ms;
}

process.on('message', async (message) => {
  try {
    if (message.type === 'first') {
      // Cold start as Lambda bills it: the load above, then the first invocation.
      const first = await invoke();
      process.send({ type: 'cold', loadMs, firstMs: first, sinceStartMs: started + loadMs + first });
    } else if (message.type === 'invoke') {
      const ms = [];
      const cpu = process.cpuUsage();
      for (let i = 0; i < message.count; i++) ms.push(await invoke());
      const { user, system } = process.cpuUsage(cpu);
      process.send({ type: 'timings', ms, cpuMs: (user + system) / 1000 / message.count });
    } else if (message.type === 'exit') {
      process.disconnect();
    }
  } catch (error) {
    process.send({ type: 'error', message: String(error?.stack ?? error) });
  }
});
process.send({ type: 'loaded', loadMs, sinceStartMs: started + loadMs });
