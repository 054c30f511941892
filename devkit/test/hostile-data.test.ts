// Data from outside (a request from any web page, a handler's output, X-Ray's documents and AWS's messages) on its
// way to a terminal and into the dev server's memory: escaped, cut and bounded, class by class.
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { project, projectRoot } from './support/project.js';
import { temporaryFolder } from './support/temporary.js';
import { startDevServer, type DevServer } from '../src/dev/server.js';
import { BoundedBuffer, cutLine } from '../src/local/bounded.js';
import { RESPONSE_PAYLOAD_LIMIT } from '../src/local/lambda-runtime.js';
import { forTerminal, linesForTerminal, paint, screen } from '../src/terminal/text.js';
import { buildTimeline, type SegmentDocument } from '../src/traces/segments.js';
import { formatTimeline } from '../src/traces/terminal.js';
import { traces } from '../src/traces/main.js';
import { exampleTrace, traceId } from './support/xray-fixtures.js';
import { startXRayStandIn } from './support/xray-stand-in.js';

/** Any control character a terminal acts on (line feed aside), raw. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const ESCAPES = '\u001b[2J\u001b]0;owned\u0007\u009b31m\r\u202e';

describe('the terminal\'s one door (terminal/text.ts)', () => {
  it('shows every control character as an escape, line breaks too', () => {
    expect(forTerminal(`a${ESCAPES}b\nc\td`)).toBe('a\\e[2J\\e]0;owned\\x07\\x9b31m\\r\\u202eb\\nc\\td');
    expect(forTerminal('plain text, ünïcode ✓ and emoji 🙂')).toBe('plain text, ünïcode ✓ and emoji 🙂');
  });

  it('cuts a long value and says how much was cut, reading no more of it than it shows', () => {
    const name = 'x'.repeat(1024 * 1024);
    const shown = forTerminal(name);
    expect(shown).toBe(`${'x'.repeat(500)}… [cut: ${1024 * 1024 - 500} more characters]`);
    expect(forTerminal('🙂'.repeat(10), 5)).toBe(`${'🙂'.repeat(3)}… [cut: 14 more characters]`);
    expect(linesForTerminal('a\nb\nc\nd', 2)).toEqual(['a', 'b', '… [cut: 2 more lines]']);
  });

  it('colours only its own marks: outside text cannot forge one, and without colour none is left', () => {
    const line = `${paint(31, 'FAULT')} ${ESCAPES} \ue000deadbeef:31\ue001`;
    expect(screen(line, true)).toMatch(/^\u001b\[31mFAULT\u001b\[0m \\e\[2J/);
    expect(screen(line, true).replace(/\u001b\[(31|0)m/g, '')).not.toMatch(RAW_CONTROL);
    expect(screen(line, false)).toBe(`FAULT ${forTerminal(ESCAPES)} \ue000deadbeef:31\ue001`);
  });
});

describe('bounded buffers (local/bounded.ts)', () => {
  it('keep the last entries within their count and size, and count what they let go', () => {
    const buffer = new BoundedBuffer<string>(3, 10);
    for (const item of ['aaaa', 'bbbb', 'cccc', 'dd', 'e']) buffer.push(item);
    expect(buffer.toArray()).toEqual(['cccc', 'dd', 'e']);
    buffer.push('x'.repeat(11));
    expect(buffer.toArray()).toEqual(['cccc', 'dd', 'e']);
    expect(buffer.dropped).toBe(3);
    const many = new BoundedBuffer<number>(100, 1e9, () => 1);
    for (let i = 0; i < 100_000; i++) many.push(i);
    expect(many.length).toBe(100);
    expect(many.toArray()[0]).toBe(99_900);
    expect(cutLine('y'.repeat(20), 5, 7)).toBe('yyyyy… [cut: 22 more characters]');
  });
});

/** A segment nested `depth` levels deep, built without recursion; the deepest subsegment fails. */
function deepSegment(depth: number, start: number): SegmentDocument {
  const root: SegmentDocument = { id: 'a'.repeat(16), trace_id: traceId(start), name: 'deep', start_time: start, end_time: start + 1 };
  let parent = root;
  for (let i = 0; i < depth; i++) {
    const child: SegmentDocument = { id: i.toString(16).padStart(16, '0'), name: `level ${i}`, start_time: start, end_time: start + 1, ...(i === depth - 1 ? { fault: true } : {}) };
    parent.subsegments = [child];
    parent = child;
  }
  return root;
}

describe('documents of any depth and pages of any size', () => {
  it('a segment nested 100,000 levels deep, parsed from JSON as X-Ray sends it, becomes a timeline and prints', () => {
    const start = Date.now() / 1000;
    // The document as text, built without recursion (JSON.stringify would recurse), then parsed as npm run traces parses it.
    const depth = 100_000;
    let text = '';
    for (let i = 0; i < depth; i++) text += `{"id":"${i.toString(16).padStart(16, '0')}","name":"level ${i}","start_time":${start},"end_time":${start + 1},"subsegments":[`;
    text += `{"id":"ffffffffffffffff","name":"bottom","start_time":${start},"end_time":${start + 1},"fault":true}`;
    text += ']}'.repeat(depth);
    const document = { ...(JSON.parse(text) as SegmentDocument), trace_id: traceId(start) };
    const timeline = buildTimeline(document.trace_id!, [document]);
    expect(timeline.rows).toHaveLength(depth + 1);
    expect(timeline.failing?.name).toBe('bottom');
    const printed = formatTimeline(timeline);
    expect(printed.split('\n').length).toBeGreaterThan(depth);
    // The indent stops growing: a row's name stays on the screen however deep it is.
    expect(Math.max(...printed.split('\n').slice(0, 1000).map((line) => line.length))).toBeLessThan(300);
    expect(buildTimeline(document.trace_id!, [deepSegment(50_000, start)]).rows).toHaveLength(50_001);
  });

  it('npm run traces on a page of 150,000 summaries, and a trace whose names and errors hold escapes and a 1 MB name', async () => {
    const now = Date.now() / 1000;
    const hostile = exampleTrace({ start: now - 60, snsFails: true, functionName: `${project.namePrefix}-createOrder`, project });
    const [first] = hostile.documents;
    first!.name = `orders${ESCAPES}${'n'.repeat(1024 * 1024)}`;
    for (const document of hostile.documents) {
      for (const sub of document.subsegments ?? []) {
        const exceptions = (sub.cause as { exceptions?: { message?: string }[] } | undefined)?.exceptions ?? [];
        for (const exception of exceptions) exception.message = `SNS is down ${ESCAPES}`;
      }
    }
    (hostile.summary as Record<string, unknown>).EntryPoint = { Name: `entry${ESCAPES}` };
    const filler = Array.from({ length: 150_000 }, (_, i) => ({
      id: `1-${Math.floor(now - 120).toString(16)}-${i.toString(16).padStart(24, '0')}`,
      start: now - 120,
      summary: { Id: `1-${Math.floor(now - 120).toString(16)}-${i.toString(16).padStart(24, '0')}`, StartTime: now - 120, HasFault: true, Http: { HttpURL: `/x${ESCAPES}` } },
      documents: [],
    }));
    const { api, env } = await startXRayStandIn([hostile, ...filler]);
    api.pageSize = 200_000;
    const out: string[] = [];
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const cwd = process.cwd();
    process.chdir(projectRoot);
    let code: number;
    try {
      code = await traces(['--since', '15m', '--limit', '3'], { out: (line) => out.push(line), err: (line) => out.push(line), color: true });
    } finally {
      process.chdir(cwd);
      for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
      Object.assign(process.env, saved);
    }
    const text = out.join('\n');
    expect(code, text.slice(0, 2000)).toBe(0);
    expect(text).toContain(hostile.id);
    expect(text).toContain('SNS is down \\e[2J\\e]0;owned\\x07\\x9b31m\\r\\u202e');
    expect(text).toMatch(/orders\\e\[2J.*n… \[cut: \d+ more characters\]/);
    expect(text.replace(/\u001b\[\d+m/g, '')).not.toMatch(RAW_CONTROL);
    for (const line of text.split('\n')) expect(line.length).toBeLessThan(2500);
  }, 120_000);
});

describe.concurrent('the dev server: what handlers print and answer', () => {
  let root: string;
  let server: DevServer;
  const printed: string[] = [];
  const handlers: Record<string, string> = {
    // 3 x 20 MB of log lines per call, then lines with terminal escapes, on stdout and on stderr.
    loud: `exports.handler = async () => {
      const line = JSON.stringify({ level: 'INFO', message: 'x'.repeat(20 * 1024 * 1024) });
      for (let i = 0; i < 3; i++) process.stdout.write(line + '\\n');
      for (let i = 0; i < 800; i++) console.log(JSON.stringify({ level: 'INFO', message: 'line ' + i }));
      console.log(${JSON.stringify(`plain ${ESCAPES}`)});
      console.error(${JSON.stringify(`stderr ${ESCAPES}`)});
      return { statusCode: 200, body: 'ok' };
    };`,
    tooLarge: `exports.handler = async () => ({ statusCode: 200, body: 'y'.repeat(7 * 1024 * 1024) });`,
    justUnder: `exports.handler = async () => ({ statusCode: 200, body: 'z'.repeat(${RESPONSE_PAYLOAD_LIMIT - 1000}) });`,
    throws: `exports.handler = async () => { throw new Error(${JSON.stringify(`broken ${ESCAPES}`)}); };`,
  };

  beforeAll(async () => {
    root = temporaryFolder('traced-api-hostile-');
    const paths: Record<string, unknown> = {};
    for (const [name, code] of Object.entries(handlers)) {
      mkdirSync(path.join(root, 'dist', name), { recursive: true });
      writeFileSync(path.join(root, 'dist', name, 'index.js'), code);
      paths[`/${name}`] = { get: { operationId: name } };
    }
    writeFileSync(path.join(root, 'openapi.yaml'), stringify({ openapi: '3.0.3', info: { title: 'hostile', version: '1' }, paths }));
    server = await startDevServer({
      root,
      port: 0,
      build: false,
      echoLogs: true,
      printTimelines: true,
      openapiPath: path.join(root, 'openapi.yaml'),
      project: { ...project, apiTracing: true, lambdaTimeoutSeconds: 20, lambdaMemoryMb: 1024, defaultRule: { ...project.defaultRule, reservoirSize: 0, fixedRate: 1 } },
      print: (line) => printed.push(line),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  function get(target: string): Promise<{ status: number; body: string; traceId: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path: target }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8'), traceId: /Root=([^;]+)/.exec(String(res.headers['x-amzn-trace-id']))?.[1] ?? '' }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('keeps what a function logs in bounded buffers: long lines cut saying so, the last lines only', async ({ expect }) => {
    let last = '';
    for (let i = 0; i < 3; i++) {
      const answer = await get('/loud');
      expect(answer.status).toBe(200);
      last = answer.traceId;
    }
    const stored = JSON.parse((await get(`/_traces/api/traces/${last}`)).body) as { logs: unknown[] };
    expect(stored.logs.length).toBeLessThanOrEqual(500);
    expect(JSON.stringify(stored.logs).length).toBeLessThan(1024 * 1024);
    const echoed = printed.filter((line) => line.includes('loud |'));
    expect(echoed.some((line) => /… \[cut: \d+ more characters\]/.test(line))).toBe(true);
    for (const line of printed) expect(line.length).toBeLessThan(2500);
    expect(printed.join('\n')).toContain('plain \\e[2J\\e]0;owned\\x07\\x9b31m\\r\\u202e');
    expect(printed.join('\n')).toContain('stderr \\e[2J');
    expect(printed.join('\n')).not.toMatch(RAW_CONTROL);
  });

  it('a response over Lambda\'s 6 MB gets API Gateway\'s 502; one just under it gets through', async ({ expect }) => {
    const refused = await get('/tooLarge');
    expect(refused.status).toBe(502);
    expect(JSON.parse(refused.body)).toEqual({ message: 'Internal server error' });
    expect(printed.join('\n')).toMatch(/Function\.ResponseSizeTooLarge: Response payload size exceeded maximum allowed payload size \(6291556 bytes\)/);
    const passed = await get('/justUnder');
    expect(passed.status).toBe(200);
    expect(passed.body.length).toBe(RESPONSE_PAYLOAD_LIMIT - 1000);
  });

  it('a handler\'s error and a request path holding escapes are printed escaped', async ({ expect }) => {
    expect((await get('/throws')).status).toBe(502);
    // Escapes in a path, as any web page can make a browser send them: they arrive percent-encoded, and stay so on the screen.
    expect((await get('/throws/%1b%5b2J%c2%9b?q=%1b[31m')).status).toBe(403);
    // Each request's line is printed once its trace is in (after the response).
    const shown = (pattern: RegExp) => printed.some((line) => pattern.test(line));
    for (let i = 0; i < 500 && !(shown(/^GET \/throws\/%1b/i) && shown(/^GET \/throws +502/)); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const text = printed.join('\n');
    expect(text).toContain('broken \\e[2J\\e]0;owned\\x07\\x9b31m\\r\\u202e');
    expect(text).toMatch(/GET \/throws\/%1b%5b2J%c2%9b\?q=%1b\[31m +403/i);
    expect(text).not.toMatch(RAW_CONTROL);
  });
});
