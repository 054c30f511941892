// Output to a terminal is an interface: text that came from outside (a request, a handler's output, an
// X-Ray document, an AWS error, a project's files) reaches it only through here, with every control
// character shown as an escape and every long value cut, saying so. Colour is ours alone: `paint`
// marks a span with a token no outside text can forge, and `screen` turns the marks into ANSI colour
// (stdout a TTY, NO_COLOR unset) or drops them.
import { randomBytes } from 'node:crypto';

/** The longest single value printed whole; past it, a value is cut and says how much was cut. */
export const TERMINAL_VALUE_LIMIT = 500;

// C0 and C1 controls (ESC and CSI among them), DEL, and the Unicode characters that reorder or hide
// what follows them (bidirectional overrides and isolates, line and paragraph separators, BOM).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function escapeChar(char: string): string {
  const code = char.charCodeAt(0);
  return NAMED[char] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/**
 * One value from outside, safe for a terminal: control characters (line breaks too) shown as escapes
 * (`\e[2J`, `\n`), and at most `max` characters, with "[cut: N more characters]" when it was longer.
 */
export function forTerminal(value: unknown, max = TERMINAL_VALUE_LIMIT): string {
  const text = typeof value === 'string' ? value : String(value);
  let out = '';
  let i = 0;
  // Walks at most `max` characters of the text, however long it is.
  while (i < text.length && out.length < max) {
    const code = text.codePointAt(i)!;
    const char = String.fromCodePoint(code);
    out += UNSAFE.test(char) ? escapeChar(char) : char;
    i += char.length;
  }
  if (i >= text.length) return out;
  return `${out}… [cut: ${text.length - i} more characters]`;
}

/** Several lines from outside (a handler's stderr, a stack): each made safe, at most `maxLines` of them. */
export function linesForTerminal(value: unknown, maxLines = 50, max = TERMINAL_VALUE_LIMIT): string[] {
  const lines = String(value).split('\n');
  const shown = lines.slice(0, maxLines).map((line) => forTerminal(line.replace(/\r$/, ''), max));
  if (lines.length > maxLines) shown.push(`… [cut: ${lines.length - maxLines} more lines]`);
  return shown;
}

// The colour marks: a per-process secret between private-use characters, so outside text cannot hold one.
const SECRET = randomBytes(8).toString('hex');
const MARK = new RegExp(`\ue000${SECRET}:(\\d+)\ue001`, 'g');
const mark = (code: number) => `\ue000${SECRET}:${code}\ue001`;

/** `text` in an ANSI colour or style (31 red, 32 green, 33 yellow, 35 magenta, 2 dim, 1 bold), shown only by `screen`. */
export function paint(code: number, text: string): string {
  return `${mark(code)}${text}${mark(0)}`;
}

/**
 * Text as it goes to the terminal: line breaks kept, every other control character escaped and each run
 * of text between colour marks cut at `max` (values should be cut on their own before, with forTerminal);
 * the marks become ANSI colours when `color` is on, and nothing otherwise.
 */
export function screen(text: string, color: boolean, max = 4 * TERMINAL_VALUE_LIMIT): string {
  return text
    .split('\n')
    .map((line) => {
      const parts = line.split(MARK);
      // split() with a capture group: text at even indexes, colour codes at odd ones.
      return parts.map((part, index) => (index % 2 === 1 ? (color ? `\u001b[${part}m` : '') : forTerminal(part, max))).join('');
    })
    .join('\n');
}

/** A command's output whose every line passes through `screen` (its colour marks drawn when `color` is on). */
export function screened<T extends { out: (line: string) => void; err: (line: string) => void; color: boolean }>(given: T): T {
  return { ...given, out: (line: string) => given.out(screen(line, given.color)), err: (line: string) => given.err(screen(line, given.color)) };
}

/** Whether a stream gets colour: a terminal, and NO_COLOR unset (https://no-color.org). */
export function colorFor(stream: { isTTY?: boolean }): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}
