// The /_traces page (web/) draws the marks the terminal prints, for traces of the corpus, in headless Chromium.
// A small server of the test's own serves web/ and the JSON the page fetches, made by the model as the dev
// server makes it, so the page is tested without starting a project.
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServiceMap, buildTimeline, describeException, type TraceTimeline } from '../src/traces/segments.js';
import { formatRowDuration, formatTraceDuration, orphanNote } from '../src/traces/terminal.js';
import { Browser, findChromium, type Page } from './support/chromium.js';
import { loadCorpus } from './support/xray-corpus.js';

const chromium = findChromium();
const SHOWN = ['grafana-fault-on-inferred-segment', 'xray-guide-segment-fragments', 'otel-min-cause-is-exception-id', 'aws-cli-batch-get-traces', 'grafana-in-progress-without-start'];
const traces = loadCorpus().filter((trace) => SHOWN.includes(trace.name));
const timelines = new Map(traces.map((trace) => [trace.name, { trace, timeline: buildTimeline(trace.traceId, trace.documents) }]));

/** What the dev server answers at /_traces/api/state and /_traces/api/traces/<id>, for these traces only. */
function pageServer(): Promise<Server> {
  const state = {
    version: 1,
    project: { name: 'corpus', stage: 'test', apiTracing: true, tracingMode: 'Active' },
    notes: [],
    sns: { enabled: false },
    map: buildServiceMap([...timelines.values()].map(({ timeline }) => timeline)),
    requests: [],
    routes: [],
    defaultRule: { ruleName: 'corpus-test--default', reservoirSize: 1, fixedRate: 0.05 },
  };
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type });
      response.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
    };
    if (url.pathname === '/_traces') return send(200, await readFile(new URL('../web/index.html', import.meta.url)), 'text/html');
    if (url.pathname === '/_traces/app.js') return send(200, await readFile(new URL('../web/app.js', import.meta.url)), 'text/javascript');
    if (url.pathname === '/_traces/style.css') return send(200, await readFile(new URL('../web/style.css', import.meta.url)), 'text/css');
    if (url.pathname === '/_traces/api/state') return send(200, url.searchParams.get('since') === '1' ? { unchanged: true } : state);
    const shown = [...timelines.values()].find(({ trace }) => url.pathname === `/_traces/api/traces/${encodeURIComponent(trace.name)}`);
    if (shown) return send(200, { timeline: shown.timeline, logs: [], documents: shown.trace.documents });
    send(404, { message: `Nothing at ${url.pathname}` });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface PageRow {
  name: string;
  origin?: string;
  status: string;
  failing: boolean;
  orphan: boolean;
  depth: number;
  label: string;
  clipped: string[];
  duration: string;
  bar?: { left: number; right: number };
  trackLeft: number;
}

/** The page's timeline as the reader sees it. */
function readTimeline(page: Page) {
  return page.evaluate<{ head: string; rows: PageRow[]; exceptions: { of: string; text: string }[]; trackWidth: number }>(`(() => {
    const labels = [...document.querySelectorAll('.timeline .label[data-name]')];
    return {
      head: document.querySelector('.trace-head').textContent,
      trackWidth: document.querySelector('.timeline .track').getBoundingClientRect().width,
      rows: labels.map((label) => {
        const track = label.nextElementSibling;
        const bar = track.querySelector('.bar');
        const box = track.getBoundingClientRect();
        const drawn = bar && bar.getBoundingClientRect();
        return {
          name: label.dataset.name,
          origin: label.dataset.origin,
          status: label.dataset.status,
          failing: label.dataset.failing === 'true',
          orphan: label.dataset.orphan === 'true',
          depth: Number(label.dataset.depth),
          label: label.textContent,
          // Parts of the label cut off by its box (none may be: a flag the reader cannot see is no mark).
          clipped: [...label.children].filter((part) => part.getBoundingClientRect().right > label.getBoundingClientRect().right + 1).map((part) => part.textContent),
          duration: track.nextElementSibling.textContent,
          bar: drawn ? { left: drawn.left - box.left, right: drawn.right - box.left } : undefined,
          trackLeft: box.left,
        };
      }),
      exceptions: [...document.querySelectorAll('.timeline .exception')].map((e) => ({ of: e.dataset.exceptionOf, text: e.textContent })),
    };
  })()`);
}

describe.skipIf(!chromium)(`the trace page on corpus traces, in headless Chromium${chromium ? '' : ' (NOT RUN: no Chromium)'}`, () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([pageServer(), Browser.launch(chromium!)]);
    page = await browser.newPage(1200, 900);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it.each(SHOWN)('shows %s with the marks the terminal prints', async (name) => {
    const { timeline } = timelines.get(name)!;
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/_traces#trace=${encodeURIComponent(name)}`);
    await page.waitFor(`document.querySelector('#trace-caption').textContent === ${JSON.stringify(name)} && document.querySelectorAll('.timeline .label[data-name]').length === ${timeline.rows.length}`);
    const view = await readTimeline(page);

    expect(view.head).toContain(timeline.entry!);
    expect(view.head).toContain(formatTraceDuration(timeline));
    expect(view.head).toContain(timeline.status.toUpperCase());
    if (timeline.failing) expect(view.head).toContain(`failing: ${timeline.failing.name}`);
    // The bars share one column, whatever the name or origin length.
    expect(new Set(view.rows.map((row) => Math.round(row.trackLeft))).size).toBe(1);
    timeline.rows.forEach((row, index) => {
      const shown = view.rows[index]!;
      expect(shown.clipped).toEqual([]);
      expect(shown).toMatchObject({ name: row.name, status: row.status, failing: row.failing, orphan: row.orphan, depth: row.depth, duration: formatRowDuration(row) });
      expect(shown.origin).toBe(row.origin);
      if (row.origin) expect(shown.label).toContain(row.origin);
      if (row.status !== 'ok') expect(shown.label).toContain(row.status);
      expect(shown.label.includes(orphanNote(row))).toBe(row.orphan);
      expectBar(shown, row, timeline, view.trackWidth);
      const marks = view.exceptions.filter((exception) => exception.of === row.name).map((exception) => exception.text);
      if (row.cause?.note) expect(marks).toContain(`cause: ${row.cause.note}`);
      for (const exception of row.exceptions) expect(marks.some((text) => text.startsWith(describeException(exception)))).toBe(true);
      if (row.cause?.workingDirectory) expect(marks).toContain(`in ${row.cause.workingDirectory}`);
    });
    const text = await page.evaluate<string>('document.querySelector("#trace").innerText');
    expect(text).not.toMatch(/NaN|undefined|null/);
    // TRACE_PAGE_SCREENSHOTS=<folder>: one PNG per trace, to look at.
    if (process.env.TRACE_PAGE_SCREENSHOTS) writeFileSync(path.join(process.env.TRACE_PAGE_SCREENSHOTS, `${name}.png`), await page.screenshot(1200));
  });
});

/** A row's bar runs from its start to where the model says it ends (its finished ancestor's end while in progress). */
function expectBar(shown: PageRow, row: TraceTimeline['rows'][number], timeline: TraceTimeline, width: number) {
  if (row.start === undefined || row.until === undefined) return expect(shown.bar).toBeUndefined();
  const total = timeline.span || 1;
  expect(shown.bar).toBeDefined();
  expect(shown.bar!.left).toBeCloseTo((row.start / total) * width, -1);
  expect(shown.bar!.right).toBeCloseTo(Math.max((row.until / total) * width, shown.bar!.left + 0.003 * width), -1);
}
