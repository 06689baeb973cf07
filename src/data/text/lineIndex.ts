// 1-based lines over a text. A line ends at '\n'; the '\n' belongs to no line's
// content (a '\r' before it does). Same convention as the evaluation harness.
import { LineSpan, Span } from '../types';

export class LineIndex {
  /** Offset where each line starts; lineStarts[0] = 0. */
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** The 1-based line holding character `offset` (text.length is on the last line). */
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

  lineStart(line: number): number {
    return this.lineStarts[line - 1];
  }

  /** Offset of the end of a line's content (its '\n', or the end of the text). */
  lineEnd(line: number): number {
    return line < this.lineCount ? this.lineStarts[line] - 1 : this.text.length;
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  /** Offset just past a line's '\n' (the end of the text on the last line). */
  afterLine(line: number): number {
    return line < this.lineCount ? this.lineStarts[line] : this.text.length;
  }

  /** The lines of a non-empty span; endLine is the line of its last character. */
  withLines(span: Span): LineSpan {
    if (span.end <= span.start) throw new RangeError(`empty span [${span.start}, ${span.end})`);
    return { start: span.start, end: span.end, startLine: this.lineOf(span.start), endLine: this.lineOf(span.end - 1) };
  }

  /**
   * The whole lines of `span`, '\n' included, when nothing but whitespace
   * shares those lines with it; undefined when code sits beside it.
   */
  wholeLines(span: Span): Span | undefined {
    const first = this.lineOf(span.start);
    const last = this.lineOf(Math.max(span.start, span.end - 1));
    const before = this.text.slice(this.lineStart(first), span.start);
    const after = this.text.slice(span.end, this.lineEnd(last));
    if (before.trim() !== '' || after.trim() !== '') return undefined;
    return { start: this.lineStart(first), end: this.afterLine(last) };
  }
}
