// The pure parts of answering: input layout, span decoding, line mapping,
// ranking and merging, window sizing.
import * as assert from 'assert';
import { largestLeafShare } from '../../src/engine/reader';
import { LineIndex } from '../../src/engine/lines';
import { buildInput, questionSide } from '../../src/engine/model/inputs';
import { windowShapeFor } from '../../src/engine/openEngine';
import { decodeSpans } from '../../src/engine/spans';
import { SPECIAL } from '../../src/engine/tokenizer';

describe('model inputs', () => {
  it('lays out [CLS] question [SEP] PAD… | window with segments and mask', () => {
    const side = questionSide([11, 12, 13], 6);
    assert.deepStrictEqual([...side.ids], [SPECIAL.CLS, 11, 12, 13, SPECIAL.SEP, SPECIAL.PAD]);
    const input = buildInput(side, [100, 101, 102, 103, 104], 1, 4);
    assert.deepStrictEqual(input.inputIds, BigInt64Array.from([1n, 11n, 12n, 13n, 2n, 0n, 101n, 102n, 103n]));
    assert.deepStrictEqual(input.segmentIds, BigInt64Array.from([0n, 0n, 0n, 0n, 0n, 0n, 1n, 1n, 1n]));
    assert.deepStrictEqual(input.attentionMask, BigInt64Array.from([1n, 1n, 1n, 1n, 1n, 0n, 1n, 1n, 1n]));
  });

  it('truncates a long question to fit G − 2 and keeps [SEP]', () => {
    const side = questionSide([5, 6, 7, 8, 9], 4);
    assert.deepStrictEqual([...side.ids], [SPECIAL.CLS, 5, 6, SPECIAL.SEP]);
    assert.strictEqual(side.questionTokens, 2);
  });

  it('an empty question side (for indexing) is [CLS] [SEP] and masked PADs', () => {
    const input = buildInput(questionSide([], 4), [7, 8], 0, 2);
    assert.deepStrictEqual(input.inputIds, BigInt64Array.from([1n, 2n, 0n, 0n, 7n, 8n]));
    assert.deepStrictEqual(input.attentionMask, BigInt64Array.from([1n, 1n, 0n, 0n, 1n, 1n]));
  });
});

describe('span decoding', () => {
  const opts = { maxTokens: 64, count: 1, nullScore: 0 };

  it('finds the best start ≤ end, not the two maxima in the wrong order', () => {
    //          0  1  2  3  4  5
    const start = [0, 0, 1, 0, 0, 9];
    const end = [0, 8, 0, 0, 2, 0];
    const [best] = decodeSpans(start, end, { from: 0, to: 6 }, opts);
    // start 5 has no end after it except itself (0); start 2 + end 4 = 3 beats 5+... check all:
    // (5,5) = 9, (2,4) = 3, (0,1) = 8 → (5,5) wins.
    assert.deepStrictEqual(best, { first: 5, last: 5, score: 9 });
  });

  it('respects the maximum span length', () => {
    const start = [5, 0, 0, 0, 0];
    const end = [0, 0, 0, 0, 5];
    const [long] = decodeSpans(start, end, { from: 0, to: 5 }, { ...opts, maxTokens: 5 });
    assert.deepStrictEqual([long.first, long.last], [0, 4]);
    const [short] = decodeSpans(start, end, { from: 0, to: 5 }, { ...opts, maxTokens: 4 });
    assert.strictEqual(short.score, 5, 'spans of 5 tokens are no longer allowed');
    assert.ok(short.last - short.first < 4);
  });

  it('stays inside the document range and subtracts the no-answer score', () => {
    const start = [100, 100, 1, 2, 0];
    const end = [100, 100, 0, 3, 1];
    const [best] = decodeSpans(start, end, { from: 2, to: 5 }, { ...opts, nullScore: 200 });
    assert.deepStrictEqual(best, { first: 3, last: 3, score: 2 + 3 - 200 });
  });

  it('returns several spans that do not overlap, best first', () => {
    const start = [3, 0, 0, 0, 2, 0];
    const end = [0, 3, 0, 0, 0, 2];
    const spans = decodeSpans(start, end, { from: 0, to: 6 }, { ...opts, count: 3 });
    assert.deepStrictEqual(
      spans.slice(0, 2).map((s) => [s.first, s.last, s.score]),
      [[0, 1, 6], [4, 5, 4]],
    );
    for (let i = 0; i < spans.length; i++) {
      for (let j = i + 1; j < spans.length; j++) assert.ok(spans[i].last < spans[j].first || spans[j].last < spans[i].first);
    }
  });
});

describe('window sizing', () => {
  it('uses the standard windows when the model holds them, shrinks them otherwise', () => {
    assert.deepStrictEqual(windowShapeFor({ maxWindow: 16384, questionLength: 32 }), { size: 512, stride: 384 });
    assert.deepStrictEqual(windowShapeFor({ maxWindow: 288, questionLength: 32 }), { size: 256, stride: 192 });
    assert.throws(() => windowShapeFor({ maxWindow: 32, questionLength: 32 }), /no room/);
  });
});

describe('largestLeafShare (the crowded-leaf warning)', () => {
  it('finds the head whose document keys crowd one leaf, ignoring the question side and padding', () => {
    const shape = { layers: 1, heads: 2, leaves: 4 };
    // n = 6 positions, g = 2 question positions; head 0 spreads its 4 keys, head 1 puts all 3 valid keys in leaf 2.
    const leaves = Int32Array.from([0, 0, 0, 1, 2, 3, /* head 1 */ 1, 1, 2, 2, 2, -1]);
    assert.strictEqual(largestLeafShare(leaves, shape, 6, 2), 1);
    const spread = Int32Array.from([0, 0, 0, 1, 2, 3, 1, 1, 2, 2, 3, 0]);
    assert.strictEqual(largestLeafShare(spread, shape, 6, 2), 0.5);
  });
});
