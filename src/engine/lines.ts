// 1-based line numbers over a text, shared by the engine, the data pipeline
// and the evaluation harness so all three count lines the same way. A line
// ends at '\n'; the '\n' belongs to no line's content (a '\r' before it does).

/** Characters [start, end) of a text. */
export interface CharRange {
  start: number;
  end: number;
}

export class LineIndex {
  /** Offset of the first character of each line; line n starts at lineStarts[n - 1]. */
  private readonly lineStarts: Int32Array;

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.lineStarts = Int32Array.from(starts);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** The 1-based line holding character `offset` (offset = text.length is on the last line). */
  lineOf(offset: number): number {
    if (!(offset >= 0 && offset <= this.text.length)) throw new RangeError(`offset ${offset} outside [0, ${this.text.length}]`);
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  lineStart(line: number): number {
    this.checkLine(line);
    return this.lineStarts[line - 1];
  }

  /** Offset of the end of a line's content (its '\n', or the end of the text). */
  lineEnd(line: number): number {
    this.checkLine(line);
    return line < this.lineCount ? this.lineStarts[line] - 1 : this.text.length;
  }

  /** Offset just past a line's '\n' (the end of the text on the last line). */
  afterLine(line: number): number {
    this.checkLine(line);
    return line < this.lineCount ? this.lineStarts[line] : this.text.length;
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  /** Text of lines first..last (inclusive) as shown to a user: no final line break, no '\r' before a '\n'. */
  linesText(first: number, last: number): string {
    const start = this.lineStart(first);
    const text = this.text.slice(start, Math.max(start, this.lineEnd(last)));
    return text.includes('\r') ? text.replace(/\r(?=\n|$)/g, '') : text;
  }

  /** 1-based inclusive lines of the non-empty character range [start, end). */
  linesOfRange(start: number, end: number): { startLine: number; endLine: number } {
    if (end <= start) throw new RangeError(`empty character range [${start}, ${end})`);
    return { startLine: this.lineOf(start), endLine: this.lineOf(end - 1) };
  }

  /**
   * The whole lines of `range`, '\n' included, when nothing but whitespace
   * shares those lines with it; undefined when code sits beside it.
   */
  wholeLines(range: CharRange): CharRange | undefined {
    const first = this.lineOf(range.start);
    const last = this.lineOf(Math.max(range.start, range.end - 1));
    const before = this.text.slice(this.lineStart(first), range.start);
    const after = this.text.slice(range.end, this.lineEnd(last));
    if (before.trim() !== '' || after.trim() !== '') return undefined;
    return { start: this.lineStart(first), end: this.afterLine(last) };
  }

  private checkLine(line: number): void {
    if (!Number.isInteger(line) || line < 1 || line > this.lineCount) throw new RangeError(`line ${line} outside [1, ${this.lineCount}]`);
  }
}
