// One request's trace as the dev server's parts pass it (TraceContext), and the headers made of it where the
// trace leaves the server: the function's event and _X_AMZN_TRACE_ID, as API Gateway and Lambda set them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { project } from './support/project.js';
import { startDevServer, type DevServer } from '../src/dev/server.js';
import { newTraceContext, readTraceHeader, traceHeader } from '../src/dev/trace-context.js';

const ROOT = '1-5759e988-bd862e3fe1be46a994272793';

describe('the trace context', () => {
  it("reads a client's header as API Gateway does: its Root when well-formed, its Sampled decision", () => {
    expect(readTraceHeader(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`)).toEqual({ root: ROOT, sampled: true });
    expect(readTraceHeader(`Root=${ROOT};Sampled=0`)).toEqual({ root: ROOT, sampled: false });
    expect(readTraceHeader('Root=not-a-trace;Sampled=?')).toEqual({ root: undefined, sampled: undefined });
    expect(readTraceHeader(undefined)).toEqual({});
  });

  it("keeps the client's trace id, makes fresh segment ids, and hangs the function under the stage's Invoke with stage tracing", () => {
    const decision = { sampled: true, rule: 'X-Amzn-Trace-Id', reason: 'upstream header' as const };
    const staged = newTraceContext({ root: ROOT, sampled: true }, decision, true);
    expect(staged).toMatchObject({ traceId: ROOT, sampled: true, decision, parent: staged.segmentIds.invoke });
    expect(new Set(Object.values(staged.segmentIds)).size).toBe(3);
    const direct = newTraceContext({}, undefined, false);
    expect(direct.traceId).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(direct).toMatchObject({ sampled: false, parent: undefined });
    expect(traceHeader(staged, staged.segmentIds.function)).toBe(`Root=${ROOT};Parent=${staged.segmentIds.function};Sampled=1`);
    expect(traceHeader(direct)).toBe(`Root=${direct.traceId};Sampled=0`);
  });
});

describe('the trace header a function gets', () => {
  let root: string;
  const servers: DevServer[] = [];

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'traced-api-trace-header-'));
    mkdirSync(path.join(root, 'dist', 'headers'), { recursive: true });
    writeFileSync(
      path.join(root, 'dist', 'headers', 'index.js'),
      // Header names keep the client's case (here fetch's lower case).
      "exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ event: event.headers['x-amzn-trace-id'], env: process.env._X_AMZN_TRACE_ID }) });",
    );
    writeFileSync(path.join(root, 'openapi.yaml'), stringify({ openapi: '3.0.3', info: { title: 'headers', version: '1' }, paths: { '/headers': { get: { operationId: 'headers' } } } }));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    rmSync(root, { recursive: true, force: true });
  });

  async function headersSeen(apiTracing: boolean) {
    const server = await startDevServer({ root, port: 0, build: false, openapiPath: path.join(root, 'openapi.yaml'), project: { ...project, apiTracing }, print: () => {} });
    servers.push(server);
    const response = await fetch(`${server.url}/headers`, { headers: { 'x-amzn-trace-id': `Root=${ROOT};Sampled=1` } });
    expect(response.headers.get('x-amzn-trace-id')).toBe(`Root=${ROOT};Sampled=1`);
    const seen = (await response.json()) as { event: string; env: string };
    for (let waited = 0; waited < 3_000 && !server.trace(ROOT)?.rows.some((row) => row.origin === 'AWS::Lambda::Function'); waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const rows = server.trace(ROOT)!.rows;
    const stage = rows.find((row) => row.origin === 'AWS::ApiGateway::Stage');
    const invoke = stage && rows.find((row) => row.parentId === stage.id && row.name === 'Lambda');
    return { seen, stage, invoke, fn: rows.find((row) => row.origin === 'AWS::Lambda::Function')! };
  }

  it("with stage tracing: the event names the stage's Invoke subsegment as parent, _X_AMZN_TRACE_ID the function's segment", async () => {
    const { seen, invoke, fn } = await headersSeen(true);
    expect(invoke).toBeDefined();
    expect(seen.env).toBe(`Root=${ROOT};Parent=${fn.id};Sampled=1`);
    expect(seen.event).toBe(`Root=${ROOT};Parent=${invoke!.id};Sampled=1`);
    expect(fn.parentId, "the function's segment hangs under the Invoke subsegment").toBe(invoke!.id);
  });

  it("without stage tracing: both name the function's segment", async () => {
    const { seen, stage, fn } = await headersSeen(false);
    expect(stage).toBeUndefined();
    expect(seen.env).toBe(`Root=${ROOT};Parent=${fn.id};Sampled=1`);
    expect(seen.event).toBe(seen.env);
  });
});
