// Where the dev server's lines go (the terminal, or a test's list), colored or not. Every line passes
// through the terminal's one door (terminal/text.ts): whatever outside text it holds reaches the
// terminal with its control characters escaped and cut to a sane length.
import { paint, screen } from '../terminal/text.js';

export interface Output {
  print(line: string): void;
  /** `text` in an ANSI color (31 red, 32 green, 33 yellow, 2 dim) when colors are on. */
  paint(code: number, text: string): string;
}

export function output(print: (line: string) => void = (line) => console.log(line), color = false): Output {
  return { print: (line) => print(screen(line, color)), paint: (code, text) => (color ? paint(code, text) : text) };
}
