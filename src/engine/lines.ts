// Character offsets ↔ 1-based line numbers of one text.

export class LineIndex {
  /** Offset of the first character of each line; line n starts at lineStarts[n - 1]. */
  private readonly lineStarts: Int32Array;

  constructor(private readonly text: string) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.lineStarts = Int32Array.from(starts);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** The 1-based line holding character `offset` (clamped to the text). */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** Text of lines first..last (1-based, inclusive), without the final line break. */
  linesText(first: number, last: number): string {
    const start = this.lineStarts[first - 1];
    const end = last < this.lineStarts.length ? this.lineStarts[last] - 1 : this.text.length;
    return stripCarriageReturns(this.text.slice(start, Math.max(start, end)));
  }
}

function stripCarriageReturns(s: string): string {
  return s.includes('\r') ? s.replace(/\r(?=\n|$)/g, '') : s;
}
