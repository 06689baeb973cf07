// 1-based line numbers over a text. A line ends at '\n' (a '\r' before it stays
// part of the line's text), the convention the data pipeline's lines use too.

export class LineIndex {
  /** Character offset where each line starts; lineStarts[0] = 0. */
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** The 1-based line holding character `offset` (offset = text.length is on the last line). */
  lineOf(offset: number): number {
    if (offset < 0 || offset > this.text.length) throw new RangeError(`offset ${offset} outside [0, ${this.text.length}]`);
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }

  /** Characters [start, end) of a 1-based line, without its '\n'. */
  lineSpan(line: number): { start: number; end: number } {
    if (!Number.isInteger(line) || line < 1 || line > this.lineCount) throw new RangeError(`line ${line} outside [1, ${this.lineCount}]`);
    const start = this.lineStarts[line - 1];
    const end = line < this.lineCount ? this.lineStarts[line] - 1 : this.text.length;
    return { start, end };
  }

  /** Text of lines first..last (inclusive), without the final '\n'. */
  textOfLines(first: number, last: number): string {
    return this.text.slice(this.lineSpan(first).start, this.lineSpan(last).end);
  }

  /** 1-based inclusive lines of the non-empty character range [start, end). */
  linesOfRange(start: number, end: number): { startLine: number; endLine: number } {
    if (end <= start) throw new RangeError(`empty character range [${start}, ${end})`);
    return { startLine: this.lineOf(start), endLine: this.lineOf(end - 1) };
  }
}
