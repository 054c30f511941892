// `npm run dev` as a developer runs it: the built createOrder handler served with its traces, a line per request,
// SNS failing on demand, and the page at /_traces in headless Chromium. Needs `npm run build` first (`npm test` does it).
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { project, projectRoot, xrayServiceName } from './support/project.js';
import type { TraceTimeline } from '../src/traces/segments.js';
import { Browser, findChromium } from './support/chromium.js';
import { exampleOperation } from './support/dev-example.js';
import { traceHeader } from '../src/local/events.js';
import { startScript, type RunningScript } from './support/npm-script.js';

const hasSns = project.sns;
const operationId = 'createOrder';
const example = exampleOperation(operationId);
const { requestPath: examplePath, functionName } = example;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// With stage tracing off (--no-api-tracing) API Gateway records no segment: the function's is the trace's first.
const stage = project.apiTracing ? [xrayServiceName()] : [];

const chromium = findChromium();
if (!chromium) {
  console.warn(
    '\n' +
      '************************************************************************************\n' +
      '*  NO CHROMIUM: the browser test of the dev server page (/_traces) does not run.     *\n' +
      '*  Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH to a Chrome.  *\n' +
      '************************************************************************************\n',
  );
}

const send = (base: string, headers: Record<string, string> = {}) => example.send(base, headers);

async function timelineOf(base: string, traceId: string): Promise<TraceTimeline> {
  const response = await fetch(`${base}/_traces/api/traces/${traceId}`);
  expect(response.status, `trace ${traceId} on the dev server`).toBe(200);
  return ((await response.json()) as { timeline: TraceTimeline }).timeline;
}

describe('npm run dev', () => {
  let dev: RunningScript;
  let url: string;
  // Chromium starts while the dev server does.
  let browser: Promise<Browser> | undefined;

  beforeAll(async () => {
    browser = chromium ? Browser.launch(chromium) : undefined;
    browser?.catch(() => {});
    dev = await startScript('dev', ['--port', '0', '--no-build', '--no-watch']);
    const line = await dev.waitForLine(/listening on http:\/\/127\.0\.0\.1:\d+/);
    url = /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
  });
  afterAll(async () => {
    await Promise.all([dev?.stop(), browser?.then((started) => started.close(), () => {})]);
  });

  it('serves the example endpoint and prints one line per request with its trace id', async () => {
    const response = await send(url);
    expect(response.status, await response.clone().text()).toBe(200);
    const root = /Root=([^;]+)/.exec(response.headers.get('x-amzn-trace-id') ?? '')?.[1];
    expect(root).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    await dev.waitForLine(new RegExp(`^${example.method} ${escape(examplePath)}  200  \\d+ ms  trace ${root}`));
  });

  it("records a sampled request's trace: the API stage, the function and the handler's subsegments", async () => {
    const trace = traceHeader();
    const response = await send(url, { 'x-amzn-trace-id': `Root=${trace.root};Sampled=1` });
    expect(response.status).toBe(200);
    const line = await dev.waitForLine(new RegExp(`trace ${trace.root}`));
    expect(line).not.toMatch(/failing|not sampled/);

    const timeline = await timelineOf(url, trace.root);
    const names = timeline.rows.map((row) => row.name);
    expect(names).toEqual(expect.arrayContaining([...stage, functionName, hasSns ? 'SNS' : `## ${operationId}`]));
    expect(timeline.status).toBe('ok');
    expect(timeline.failing).toBeUndefined();
    const fn = timeline.rows.find((row) => row.origin === 'AWS::Lambda::Function')!;
    const handlerRows = timeline.rows.filter((row) => row.parentId === fn.id && row.name !== 'Initialization');
    expect(handlerRows.length, 'the SDK in the handler sent its subsegments to the local daemon').toBeGreaterThan(0);
  });

  if (hasSns) {
    it('names the SNS subsegment as the failing segment when SNS fails on demand', async () => {
      expect((await fetch(`${url}/_sns/fail`, { method: 'POST' })).status).toBe(200);
      const trace = traceHeader();
      const response = await send(url, { 'x-amzn-trace-id': `Root=${trace.root};Sampled=1` });
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ message: 'SNS call failed', traceId: trace.root });
      await dev.waitForLine(
        new RegExp(`^${example.method} ${escape(examplePath)}  502  \\d+ ms  trace ${trace.root}  failing: SNS \\(aws Publish HTTP 500\\) InternalErrorException: `),
      );

      const timeline = await timelineOf(url, trace.root);
      expect(timeline.failing).toMatchObject({ name: 'SNS', status: 'fault', operation: 'Publish', failing: true });
      expect(timeline.failing!.exceptions[0]).toMatchObject({ type: 'InternalErrorException', remote: true });
      expect(timeline.rows.filter((row) => row.failing)).toHaveLength(1);

      expect((await fetch(`${url}/_sns/ok`, { method: 'POST' })).status).toBe(200);
      expect((await send(url)).status).toBe(200);
      const published = (await (await fetch(`${url}/_sns`)).json()) as { published: unknown[]; failing: unknown };
      expect(published.failing).toBeNull();
      expect(published.published.length).toBeGreaterThan(0);
    });
  }

  it('answers 403 Missing Authentication Token, as API Gateway does, for a path the OpenAPI document lacks', async () => {
    const response = await fetch(`${url}/no-such-route-here`);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
    await dev.waitForLine(/^GET \/no-such-route-here  403 .*no route in openapi\/openapi\.yaml/);
  });

  it.skipIf(!chromium)(`shows the service map and the trace's timeline at /_traces, in headless Chromium${chromium ? '' : ' (NOT RUN: no Chromium)'}`, async () => {
    const trace = traceHeader();
    if (hasSns) await fetch(`${url}/_sns/fail`, { method: 'POST' });
    const response = await send(url, { 'x-amzn-trace-id': `Root=${trace.root};Sampled=1` });
    expect(response.status).toBe(hasSns ? 502 : 200);
    if (hasSns) await fetch(`${url}/_sns/ok`, { method: 'POST' });
    await dev.waitForLine(new RegExp(`trace ${trace.root}`));

    const page = await (await browser!).newPage(1200, 900);
    await page.goto(`${url}/_traces#trace=${trace.root}`);
    await page.waitFor(`document.querySelector('#trace-caption').textContent === '${trace.root}' && document.querySelectorAll('.timeline .label[data-name]').length >= 2`);
    await page.waitFor(`document.querySelectorAll('#map g.node').length >= ${stage.length + 2}`);
    const view = await page.evaluate<{
      rows: { name: string; status: string; failing: boolean }[];
      exceptions: string[];
      nodes: { name: string; type: string; requests: number; faults: number }[];
    }>(`(() => ({
      rows: [...document.querySelectorAll('.timeline .label[data-name]')].map((e) => ({ name: e.dataset.name, status: e.dataset.status, failing: e.dataset.failing === 'true' })),
      exceptions: [...document.querySelectorAll('.timeline .exception')].map((e) => e.textContent),
      nodes: [...document.querySelectorAll('#map g.node')].map((n) => ({ name: n.dataset.name, type: n.dataset.type, requests: Number(n.dataset.requests), faults: Number(n.dataset.faults) })),
    }))()`);

    expect(view.rows.map((row) => row.name)).toEqual(expect.arrayContaining([...stage, functionName]));
    expect(view.nodes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Client', type: 'client' }),
        ...stage.map((name) => expect.objectContaining({ name, type: 'AWS::ApiGateway::Stage' })),
        expect.objectContaining({ name: functionName, type: 'AWS::Lambda::Function' }),
      ]),
    );
    if (hasSns) {
      expect(view.rows.filter((row) => row.failing)).toEqual([{ name: 'SNS', status: 'fault', failing: true }]);
      expect(view.exceptions.join('\n')).toMatch(/InternalErrorException: SNS is failing on demand/);
      expect(view.nodes).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'SNS', type: 'AWS::SNS', faults: expect.any(Number) })]));
      expect(view.nodes.find((node) => node.name === 'SNS')!.faults).toBeGreaterThan(0);
    } else {
      expect(view.rows.filter((row) => row.failing)).toEqual([]);
      expect(view.rows.map((row) => row.name)).toContain(`## ${operationId}`);
    }
    if (process.env.TRACE_VIEW_SCREENSHOT) writeFileSync(process.env.TRACE_VIEW_SCREENSHOT, await page.screenshot(1200));

    if (hasSns) {
      // The page's button makes SNS fail, and restores it.
      await page.evaluate(`document.querySelector('#sns-toggle').click()`);
      await page.waitFor(`document.querySelector('#sns-state').textContent.includes('failing')`);
      expect(((await (await fetch(`${url}/_sns`)).json()) as { failing: unknown }).failing).not.toBeNull();
      await page.evaluate(`document.querySelector('#sns-toggle').click()`);
      await page.waitFor(`document.querySelector('#sns-state').textContent.startsWith('SNS ok')`);
    }
  });
});
