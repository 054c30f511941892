// A trace's timeline as text, for `npm run traces` (the same rows the dev server's page draws).
import type { Status, TimelineRow, TraceTimeline } from './segments.js';
import { describeException, describeFailing } from './segments.js';
import { forTerminal, paint } from '../terminal/text.js';

export interface TerminalOptions {
  /** ANSI colours (default: off). */
  color?: boolean;
  /** Characters of the bar column. */
  barWidth?: number;
  /** Stack frames shown under the failing segment's exception. */
  stackFrames?: number;
}

const CODES = { red: 31, yellow: 33, magenta: 35, green: 32, dim: 2, bold: 1 } as const;
const STATUS_COLOR: Record<Status, keyof typeof CODES> = { ok: 'green', error: 'yellow', throttle: 'magenta', fault: 'red' };
const STATUS_LABEL: Record<Status, string> = { ok: 'OK', error: 'ERROR', throttle: 'THROTTLED', fault: 'FAULT' };

// Marks only: the colour itself is added where the text reaches the terminal (screen() in terminal/text.ts).
function painter(color: boolean) {
  return (code: keyof typeof CODES, text: string) => (color ? paint(CODES[code], text) : text);
}

/** Names in a row are X-Ray data: cut so that a column stays readable. */
const NAME_LIMIT = 120;

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return 'in progress';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** A row's duration, or why it has none: still in progress, or no start_time recorded. */
export function formatRowDuration(row: TimelineRow): string {
  if (row.inProgress) return 'in progress';
  return row.duration === undefined ? 'no start time' : formatMs(row.duration);
}

/** The trace's duration, or why it has none. */
export function formatTraceDuration(trace: TraceTimeline): string {
  if (trace.inProgress) return 'in progress';
  return trace.duration === undefined ? 'no start time' : formatMs(trace.duration);
}

/** What a row whose parent is missing says about it, in every view. */
export function orphanNote(row: TimelineRow): string {
  return `parent ${row.parentId} not in this trace`;
}

function label(row: TimelineRow): string {
  const operation = row.operation && row.operation !== row.name ? ` ${forTerminal(row.operation, NAME_LIMIT)}` : '';
  return `${'  '.repeat(Math.min(row.depth, 40))}${forTerminal(row.name, NAME_LIMIT)}${operation}`;
}

function kindOf(row: TimelineRow): string {
  return forTerminal(row.origin ?? (row.namespace ? `(${row.namespace})` : ''), 60);
}

function bar(row: TimelineRow, total: number, width: number): string {
  if (row.start === undefined || row.until === undefined) return ' '.repeat(width);
  const scale = total > 0 ? width / total : 0;
  const left = Math.min(width - 1, Math.max(0, Math.floor(row.start * scale)));
  const length = Math.max(1, Math.min(width - left, Math.round((row.until - row.start) * scale)));
  return `${' '.repeat(left)}${(row.inProgress ? '░' : '█').repeat(length)}${' '.repeat(width - left - length)}`;
}

/** The trace's header line: id, entry and request, status, duration. */
export function formatTraceHeader(trace: TraceTimeline, options: TerminalOptions = {}): string {
  const paint = painter(options.color ?? false);
  const response = trace.http?.status !== undefined ? `-> ${trace.http.status}` : '';
  const request = [trace.http?.method, trace.http?.url, response].filter(Boolean).map((part) => forTerminal(part, 200)).join(' ');
  const entry = [trace.entry && forTerminal(trace.entry, NAME_LIMIT), request].filter(Boolean).join('  ');
  const status = paint(STATUS_COLOR[trace.status], STATUS_LABEL[trace.status]);
  return [paint('bold', `Trace ${forTerminal(trace.id, 40)}`), entry, formatTraceDuration(trace), status].filter(Boolean).join('  ');
}

/** The lines under a row: where its cause comes from, its exceptions, working directory and paths. */
function causeLines(row: TimelineRow, paint: ReturnType<typeof painter>, stackFrames: number): string[] {
  const indent = `${' '.repeat(4 + row.depth * 2)}`;
  const mark = (text: string) => `${indent}${row.failing ? paint('red', `! ${text}`) : `! ${text}`}`;
  const lines: string[] = [];
  if (row.cause?.note) lines.push(mark(`cause: ${forTerminal(row.cause.note)}`));
  for (const exception of row.exceptions.slice(0, 20)) {
    lines.push(mark(`${forTerminal(describeException(exception))}${exception.remote ? ' (remote)' : ''}`));
    if (!row.failing) continue;
    for (const frame of exception.stack.slice(0, stackFrames)) lines.push(`${indent}    at ${paint('dim', forTerminal(frame, 300))}`);
    const hidden = exception.stack.length - Math.min(stackFrames, exception.stack.length) + (exception.truncated ?? 0);
    if (hidden > 0) lines.push(`${indent}    ${paint('dim', `(${hidden} more frame${hidden === 1 ? '' : 's'})`)}`);
  }
  if (row.exceptions.length > 20) lines.push(`${indent}  (${row.exceptions.length - 20} more exceptions)`);
  if (row.cause?.workingDirectory) lines.push(`${indent}  in ${forTerminal(row.cause.workingDirectory, 300)}`);
  if (row.cause?.paths?.length) lines.push(`${indent}  paths: ${forTerminal(row.cause.paths.join(', '))}`);
  return lines;
}

/** The timeline: one line per segment and subsegment, columns aligned, the failing one marked with its cause. */
export function formatTimeline(trace: TraceTimeline, options: TerminalOptions = {}): string {
  const paint = painter(options.color ?? false);
  const width = options.barWidth ?? 32;
  const labels = trace.rows.map(label);
  const durations = trace.rows.map(formatRowDuration);
  // Widths from the longest name and origin: truncating would lose them, a capped pad would shift the bars.
  // (Loops, not Math.max(...list): a trace of a hundred thousand rows would overflow the call stack.)
  const widest = (texts: string[], least: number) => texts.reduce((max, text) => Math.max(max, text.length), least);
  const labelWidth = widest(labels, 12);
  const kindWidth = widest(trace.rows.map(kindOf), 4);
  const durationWidth = widest(durations, 9);
  const lines = [formatTraceHeader(trace, options)];
  if (trace.rows.length === 0) lines.push('  (no segments)');
  trace.rows.forEach((row, index) => {
    const marker = row.failing ? paint('red', '>') : ' ';
    const status = row.status === 'ok' ? '' : ` ${paint(STATUS_COLOR[row.status], STATUS_LABEL[row.status])}`;
    const http = row.httpStatus !== undefined ? ` ${row.httpStatus}` : '';
    const orphan = row.orphan ? `  ${paint('yellow', `(${orphanNote(row)})`)}` : '';
    const failing = row.failing ? `  ${paint('red', '<- failing')}` : '';
    lines.push(
      `${marker} ${labels[index]!.padEnd(labelWidth)}  ${paint('dim', kindOf(row).padEnd(kindWidth))} |${paint(STATUS_COLOR[row.status], bar(row, trace.span, width))}| ` +
        `${durations[index]!.padStart(durationWidth)}${status}${http}${orphan}${failing}`,
    );
    for (const line of causeLines(row, paint, options.stackFrames ?? 3)) lines.push(line);
  });
  if (trace.failing) lines.push(`  ${paint('red', 'failing segment:')} ${forTerminal(describeFailing(trace.failing))}`);
  return lines.join('\n');
}
