// Where the dev server's lines go (the terminal, or a test's list), colored or not.
export interface Output {
  print(line: string): void;
  /** `text` in an ANSI color (31 red, 32 green, 33 yellow, 2 dim) when colors are on. */
  paint(code: number, text: string): string;
}

export function output(print: (line: string) => void = (line) => console.log(line), color = false): Output {
  return { print, paint: (code, text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text) };
}
