// Sampling in the dev server follows each route's rule, as X-Ray's does for the API stage: a dev server per case,
// on a copy of the OpenAPI document whose createOrder operation has the sampling under test.
// Needs `npm run build` first (`npm test` does it).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ProjectSettings } from '../src/contract/project.js';
import { project, projectRoot, xrayServiceName } from './support/project.js';
import { startDevServer, type DevServer } from '../src/dev/server.js';
import { exampleOperation, openapiPath } from './support/dev-example.js';

const example = exampleOperation('createOrder');
const { requestPath: examplePath, functionName } = example;
const send = (base: string) => example.send(base);

describe.concurrent("sampling in the dev server follows the route's rule", () => {
  const folders: string[] = [];
  const servers: DevServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  /** A dev server for a copy of the OpenAPI document whose example operation has this sampling (none: removed). */
  async function serve(sampling: Record<string, unknown> | undefined, settings: Partial<ProjectSettings> = {}) {
    const document = parse(readFileSync(openapiPath, 'utf8')) as { paths: Record<string, Record<string, Record<string, any>>> };
    const operation = document.paths[example.path]![example.method.toLowerCase()]!;
    operation['x-traced-api'] = { ...(operation['x-traced-api'] ?? {}), sampling };
    if (!sampling) delete operation['x-traced-api'].sampling;
    const folder = mkdtempSync(path.join(os.tmpdir(), 'traced-api-sampling-'));
    folders.push(folder);
    writeFileSync(path.join(folder, 'openapi.yaml'), stringify(document));
    const lines: string[] = [];
    const server = await startDevServer({
      root: projectRoot,
      port: 0,
      build: false,
      openapiPath: path.join(folder, 'openapi.yaml'),
      // The rules act only with stage tracing on: on here, whatever this project chose, unless a test says otherwise.
      project: { ...project, apiTracing: true, ...settings },
      print: (line) => lines.push(line),
    });
    servers.push(server);
    return { server, lines };
  }

  async function hit(server: DevServer, times: number) {
    for (let i = 0; i < times; i++) expect((await send(server.url)).status).toBeLessThan(500);
    return server.requests().filter((request) => request.path === examplePath);
  }

  it('records no trace of a route whose rule has reservoir 0 and fixed rate 0', async ({ expect }) => {
    const { server, lines } = await serve({ ruleName: 'dev-test-never', priority: 1, reservoirSize: 0, fixedRate: 0 });
    const requests = await hit(server, 5);
    expect(requests).toHaveLength(5);
    for (const request of requests) {
      expect(request).toMatchObject({ sampled: false, sampling: { rule: 'dev-test-never', reason: 'fixed rate' } });
      expect(server.trace(request.traceId), 'neither the SDK nor the dev server recorded anything').toBeUndefined();
    }
    expect(lines.filter((line) => line.includes('not sampled (dev-test-never: fixed rate)'))).toHaveLength(5);
  });

  it('records every request of a route whose rule has fixed rate 1', async ({ expect }) => {
    const { server } = await serve({ ruleName: 'dev-test-always', priority: 1, reservoirSize: 0, fixedRate: 1 });
    const requests = await hit(server, 5);
    expect(requests.map((request) => request.sampled)).toEqual([true, true, true, true, true]);
    for (const request of requests) {
      expect(request.sampling).toMatchObject({ rule: 'dev-test-always', reason: 'fixed rate' });
      expect(server.trace(request.traceId)?.rows.map((row) => row.name)).toEqual(expect.arrayContaining([xrayServiceName(), functionName]));
    }
  });

  it('samples a route without a rule of its own by the API default rule', async ({ expect }) => {
    const never = { ...project.defaultRule, reservoirSize: 0, fixedRate: 0 };
    const { server } = await serve(undefined, { defaultRule: never });
    for (const request of await hit(server, 3)) expect(request).toMatchObject({ sampled: false, sampling: { rule: never.ruleName } });
  });

  it("with stage tracing off, says so, and an Active function samples at Lambda's default", async ({ expect }) => {
    const { server } = await serve({ ruleName: 'dev-test-never', priority: 1, reservoirSize: 0, fixedRate: 0 }, { apiTracing: false, tracingMode: 'Active' });
    expect(server.notes.join('\n')).toMatch(/stage tracing is off/);
    const [first] = await hit(server, 1);
    // The rule above would sample nothing: without stage tracing it does not act; Lambda's reservoir takes the first.
    expect(first).toMatchObject({ sampled: true, sampling: { rule: 'Lambda default', reason: 'reservoir' } });
    const rows = server.trace(first!.traceId)!.rows;
    expect(rows[0]).toMatchObject({ name: functionName, origin: 'AWS::Lambda::Function', depth: 0 });
    expect(rows.map((row) => row.origin)).not.toContain('AWS::ApiGateway::Stage');
  });

  it('with stage tracing off, a PassThrough function records nothing', async ({ expect }) => {
    const { server } = await serve(undefined, { apiTracing: false, tracingMode: 'PassThrough' });
    for (const request of await hit(server, 2)) {
      expect(request.sampled).toBe(false);
      expect(server.trace(request.traceId)).toBeUndefined();
    }
  });
});
