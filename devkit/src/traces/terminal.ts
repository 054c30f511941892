// A trace's timeline as text, for `npm run traces` (the same rows the dev server's page draws).
import type { Status, TimelineRow, TraceTimeline } from './segments.js';
import { describeFailing } from './segments.js';

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

function painter(color: boolean) {
  return (code: keyof typeof CODES, text: string) => (color ? `\u001b[${CODES[code]}m${text}\u001b[0m` : text);
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return 'in progress';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

function label(row: TimelineRow): string {
  const operation = row.operation && row.operation !== row.name ? ` ${row.operation}` : '';
  return `${'  '.repeat(row.depth)}${row.name}${operation}`;
}

function kindOf(row: TimelineRow): string {
  return row.origin ?? (row.namespace ? `(${row.namespace})` : '');
}

function bar(row: TimelineRow, total: number, width: number): string {
  const scale = total > 0 ? width / total : 0;
  const left = Math.min(width - 1, Math.max(0, Math.floor(row.start * scale)));
  const length = Math.max(1, Math.min(width - left, Math.round((row.duration ?? total - row.start) * scale)));
  return `${' '.repeat(left)}${(row.inProgress ? '░' : '█').repeat(length)}${' '.repeat(width - left - length)}`;
}

/** The trace's header line: id, request, status, duration, and where it failed. */
export function formatTraceHeader(trace: TraceTimeline, options: TerminalOptions = {}): string {
  const paint = painter(options.color ?? false);
  const request = trace.http ? `${trace.http.method ?? ''} ${trace.http.url ?? ''} -> ${trace.http.status ?? '?'}`.trim() : (trace.entry ?? '');
  const status = paint(STATUS_COLOR[trace.status], STATUS_LABEL[trace.status]);
  return `${paint('bold', `Trace ${trace.id}`)}  ${request}  ${formatMs(trace.duration)}  ${status}`;
}

/** The timeline: one line per segment and subsegment, the failing one marked with its cause. */
export function formatTimeline(trace: TraceTimeline, options: TerminalOptions = {}): string {
  const paint = painter(options.color ?? false);
  const width = options.barWidth ?? 32;
  const labels = trace.rows.map(label);
  const labelWidth = Math.min(48, Math.max(12, ...labels.map((text) => text.length)));
  const kindWidth = Math.min(28, Math.max(4, ...trace.rows.map((row) => kindOf(row).length)));
  const lines = [formatTraceHeader(trace, options)];
  if (trace.rows.length === 0) lines.push('  (no segments)');
  trace.rows.forEach((row, index) => {
    const marker = row.failing ? paint('red', '>') : ' ';
    const name = labels[index]!.length > labelWidth ? `${labels[index]!.slice(0, labelWidth - 1)}…` : labels[index]!.padEnd(labelWidth);
    const status = row.status === 'ok' ? '' : ` ${paint(STATUS_COLOR[row.status], STATUS_LABEL[row.status])}`;
    const http = row.httpStatus !== undefined ? ` ${row.httpStatus}` : '';
    const failing = row.failing ? `  ${paint('red', '<- failing')}` : '';
    lines.push(
      `${marker} ${name}  ${paint('dim', kindOf(row).padEnd(kindWidth))} |${paint(STATUS_COLOR[row.status], bar(row, trace.duration, width))}| ` +
        `${formatMs(row.duration).padStart(9)}${status}${http}${failing}`,
    );
    const indent = `${' '.repeat(4 + row.depth * 2)}`;
    for (const exception of row.exceptions) {
      const text = `${exception.type}: ${exception.message}${exception.remote ? ' (remote)' : ''}`;
      lines.push(`${indent}${row.failing ? paint('red', `! ${text}`) : `! ${text}`}`);
      if (row.failing) for (const frame of exception.stack.slice(0, options.stackFrames ?? 3)) lines.push(`${indent}    at ${paint('dim', frame)}`);
    }
  });
  if (trace.failing) lines.push(`  ${paint('red', 'failing segment:')} ${describeFailing(trace.failing)}`);
  return lines.join('\n');
}
