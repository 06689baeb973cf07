// 1-based line numbers over character offsets.
import * as assert from 'assert';
import { LineIndex } from '../../src/engine/lines';

describe('LineIndex', () => {
  const lines = new LineIndex('ab\ncd\r\n\nef');

  it('maps offsets to 1-based lines; a newline belongs to the line it ends', () => {
    assert.strictEqual(lines.lineCount, 4);
    assert.deepStrictEqual([0, 1, 2, 3, 5, 6, 7, 8, 10].map((o) => lines.lineOf(o)), [1, 1, 1, 2, 2, 2, 3, 4, 4]);
    assert.throws(() => lines.lineOf(11), RangeError);
  });

  it('gives each line without its newline (a \r stays), and runs of lines as shown to a user (no \r)', () => {
    assert.deepStrictEqual([lines.lineStart(2), lines.lineEnd(2), lines.afterLine(2)], [3, 6, 7]);
    assert.strictEqual(lines.lineText(2), 'cd\r');
    assert.strictEqual(lines.linesText(2, 2), 'cd');
    assert.strictEqual(lines.linesText(3, 4), '\nef');
    assert.strictEqual(lines.linesText(1, 4), 'ab\ncd\n\nef');
    assert.strictEqual(lines.afterLine(4), 10);
    assert.throws(() => lines.lineStart(5), RangeError);
    assert.throws(() => lines.lineEnd(0), RangeError);
  });

  it('widens a range to its whole lines only when nothing else shares them', () => {
    const code = new LineIndex("x = 1\n  '''doc'''  \ny = 2");
    assert.deepStrictEqual(code.wholeLines({ start: 8, end: 17 }), { start: 6, end: 20 });
    assert.strictEqual(code.wholeLines({ start: 0, end: 1 }), undefined);
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
    assert.strictEqual(empty.linesText(1, 1), '');
  });
});
