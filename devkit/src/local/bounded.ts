// Buffers whose memory does not grow with what is written into them: a function that logs 150 MB keeps
// its last lines, cut to a sane length, and the rest is counted, not kept.

/** The longest log line kept whole (a longer one is cut and says so). */
export const LOG_LINE_LIMIT = 16 * 1024;

/** A line cut to `max` characters, saying how many were cut (`cut` more were dropped before it arrived). */
export function cutLine(line: string, max = LOG_LINE_LIMIT, cut = 0): string {
  const over = Math.max(0, line.length - max) + cut;
  return over === 0 ? line : `${line.slice(0, max)}… [cut: ${over} more characters]`;
}

/** The last entries pushed: at most `maxEntries`, and at most about `maxChars` characters in all. */
export class BoundedBuffer<T> {
  private entries: { item: T; size: number }[] = [];
  private start = 0;
  private chars = 0;
  /** Entries pushed out (or never kept) to stay within the bounds. */
  dropped = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxChars: number,
    private readonly sizeOf: (item: T) => number = (item) => (typeof item === 'string' ? item.length : JSON.stringify(item)?.length ?? 0),
  ) {}

  push(item: T): void {
    const size = this.sizeOf(item);
    if (size > this.maxChars) {
      this.dropped += 1;
      return;
    }
    this.entries.push({ item, size });
    this.chars += size;
    while (this.entries.length - this.start > this.maxEntries || this.chars > this.maxChars) {
      this.chars -= this.entries[this.start]!.size;
      this.start += 1;
      this.dropped += 1;
    }
    // Gives the dropped slots back now and then, not on every push.
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }

  get length(): number {
    return this.entries.length - this.start;
  }

  toArray(): T[] {
    return this.entries.slice(this.start).map((entry) => entry.item);
  }
}

/** The last `max` characters of a text written piece by piece (a process's stderr). */
export function keepTail(text: string, added: string, max: number): string {
  const joined = added.length >= max ? added.slice(-max) : text + added;
  return joined.length > max ? joined.slice(-max) : joined;
}
