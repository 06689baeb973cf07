// 1-based line numbers over character offsets.
import * as assert from 'assert';
import { LineIndex } from '../../src/eval/lines';

describe('LineIndex', () => {
  const lines = new LineIndex('ab\ncd\r\n\nef');

  it('maps offsets to 1-based lines; a newline belongs to the line it ends', () => {
    assert.strictEqual(lines.lineCount, 4);
    assert.deepStrictEqual([0, 1, 2, 3, 5, 6, 7, 8, 10].map((o) => lines.lineOf(o)), [1, 1, 1, 2, 2, 2, 3, 4, 4]);
    assert.throws(() => lines.lineOf(11), RangeError);
  });

  it('gives each line without its newline, and runs of lines', () => {
    assert.deepStrictEqual(lines.lineSpan(2), { start: 3, end: 6 });
    assert.strictEqual(lines.textOfLines(2, 2), 'cd\r');
    assert.strictEqual(lines.textOfLines(3, 4), '\nef');
    assert.strictEqual(lines.textOfLines(1, 4), 'ab\ncd\r\n\nef');
    assert.throws(() => lines.lineSpan(5), RangeError);
  });

  it('gives the inclusive lines of a character range', () => {
    assert.deepStrictEqual(lines.linesOfRange(3, 6), { startLine: 2, endLine: 2 });
    assert.deepStrictEqual(lines.linesOfRange(3, 7), { startLine: 2, endLine: 2 }); // ends with the newline
    assert.deepStrictEqual(lines.linesOfRange(3, 9), { startLine: 2, endLine: 4 });
    assert.throws(() => lines.linesOfRange(4, 4), /empty/);
  });

  it('an empty text is one empty line', () => {
    const empty = new LineIndex('');
    assert.strictEqual(empty.lineCount, 1);
    assert.strictEqual(empty.textOfLines(1, 1), '');
  });
});
