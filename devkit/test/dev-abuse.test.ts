// The dev server under abuse answers as API Gateway and Lambda would, and keeps serving: its own /_ routes only
// for pages it serves itself on loopback, with their values checked; bodies over 10 MB refused unread; the
// integration timeout; a function over its memory setting; malformed URLs. Tiny bundles written here.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { project } from './support/project.js';
import { INTEGRATION_TIMEOUT_MS, MAX_PAYLOAD_BYTES, startDevServer, type DevServer } from '../src/dev/server.js';

const MB = 1024 * 1024;
// Long enough for a cold start on a busy machine, short enough for a test.
const SHORT_INTEGRATION_TIMEOUT_MS = 2_500;

const handlers: Record<string, { method?: string; code: string }> = {
  ok: { code: "exports.handler = async () => ({ statusCode: 200, body: JSON.stringify({ ok: true }) });" },
  echo: { method: 'post', code: "exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ length: (event.body || '').length }) });" },
  slow: { code: "exports.handler = () => new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200, body: 'late' }), 5000));" },
  // Resident memory (Buffers live outside the JavaScript heap), filled so that it is really used.
  buffers: { code: 'const kept = []; exports.handler = async () => { for (let i = 0; i < 200; i++) kept.push(Buffer.alloc(16 * 1024 * 1024, 1)); return { statusCode: 200, body: "3.2 GB" }; };' },
  // The JavaScript heap.
  heap: { code: 'const kept = []; exports.handler = async () => { for (;;) kept.push(new Array(100000).fill({ x: Math.random() })); };' },
  // Over its memory while it loads, before any invocation.
  loadsTooMuch: { code: 'const kept = []; for (let i = 0; i < 200; i++) kept.push(Buffer.alloc(16 * 1024 * 1024, 1)); exports.handler = async () => ({ statusCode: 200, body: "" });' },
  badStatus: { code: "exports.handler = async () => ({ statusCode: 99999, body: 'x' });" },
};

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe.concurrent('the dev server under abuse', () => {
  let root: string;
  // API Gateway's own integration timeout (29 s), and a short one for the test of it.
  let server: DevServer;
  let impatient: DevServer;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'traced-api-abuse-'));
    const paths: Record<string, unknown> = {};
    for (const [name, { method = 'get', code }] of Object.entries(handlers)) {
      mkdirSync(path.join(root, 'dist', name), { recursive: true });
      writeFileSync(path.join(root, 'dist', name, 'index.js'), code);
      paths[`/${name}`] = { [method]: { operationId: name } };
    }
    writeFileSync(path.join(root, 'openapi.yaml'), stringify({ openapi: '3.0.3', info: { title: 'abuse', version: '1' }, paths }));
    const serve = (integrationTimeoutMs?: number) =>
      startDevServer({
        root,
        port: 0,
        build: false,
        openapiPath: path.join(root, 'openapi.yaml'),
        project: { ...project, sns: true, apiTracing: true, lambdaTimeoutSeconds: 8, lambdaMemoryMb: 128, defaultRule: { ...project.defaultRule, reservoirSize: 0, fixedRate: 1 } },
        integrationTimeoutMs,
        print: () => {},
      });
    [server, impatient] = await Promise.all([serve(), serve(SHORT_INTEGRATION_TIMEOUT_MS)]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), impatient?.close()]);
    rmSync(root, { recursive: true, force: true });
  });

  /** One request as a client of any kind can send it: any Host, any target, headers as given. */
  function raw(method: string, target: string, headers: Record<string, string | number> = {}, body?: string, on = server): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: on.port, method, path: target, headers: { host: `127.0.0.1:${on.port}`, ...headers } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  async function stillServing(on = server) {
    const response = await fetch(`${on.url}/ok`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  }

  async function settled(requestPath: string, on = server) {
    for (let waited = 0; waited < 10_000; waited += 20) {
      const request = on.requests().find((candidate) => candidate.path === requestPath && candidate.done);
      if (request) return request;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`${requestPath} never settled`);
  }

  describe('its own /_ routes answer only same-origin requests to a loopback Host', () => {
    it.each([
      ['another Host (DNS rebinding)', { host: 'attacker.example' }],
      ['a loopback Host on another port', { host: '127.0.0.1:1' }],
      ['another Origin', { origin: 'http://attacker.example' }],
      ['the same host from another port', { origin: 'http://127.0.0.1:1' }],
      ['an opaque Origin', { origin: 'null' }],
      ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
      ['a same-site fetch from another port', { 'sec-fetch-site': 'same-site' }],
    ])('refuses %s with 403, and SNS is left as it was', async (_case, headers) => {
      const answer = await raw('POST', '/_sns/fail', headers);
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body).message).toMatch(/own routes answer pages it serves itself/);
      for (const target of ['/_sns', '/_traces', '/_traces/api/state']) expect((await raw('GET', target, headers)).status).toBe(403);
      expect(server.sns!.failingWith).toBeUndefined();
      await stillServing();
    });

    it('answers the page itself, on 127.0.0.1, localhost and [::1]', async () => {
      for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`]) {
        const headers = { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' };
        expect((await raw('GET', '/_sns', headers)).status).toBe(200);
        expect((await raw('GET', '/_traces', { host, 'sec-fetch-site': 'none' })).status).toBe(200);
      }
    });

    it("leaves the API's own routes to any Host, as API Gateway does", async () => {
      expect((await raw('GET', '/ok', { host: 'api.example', origin: 'http://attacker.example' })).status).toBe(200);
    });
  });

  describe('its /_ routes check their values', () => {
    it.each([
      [{ status: 99999 }, /status 99999: an SNS error status is a whole number from 400 to 599/],
      [{ status: 200 }, /status 200/],
      [{ status: '500' }, /status "500"/],
      [{ code: 'Bad Code<>' }, /code "Bad Code<>"/],
      [{ message: 'two\nlines' }, /message: a string of up to 1000 characters, on one line/],
      [{ retries: 3 }, /Unknown field retries/],
      [[500], /must be empty or JSON/],
    ])('refuses POST /_sns/fail %j with 400; SNS keeps working and the server serving', async (failure, message) => {
      const answer = await raw('POST', '/_sns/fail', { 'content-type': 'application/json' }, JSON.stringify(failure));
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).message).toMatch(message);
      expect(server.sns!.failingWith).toBeUndefined();
      // A Publish to the local SNS after the refusal: answered, not crashed.
      const publish = await fetch(server.sns!.url, { method: 'POST', body: 'Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At&Message=hi' });
      expect(publish.status).toBe(200);
      await stillServing();
    });

    it('accepts a valid failure, and the page can restore SNS', async () => {
      // On the other server: the tests around look at this one's SNS at the same time.
      const headers = { host: `127.0.0.1:${impatient.port}`, 'content-type': 'application/json' };
      const answer = await raw('POST', '/_sns/fail', headers, JSON.stringify({ status: 503, code: 'Throttling', message: 'slow down' }), impatient);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).failing).toEqual({ status: 503, code: 'Throttling', message: 'slow down' });
      expect((await raw('POST', '/_sns/ok', headers, undefined, impatient)).status).toBe(200);
      expect(impatient.sns!.failingWith).toBeUndefined();
    });

    it('refuses a since that is not a version, and a trace id that is not one, with 400', async () => {
      expect((await raw('GET', '/_traces/api/state?since=abc')).status).toBe(400);
      expect((await raw('GET', '/_traces/api/state?since=-1')).status).toBe(200);
      const answer = await raw('GET', '/_traces/api/traces/not-a-trace-id');
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).message).toMatch(/is not an X-Ray trace id/);
      await stillServing();
    });
  });

  describe('malformed URLs get 400, never a 500 with a stack trace', () => {
    it.each(['/_traces/api/traces/%E0%A4%A', '/_traces/api/traces/%', '/ok%ZZ', '/echo/%C0%AF'])('%s', async (target) => {
      const answer = await raw('GET', target);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({ message: 'Bad Request' });
      expect(answer.body).not.toMatch(/at .*\.js/);
      await stillServing();
    });

    it('a path that starts with // is a path, not a host', async () => {
      const answer = await raw('GET', '//attacker.example/ok');
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toEqual({ message: 'Missing Authentication Token' });
    });
  });

  describe('bodies over 10 MB get 413 without being read', () => {
    it('takes a body just under the limit to the function', async () => {
      const body = 'x'.repeat(MAX_PAYLOAD_BYTES - 10);
      const response = await fetch(`${server.url}/echo`, { method: 'POST', body });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ length: body.length });
    });

    it('refuses a Content-Length over 10 MB at once, before any of the body is sent', async () => {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/echo', headers: { 'content-length': 540 * MB } }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        });
        req.on('error', reject);
        req.flushHeaders();
      });
      expect(answer).toEqual({ status: 413, body: JSON.stringify({ message: 'Request Too Long' }) });
      await stillServing();
    });

    it('stops reading a streamed (chunked) body past 10 MB', async () => {
      const chunk = Buffer.alloc(MB, 'y');
      const { status, sent } = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
        let sent = 0;
        let answered = false;
        const req = httpRequest({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/echo', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
          answered = true;
          res.resume();
          resolve({ status: res.statusCode!, sent });
          req.destroy();
        });
        req.on('error', (error) => (answered ? undefined : reject(error)));
        const write = () => {
          // 540 MB at most; the server answers long before.
          while (!answered && sent < 540 * MB) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', write);
          }
          if (!answered) req.end();
        };
        write();
      });
      expect(status).toBe(413);
      expect(sent).toBeLessThan(100 * MB);
      await stillServing();
    });
  });

  it("waits 29 s for a function by default, as API Gateway does, and accepts 10 MB", () => {
    expect(INTEGRATION_TIMEOUT_MS).toBe(29_000);
    expect(MAX_PAYLOAD_BYTES).toBe(10 * MB);
  });

  it('answers 504 when the function takes longer than the integration timeout, and the function still ends', async () => {
    const started = Date.now();
    const response = await fetch(`${impatient.url}/slow`);
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ message: 'Endpoint request timed out' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(SHORT_INTEGRATION_TIMEOUT_MS - 5);
    expect(Date.now() - started).toBeLessThan(5000);
    await stillServing(impatient);
    const request = await settled('/slow', impatient);
    expect(request).toMatchObject({ status: 504, sampled: true });
    expect(request.note).toMatch(/integration timeout/);
    const rows = impatient.trace(request.traceId)!.rows;
    expect(rows.find((row) => row.origin === 'AWS::ApiGateway::Stage')).toMatchObject({ status: 'fault' });
    expect(rows.find((row) => row.origin === 'AWS::Lambda::Function')).toMatchObject({ status: 'ok' });
  });

  it.each([
    ['/buffers', 'resident memory past 128 MB'],
    ['/heap', 'a JavaScript heap past its limit'],
  ])("%s (%s) fails as Lambda reports a function over its memory: Runtime.OutOfMemory, 502, and the server serves on", async (route) => {
    const response = await fetch(`${server.url}${route}`);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ message: 'Internal server error' });
    const request = await settled(route);
    expect(request.note).toMatch(/^the handler failed: Runtime\.OutOfMemory: RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/);
    expect(request.failing).toMatch(/\(AWS::Lambda::Function\) Runtime\.OutOfMemory: /);
    await stillServing();
    // A new execution environment for the next invocation, which fails the same way.
    expect((await fetch(`${server.url}${route}`)).status).toBe(502);
  });

  it('a function over its memory while it loads fails with Runtime.OutOfMemory too', async () => {
    const response = await fetch(`${server.url}/loadsTooMuch`);
    expect(response.status).toBe(502);
    expect((await settled('/loadsTooMuch')).note).toMatch(/^the handler failed: Runtime\.OutOfMemory: Runtime exited with error: signal: killed, over its memory \(128 MB\)/);
    await stillServing();
  });

  it('a status code out of range from the handler is a malformed proxy response: 502', async () => {
    const response = await fetch(`${server.url}/badStatus`);
    expect(response.status).toBe(502);
    expect((await settled('/badStatus')).note).toMatch(/malformed Lambda proxy response/);
    await stillServing();
  });
});
