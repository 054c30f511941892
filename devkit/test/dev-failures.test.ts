// What API Gateway and Lambda make of a handler's own failure (it throws, runs past its timeout, or answers
// something malformed), on a dev server serving tiny bundles written here.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { project } from './support/project.js';
import { startDevServer, type DevServer } from '../src/dev/server.js';

describe.concurrent("a handler's own failure, as API Gateway and Lambda report it", () => {
  let root: string;
  let server: DevServer;
  const lines: string[] = [];
  const handlers: Record<string, string> = {
    throws: "exports.handler = async () => { throw new TypeError('boom in the handler'); };",
    hangs: 'exports.handler = () => new Promise(() => {});',
    malformed: 'exports.handler = async () => ({ body: 42 });',
  };

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'traced-api-failing-handlers-'));
    const paths: Record<string, unknown> = {};
    for (const [name, code] of Object.entries(handlers)) {
      mkdirSync(path.join(root, 'dist', name), { recursive: true });
      writeFileSync(path.join(root, 'dist', name, 'index.js'), code);
      paths[`/${name}`] = { get: { operationId: name } };
    }
    writeFileSync(path.join(root, 'openapi.yaml'), stringify({ openapi: '3.0.3', info: { title: 'failing', version: '1' }, paths }));
    server = await startDevServer({
      root,
      port: 0,
      build: false,
      openapiPath: path.join(root, 'openapi.yaml'),
      project: { ...project, apiTracing: true, lambdaTimeoutSeconds: 0.5, defaultRule: { ...project.defaultRule, reservoirSize: 0, fixedRate: 1 } },
      print: (line) => lines.push(line),
    });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function call(name: string) {
    const response = await fetch(`${server.url}/${name}`);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ message: 'Internal server error' });
    // The line and the failing segment come once the trace's documents are in, just after the response.
    for (let waited = 0; waited < 3_000; waited += 20) {
      const request = server.requests().find((candidate) => candidate.path === `/${name}`);
      if (request?.done) return request;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`GET /${name} never settled`);
  }

  it("a handler that throws: 502, and the function's segment is the failing one, with the error", async () => {
    const request = await call('throws');
    expect(request.failing).toBe(`${project.namePrefix}-throws (AWS::Lambda::Function) TypeError: boom in the handler`);
    expect(lines.find((line) => line.includes(request.traceId))).toMatch(/502 .* failing: .*TypeError: boom in the handler/);
  });

  it('a handler that runs past its timeout: 502, the invocation timed out', async () => {
    const request = await call('hangs');
    expect(request.failing).toMatch(/Sandbox\.Timedout: Task timed out after 0\.50 seconds$/);
    expect(request.durationMs).toBeGreaterThanOrEqual(500);
  });

  it('a malformed proxy response: 502', async () => {
    const request = await call('malformed');
    expect(request.note).toMatch(/malformed Lambda proxy response/);
  });
});
