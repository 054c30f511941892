// The dev server enforces the OpenAPI document's auth as API Gateway does, before any function runs: an API key in
// x-api-key for the api_key scheme, a SigV4 signature (made here with the AWS SDK's own signer) for awsSigv4; each
// refusal is API Gateway's 403, and its trace holds the stage's segment alone.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../src/dev/server.js';
import { addEndpoint, buildProject, generateProject } from './support/generate-project.js';
import { runScript } from './support/npm-script.js';

let root: string;
let server: DevServer;

beforeAll(async () => {
  // POST /orders needs an API key (the project's --auth); GET /orders/{orderId} a SigV4 signature (endpoint --auth iam).
  root = generateProject('keyed-api', ['--auth', 'api-key']);
  addEndpoint(root, ['GET', '/orders/{orderId}', '--auth', 'iam', '--no-publish']);
  buildProject(root);
  // Every request sampled, so that every refusal has its trace.
  server = await startDevServer({ root, port: 0, build: false, print: () => {}, random: () => 0 });
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (root) rmSync(path.dirname(root), { recursive: true, force: true });
});

const createOrder = (headers: Record<string, string> = {}) =>
  fetch(`${server.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"item":"book"}' });

/** A GET signed by the AWS SDK's signer, as a caller with these credentials signs it. */
async function signedGet(requestPath: string, options: { credentials?: { accessKeyId: string; secretAccessKey: string }; region?: string; signingDate?: Date; sendPath?: string } = {}) {
  const signer = new SignatureV4({
    credentials: options.credentials ?? server.auth.credentials,
    region: options.region ?? server.auth.region,
    service: 'execute-api',
    sha256: Sha256,
  });
  const host = new URL(server.url).host;
  const signed = await signer.sign(
    { method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: server.port, path: requestPath, query: {}, headers: { host } },
    { signingDate: options.signingDate },
  );
  const { host: _, ...headers } = signed.headers as Record<string, string>;
  return fetch(`${server.url}${options.sendPath ?? requestPath}`, { headers });
}

/** The refusal's trace, as the page reads it: the origins of its segments. */
async function segmentsOf(response: Response): Promise<string[]> {
  const traceId = /Root=([^;]+)/.exec(response.headers.get('x-amzn-trace-id') ?? '')![1]!;
  const answer = await fetch(`${server.url}/_traces/api/traces/${traceId}`);
  expect(answer.status).toBe(200);
  const { timeline } = (await answer.json()) as { timeline: { rows: { kind: string; origin?: string; httpStatus?: number }[] } };
  return timeline.rows.filter((row) => row.kind === 'segment').map((row) => row.origin ?? '');
}

describe('an operation that requires an API key', () => {
  it('is refused without x-api-key, with API Gateway\'s 403, before its function runs', async () => {
    const invocationsBefore = server.requests().filter((request) => request.coldStart !== undefined).length;
    const response = await createOrder();
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
    expect(await response.clone().json()).toEqual({ message: 'Forbidden' });
    expect(await segmentsOf(response)).toEqual(['AWS::ApiGateway::Stage']);
    expect(server.requests().filter((request) => request.coldStart !== undefined).length).toBe(invocationsBefore);
    expect(server.requests().at(-1)!.note).toMatch(/refused \(api-key\): no x-api-key header/);
  });

  it('is refused with another key', async () => {
    const response = await createOrder({ 'x-api-key': `${server.auth.apiKey}x` });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Forbidden' });
  });

  it('passes with the local key the server printed, and the function runs', async () => {
    const response = await createOrder({ 'x-api-key': server.auth.apiKey });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await segmentsOf(response)).toEqual(['AWS::ApiGateway::Stage', 'AWS::Lambda::Function']);
  });
});

describe('an operation that requires IAM (SigV4)', () => {
  it('is refused without a signature: Missing Authentication Token, and no function segment', async () => {
    const response = await fetch(`${server.url}/orders/o-1`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await response.clone().json()).toEqual({ message: 'Missing Authentication Token' });
    expect(await segmentsOf(response)).toEqual(['AWS::ApiGateway::Stage']);
  });

  it('passes when the AWS SDK signs it with the local credentials', async () => {
    const response = await signedGet('/orders/o-1');
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await segmentsOf(response)).toEqual(['AWS::ApiGateway::Stage', 'AWS::Lambda::Function']);
  });

  it('passes signed for the stage path as deployed (/dev/orders/o-1)', async () => {
    const response = await signedGet('/dev/orders/o-1');
    expect(response.status, await response.clone().text()).toBe(200);
  });

  it('is refused when the request is not the one signed', async () => {
    const response = await signedGet('/orders/o-1', { sendPath: '/orders/o-2' });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    expect(((await response.json()) as { message: string }).message).toMatch(/^The request signature we calculated does not match the signature you provided/);
  });

  it('is refused when signed with another secret key', async () => {
    const response = await signedGet('/orders/o-1', { credentials: { ...server.auth.credentials, secretAccessKey: 'not-the-local-secret' } });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });

  it('is refused with an access key the server does not know', async () => {
    const response = await signedGet('/orders/o-1', { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' } });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'The security token included in the request is invalid.' });
  });

  it('is refused when signed for another region, or too long ago', async () => {
    const otherRegion = await signedGet('/orders/o-1', { region: 'eu-west-3' });
    expect(otherRegion.status).toBe(403);
    expect(((await otherRegion.json()) as { message: string }).message).toMatch(/Credential should be scoped to a valid region/);
    const stale = await signedGet('/orders/o-1', { signingDate: new Date(Date.now() - 10 * 60_000) });
    expect(stale.status).toBe(403);
    expect(((await stale.json()) as { message: string }).message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  });
});

describe('npm run verify against the dev server, on routes that require auth', () => {
  const verify = (args: string[], env: Record<string, string> = {}) => runScript('verify', ['--url', server.url, '--write', '--timeout', '10s', ...args], env, { direct: true, cwd: root });
  const signing = () => ({ AWS_ACCESS_KEY_ID: server.auth.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: server.auth.credentials.secretAccessKey });

  it('passes with the local API key and the local credentials signing the IAM route', async () => {
    const { code, stdout, stderr } = await verify(['--api-key', server.auth.apiKey], signing());
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toMatch(/^POST \/orders  200  trace 1-[0-9a-f-]+: keyed-api\/dev -> keyed-api-dev-createOrder -> SNS Publish/m);
    expect(stdout).toMatch(/^GET \/orders\/\{orderId\}  200  trace 1-[0-9a-f-]+: keyed-api\/dev -> keyed-api-dev-getOrdersByOrderId  rule/m);
  });

  it('says in one line that an API key is needed when none is given', async () => {
    const { code, stdout, stderr } = await verify([], signing());
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toMatch(/^Some operations require an API key and none was given: pass --api-key <key> or set TRACED_API_KEY/);
  });

  it('fails the routes API Gateway refused, naming its answer, when the key or the signature is wrong', async () => {
    const { code, stdout, stderr } = await verify(['--api-key', 'not-the-key'], { ...signing(), AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    expect(code, stdout).toBe(1);
    expect(stderr).toMatch(/^FAIL POST \/orders: API Gateway answered 403 ForbiddenException: Forbidden itself: the function's segment is not in trace 1-[0-9a-f-]+ \(pass the right --api-key\)$/m);
    expect(stderr).toMatch(/^FAIL GET \/orders\/\{orderId\}: API Gateway answered 403 InvalidSignatureException: The request signature we calculated/m);
  });
});
