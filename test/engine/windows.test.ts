// Token windows: full coverage, the configured overlap, a clipped last window.
import * as assert from 'assert';
import { Encoding, splitIntoWindows, WINDOW_SIZE, WINDOW_STRIDE } from '../../src/engine/windows';

/** n tokens of 3 characters each, separated by one space: token i is chars [4i, 4i + 3). */
function syntheticEncoding(n: number): Encoding {
  const ids = Array.from({ length: n }, (_, i) => i);
  return { ids, starts: ids.map((i) => 4 * i), ends: ids.map((i) => 4 * i + 3) };
}

describe('splitIntoWindows', () => {
  it('defaults to 512-token windows every 384 tokens', () => {
    assert.strictEqual(WINDOW_SIZE, 512);
    assert.strictEqual(WINDOW_STRIDE, 384);
    const windows = splitIntoWindows(syntheticEncoding(1000));
    assert.deepStrictEqual(
      windows.map((w) => [w.tokenStart, w.tokenEnd]),
      [
        [0, 512],
        [384, 896],
        [768, 1000],
      ],
    );
  });

  it('covers every token, overlaps by size - stride, and clips the last window', () => {
    const windows = splitIntoWindows(syntheticEncoding(23), { size: 8, stride: 5 });
    assert.deepStrictEqual(
      windows.map((w) => [w.tokenStart, w.tokenEnd]),
      [
        [0, 8],
        [5, 13],
        [10, 18],
        [15, 23],
      ],
    );
    for (let i = 1; i < windows.length; i++) assert.strictEqual(windows[i - 1].tokenEnd - windows[i].tokenStart, 3);
  });

  it('gives character ranges from the first token start to the last token end', () => {
    const [first, second] = splitIntoWindows(syntheticEncoding(12), { size: 8, stride: 5 });
    assert.deepStrictEqual(first, { tokenStart: 0, tokenEnd: 8, charStart: 0, charEnd: 31 });
    assert.deepStrictEqual(second, { tokenStart: 5, tokenEnd: 12, charStart: 20, charEnd: 47 });
  });

  it('a short text is one window; an empty one has none', () => {
    assert.deepStrictEqual(splitIntoWindows(syntheticEncoding(3), { size: 8, stride: 5 }), [
      { tokenStart: 0, tokenEnd: 3, charStart: 0, charEnd: 11 },
    ]);
    assert.deepStrictEqual(splitIntoWindows(syntheticEncoding(0)), []);
  });

  it('does not add a window already covered when the text ends on a window boundary', () => {
    const windows = splitIntoWindows(syntheticEncoding(13), { size: 8, stride: 5 });
    assert.deepStrictEqual(
      windows.map((w) => [w.tokenStart, w.tokenEnd]),
      [
        [0, 8],
        [5, 13],
      ],
    );
  });

  it('stride = size tiles without overlap', () => {
    const windows = splitIntoWindows(syntheticEncoding(10), { size: 4, stride: 4 });
    assert.deepStrictEqual(
      windows.map((w) => [w.tokenStart, w.tokenEnd]),
      [
        [0, 4],
        [4, 8],
        [8, 10],
      ],
    );
  });

  it('rejects shapes that would leave tokens uncovered, and ragged encodings', () => {
    assert.throws(() => splitIntoWindows(syntheticEncoding(10), { size: 4, stride: 5 }), /stride/);
    assert.throws(() => splitIntoWindows(syntheticEncoding(10), { size: 0, stride: 1 }), /size/);
    assert.throws(() => splitIntoWindows({ ids: [1, 2], starts: [0], ends: [1, 2] }), /2 ids but 1 starts/);
  });
});
