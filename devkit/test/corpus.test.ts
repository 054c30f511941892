// The trace views against X-Ray documents others published (test/corpus/, see its README): the model, the
// terminal timeline and the JSON the /_traces page renders, for every trace of the corpus.
import { describe, expect, it } from 'vitest';
import { buildServiceMap, buildTimeline, type SegmentDocument, type TimelineRow, type TraceTimeline } from '../src/traces/segments.js';
import { formatRowDuration, formatTimeline, formatTraceDuration, orphanNote } from '../src/traces/terminal.js';
import { everyDocument, loadCorpus, type CorpusTrace } from './support/xray-corpus.js';

const corpus = loadCorpus();
const BAR = 24;
const STATUS_LABEL = { ok: '', error: 'ERROR', throttle: 'THROTTLED', fault: 'FAULT' } as const;

/** The documents a trace holds once each, by id: a complete one wins over an in-progress one, as in X-Ray. */
function documentsById(trace: CorpusTrace): Map<string, { document: SegmentDocument; parentId?: string }> {
  const byId = new Map<string, { document: SegmentDocument; parentId?: string }>();
  const visit = (document: SegmentDocument, container?: SegmentDocument) => {
    const known = byId.get(document.id);
    const complete = (d: SegmentDocument) => d.end_time !== undefined && !d.in_progress;
    if (!known || (!complete(known.document) && complete(document))) byId.set(document.id, { document, parentId: container?.id ?? document.parent_id });
    for (const child of document.subsegments ?? []) visit(child, document);
  };
  for (const document of trace.documents) visit(document);
  return byId;
}

/** The terminal's row lines, in row order: "<marker> <label> <origin> |<bar>| <duration>...". */
function rowLines(text: string): string[] {
  const bar = new RegExp(`^[> ] .*\\|[█░ ]{${BAR}}\\| `);
  return text.split('\n').filter((line) => bar.test(line));
}

/** Every number in a value, nested: the page's JSON must carry none that is not finite. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe.each(corpus.map((trace) => [trace.name, trace] as const))('corpus trace %s', (_name, trace) => {
  const timeline = buildTimeline(trace.traceId, trace.documents);
  const text = formatTimeline(timeline, { barWidth: BAR });
  const lines = rowLines(text);
  /** The page renders what the dev server sends: the timeline, as JSON. */
  const page = JSON.parse(JSON.stringify(timeline)) as TraceTimeline;
  const documents = documentsById(trace);

  it('has one row for every document, with its name, origin and duration (or in progress), in every view', () => {
    expect(timeline.rows).toHaveLength(documents.size);
    expect(lines).toHaveLength(documents.size);
    expect(page.rows).toHaveLength(documents.size);
    timeline.rows.forEach((row, index) => {
      const { document } = documents.get(row.id)!;
      const complete = document.end_time !== undefined && !document.in_progress;
      expect(row).toMatchObject({ name: document.name, inProgress: !complete });
      expect(row.origin).toBe(document.origin);
      if (complete && document.start_time !== undefined) {
        expect(row.duration).toBeCloseTo((document.end_time! - document.start_time) * 1000, 0);
      } else {
        expect(row.duration).toBeUndefined();
      }
      const line = lines[index]!;
      expect(line).toContain(`${'  '.repeat(row.depth)}${document.name}`);
      if (document.origin) expect(line).toContain(document.origin);
      else if (document.namespace) expect(line).toContain(`(${document.namespace})`);
      expect(line).toContain(formatRowDuration(row));
      expect(formatRowDuration(row)).toEqual(!complete ? 'in progress' : document.start_time === undefined ? 'no start time' : expect.stringMatching(/^\d+(\.\d+)? m?s$/));
      expect(page.rows[index]).toMatchObject({ id: row.id, name: document.name, depth: row.depth, inProgress: row.inProgress });
      expect(page.rows[index]!.origin).toBe(document.origin);
      expect(page.rows[index]!.duration).toBe(row.duration);
    });
  });

  it('nests rows by parent_id, and marks a document whose parent is missing in every view', () => {
    const ids = new Set(documents.keys());
    timeline.rows.forEach((row, index) => {
      const { parentId } = documents.get(row.id)!;
      expect(row.parentId).toBe(parentId);
      const missing = parentId !== undefined && !ids.has(parentId);
      expect(row.orphan).toBe(missing);
      expect(page.rows[index]!.orphan).toBe(missing);
      if (missing || parentId === undefined) {
        expect(row.depth).toBe(0);
      } else {
        // Tree order: the parent is the closest row above one level up.
        const above = timeline.rows.slice(0, index).reverse().find((candidate) => candidate.depth === row.depth - 1);
        expect(above?.id).toBe(parentId);
      }
      if (missing) expect(lines[index]).toContain(`(${orphanNote(row)})`);
      else expect(lines[index]).not.toContain('not in this trace');
    });
  });

  it('marks every fault, error and throttle, and every cause, in whatever shape X-Ray allows', () => {
    timeline.rows.forEach((row, index) => {
      const { document } = documents.get(row.id)!;
      const expected = document.fault ? 'fault' : document.throttle ? 'throttle' : document.error ? 'error' : 'ok';
      expect(row.status).toBe(expected);
      expect(page.rows[index]!.status).toBe(expected);
      if (expected !== 'ok') expect(lines[index]).toContain(` ${STATUS_LABEL[expected]}`);
      const cause = document.cause as unknown;
      if (expected === 'ok' && cause === undefined) return;
      // A failing row, or one with a cause, always says something about its cause: exceptions or a note.
      expect(row.exceptions.length > 0 || row.cause?.note !== undefined, `${row.name} has no word on its cause`).toBe(true);
      const block = textUnder(text, lines[index]!);
      if (row.cause?.note) expect(block).toContain(`! cause: ${row.cause.note}`);
      for (const exception of row.exceptions) expect(block).toContain(exception.message ?? exception.type ?? exception.id);
      if (typeof cause === 'string') expect(row.cause?.note).toContain(`exception ${cause}`);
      else if (cause !== undefined && (typeof cause !== 'object' || cause === null || Array.isArray(cause))) expect(row.cause?.note).toContain(JSON.stringify(cause));
      else if (cause !== undefined) {
        const given = cause as { working_directory?: string; paths?: string[]; exceptions?: { message?: string; type?: string }[] };
        if (given.exceptions?.length) expect(row.exceptions.map((e) => e.message)).toEqual(given.exceptions.map((e) => e.message));
        if (given.working_directory) {
          expect(row.cause?.workingDirectory).toBe(given.working_directory);
          expect(block).toContain(`in ${given.working_directory}`);
        }
        if (given.paths?.length) expect(block).toContain(`paths: ${given.paths.join(', ')}`);
      }
      expect(page.rows[index]!.exceptions).toEqual(row.exceptions);
      expect(page.rows[index]!.cause).toEqual(row.cause);
    });
  });

  it('shows no NaN, undefined or invented value', () => {
    expect(text).not.toMatch(/NaN|undefined|null|Infinity/);
    expect(numbersIn(page).every(Number.isFinite)).toBe(true);
    expect(JSON.stringify(page)).not.toContain('null');
    // An exception's type is the one recorded, or none (never a default such as "Error").
    const types = new Set(everyDocument(trace.documents).flatMap((document) => (typeof document.cause === 'object' ? (document.cause.exceptions ?? []).map((e) => e.type) : [])));
    for (const row of timeline.rows) for (const exception of row.exceptions) if (exception.type !== undefined) expect(types).toContain(exception.type);
    const header = text.split('\n')[0]!;
    if (timeline.entry) expect(header).toContain(`  ${timeline.entry}`);
    expect(header).toContain(`  ${formatTraceDuration(timeline)}  `);
    if (timeline.inProgress) expect(header).not.toMatch(/ \d+(\.\d+)? m?s /);
  });

  it('aligns its columns whatever the name or origin length', () => {
    const barStarts = new Set(lines.map((line) => line.indexOf('|')));
    const barEnds = new Set(lines.map((line) => line.indexOf('|', line.indexOf('|') + 1)));
    // Durations are right-aligned: each ends in the same column, whatever its text.
    const durationEnds = new Set(lines.map((line, index) => line.indexOf(formatRowDuration(timeline.rows[index]!), [...barEnds][0]!) + formatRowDuration(timeline.rows[index]!).length));
    expect(barStarts.size).toBe(1);
    expect(barEnds.size).toBe(1);
    expect(durationEnds.size).toBe(1);
  });
});

/** The lines a row's line is followed by, up to the next row's line. */
function textUnder(text: string, line: string): string {
  const all = text.split('\n');
  const start = all.indexOf(line);
  const end = all.findIndex((candidate, index) => index > start && rowLines(candidate).length > 0);
  return all.slice(start + 1, end === -1 ? undefined : end).join('\n');
}

describe('the corpus', () => {
  it('holds every kind of document the trace views must read', () => {
    const all = corpus.flatMap((trace) => everyDocument(trace.documents));
    const origins = new Set(all.map((document) => document.origin));
    for (const origin of ['AWS::ApiGateway::Stage', 'AWS::Lambda', 'AWS::Lambda::Function', 'AWS::ElasticBeanstalk::Environment', 'AWS::DynamoDB::Table', 'AWS::SNS', 'Database::SQL']) {
      expect(origins).toContain(origin);
    }
    expect(all.some((document) => document.namespace === 'aws' && typeof document.aws?.operation === 'string')).toBe(true);
    expect(all.some((document) => document.inferred)).toBe(true);
    expect(all.some((document) => document.type === 'subsegment' && document.parent_id)).toBe(true);
    expect(all.some((document) => typeof document.cause === 'string')).toBe(true);
    expect(all.some((document) => typeof document.cause === 'object' && document.cause.exceptions?.length && document.cause.working_directory)).toBe(true);
    expect(all.some((document) => document.cause !== undefined && typeof document.cause !== 'string' && typeof document.cause !== 'object')).toBe(true);
    expect(all.some((document) => document.in_progress)).toBe(true);
    expect(all.some((document) => document.throttle)).toBe(true);
    expect(all.some((document) => document.sql)).toBe(true);
    expect(all.some((document) => document.start_time === undefined)).toBe(true);
    expect(Math.max(...corpus.map((trace) => everyDocument(trace.documents).length))).toBeGreaterThanOrEqual(300);
  });

  it('draws one service map of all its traces, every edge between nodes it has, callers not recorded as such', () => {
    const map = buildServiceMap(corpus.map((trace) => buildTimeline(trace.traceId, trace.documents)));
    const ids = new Set(map.nodes.map((node) => node.id));
    for (const edge of map.edges) {
      expect(ids).toContain(edge.from);
      expect(ids).toContain(edge.to);
    }
    expect(numbersIn(map).every(Number.isFinite)).toBe(true);
    expect(map.nodes.find((node) => node.id === 'unrecorded')).toMatchObject({ type: 'unrecorded', depth: 0 });
  });
});

describe('the defects real documents showed', () => {
  const named = (name: string) => corpus.find((trace) => trace.name === name)!;
  const timelineOf = (trace: CorpusTrace, documents = trace.documents) => buildTimeline(trace.traceId, documents);
  const header = (timeline: TraceTimeline) => formatTimeline(timeline).split('\n')[0]!;
  const row = (timeline: TraceTimeline, name: string, origin?: string): TimelineRow =>
    timeline.rows.find((candidate) => candidate.name === name && candidate.origin === origin)!;

  it("keeps the root's name in the header when the root carries only http.response (a Lambda root, an inferred root)", () => {
    const guide = named('xray-guide-batch-get-traces');
    // The Lambda documents of the guide's trace, without their caller: a partial trace, as X-Ray returns one.
    const lambda = timelineOf(guide, guide.documents.filter((document) => document.origin?.startsWith('AWS::Lambda')));
    expect(header(lambda)).toMatch(/^Trace 1-59602603-23fc5b688855d396af79b496  random-name  -> 200  2\.\d\d s  OK$/);
    const cli = named('aws-cli-batch-get-traces');
    const inferred = timelineOf(cli, cli.documents.filter((document) => document.inferred));
    expect(header(inferred)).toMatch(/  DynamoDB  -> 200  6\.0 ms  OK$/);
  });

  it('marks an orphan in the model, the terminal and the service map', () => {
    const timeline = timelineOf(named('otel-indep-subsegment'));
    expect(timeline.rows[0]).toMatchObject({ name: 'api.example.com', orphan: true, parentId: 'defdfd9912dc5a56' });
    expect(formatTimeline(timeline)).toContain('(parent defdfd9912dc5a56 not in this trace)');
    const map = buildServiceMap([timeline]);
    expect(map.nodes.map((node) => node.type)).toEqual(['unrecorded', 'remote']);
    expect(map.edges).toEqual([expect.objectContaining({ from: 'unrecorded', to: 'remote|api.example.com', requests: 1 })]);
    // The guide's Lambda segments without their caller: the function is called by the Lambda service segment,
    // which is called by something not recorded (not the client).
    const guide = named('xray-guide-batch-get-traces');
    const lambda = buildServiceMap([timelineOf(guide, guide.documents.filter((document) => document.origin?.startsWith('AWS::Lambda')))]);
    expect(lambda.edges.map((edge) => [edge.from, edge.to])).toEqual([
      ['unrecorded', 'AWS::Lambda|random-name'],
      ['AWS::Lambda|random-name', 'AWS::Lambda::Function|random-name'],
      ['AWS::Lambda::Function|random-name', 'AWS::SNS|SNS'],
    ]);
  });

  it("gives a fault on an inferred segment its caller's exceptions, saying where they were recorded", () => {
    const timeline = timelineOf(named('grafana-fault-on-inferred-segment'));
    expect(timeline.failing).toMatchObject({ name: 'DynamoDB', origin: 'AWS::DynamoDB::Table', inferred: true, status: 'fault' });
    expect(timeline.failing!.cause?.note).toBe('recorded by its caller, subsegment DynamoDB (4ab39ad12cff04b5)');
    expect(timeline.failing!.exceptions.map((exception) => exception.type)).toEqual(['ConditionalCheckFailedException', 'UndefinedStackException']);
  });

  it('shows an exception-id cause by its id, with no invented type, and a cause of another shape as given', () => {
    const byId = timelineOf(named('otel-min-cause-is-exception-id'));
    expect(byId.rows[0]).toMatchObject({ exceptions: [], cause: { note: 'exception abcdefghijklmnop, not in this trace' } });
    expect(formatTimeline(byId)).not.toMatch(/Error:/);
    const other = timelineOf(named('otel-min-cause-is-invalid'));
    expect(other.rows[0]!.cause?.note).toBe('cause in a shape X-Ray does not document: 200');
  });

  it('shows working_directory and paths, and a stack frame with only the parts it records', () => {
    const timeline = buildTimeline('1-581cf771-a006649127e371903a2de979', [
      // Written here: no published document with paths was found (see corpus/README.md).
      { id: '70de5b6f19ff9a0a', name: 'example.com', start_time: 1, end_time: 2, fault: true, cause: { working_directory: '/app', paths: ['/app/lib.py', '/app/main.py'], exceptions: [{ id: 'e1', message: 'boom', stack: [{ path: '/app/main.py', line: 3 }] }] } },
    ]);
    const text = formatTimeline(timeline);
    expect(text).toContain('! boom\n');
    expect(text).toContain('in /app');
    expect(text).toContain('paths: /app/lib.py, /app/main.py');
    expect(text).toContain('at /app/main.py:3\n');
    expect(text).not.toContain('anonymous');
  });

  it('says "no start time" for a document without start_time, never NaN', () => {
    const timeline = timelineOf(named('otel-segment-validation-failed'));
    expect(timeline.rows[0]).toMatchObject({ inProgress: false });
    expect(timeline.rows[0]!.start).toBeUndefined();
    expect(timeline.duration).toBeUndefined();
    expect(formatTimeline(timeline)).toMatch(/SampleServer +\| +\| no start time 200\n?$/m);
    expect(header(timeline)).toContain('  no start time  ');
  });

  it('ends an in-progress subsegment with its finished parent, and says an in-progress trace is in progress', () => {
    const grafana = named('grafana-in-progress-without-start');
    const [root] = grafana.documents as [SegmentDocument];
    // The grafana trace with its root closed: an in-progress subsegment inside a finished segment.
    const closed = buildTimeline(grafana.traceId, [{ ...root, start_time: 1595878288.1, end_time: 1595878288.3, subsegments: root.subsegments }]);
    expect(closed.rows[1]).toMatchObject({ name: 'response', inProgress: true, until: 200 });
    expect(closed.rows[1]!.start).toBeCloseTo(89.9, 1);
    const late = buildTimeline(grafana.traceId, [
      { ...root, start_time: 1595878288.1, end_time: 1595878288.3, subsegments: root.subsegments },
      { id: 'later', name: 'later', start_time: 1595878289.1, end_time: 1595878289.3 },
    ]);
    expect(late.rows.find((candidate) => candidate.name === 'response')!.until).toBe(200);
    expect(late.span).toBe(1200);
    expect(header(timelineOf(named('otel-min-in-progress')))).toMatch(/  LongOperation  in progress  OK$/);
    expect(header(timelineOf(grafana))).toMatch(/  myfrontend-dev  in progress  OK$/);
  });

  it('keeps bars in one column with origins longer than 28 characters', () => {
    const bars = rowLines(formatTimeline(timelineOf(named('aws-cli-batch-get-traces')), { barWidth: BAR }));
    expect(bars[0]).toContain('AWS::ElasticBeanstalk::Environment');
    expect(new Set(bars.map((line) => line.indexOf('|'))).size).toBe(1);
    // Written here: no published document with a Step Functions origin was found (see corpus/README.md).
    const machine = buildTimeline('1-66f7a1b2-0123456789abcdef01234567', [
      { id: '1111111111111111', name: 'checkout', origin: 'AWS::StepFunctions::StateMachine', start_time: 1, end_time: 2, subsegments: [{ id: '2222222222222222', name: 'Validate', start_time: 1.1, end_time: 1.5 }] },
      { id: '3333333333333333', parent_id: '2222222222222222', name: 'validate-fn', origin: 'AWS::Lambda::Function', start_time: 1.2, end_time: 1.4 },
    ]);
    const lines = rowLines(formatTimeline(machine, { barWidth: BAR }));
    expect(lines[0]).toContain('AWS::StepFunctions::StateMachine');
    expect(new Set(lines.map((line) => line.indexOf('|'))).size).toBe(1);
    expect(row(machine, 'validate-fn', 'AWS::Lambda::Function').depth).toBe(2);
  });

  it('orders rows that start together by name in natural order, then as the documents came', () => {
    const iteration = (n: number, id: string) => ({ id, name: `Iteration ${n}`, start_time: 1, end_time: 2 });
    const timeline = buildTimeline('1-66f7a1b2-0123456789abcdef01234568', [
      { id: 'map0000000000000', name: 'Map', start_time: 1, end_time: 3, subsegments: [iteration(10, 'a'), iteration(2, 'b'), iteration(1, 'c'), { id: 'd', name: 'Iteration 2', start_time: 1, end_time: 2.5 }] },
    ]);
    expect(timeline.rows.slice(1).map((candidate) => [candidate.name, candidate.id])).toEqual([
      ['Iteration 1', 'c'],
      ['Iteration 2', 'b'],
      ['Iteration 2', 'd'],
      ['Iteration 10', 'a'],
    ]);
  });
});
