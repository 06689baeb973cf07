// compareReads (src/eval/questions/compareReads.ts) on hand-made reads whose
// changes are known: which candidates gained between two reads, and that reads
// over other candidates are refused.
import * as assert from 'assert';
import { compareReads } from '../../src/eval/questions/compareReads';
import { Read } from '../../src/eval/questions/fusionForms';

/** Candidates at lines 0, 50, 500 and 1000; the one at line 0 is the gold. */
function read(id: string, relevance: number[]): Read {
  const lines = [0, 50, 500, 1000];
  return { id, file: 'f', candidates: relevance.map((r, i) => ({ lexical: 1 - i / 10, relevance: r, span: 0, gold: i === 0, startLine: lines[i] })) };
}

describe('compareReads (eval)', () => {
  it('finds that the gold and its neighbour lost against the far candidates', () => {
    // A: gold first. B: gold and the candidate 50 lines away drop by 2, the far ones gain 2, so the gold ranks third.
    const a = [read('q1', [3, 2, 1, 0])];
    const b = [read('q1', [1, 0, 3, 2])];
    const r = compareReads(a, b, 100);
    assert.strictEqual(r.questions, 1);
    assert.strictEqual(r.mrrA, 1);
    assert.strictEqual(r.mrrB, 1 / 3);
    assert.strictEqual(r.aBetter, 1);
    assert.strictEqual(r.bBetter, 0);
    // Changes -2, -2, +2, +2 around a mean of 0.
    assert.strictEqual(r.gold, -2);
    assert.deepStrictEqual(r.near, { mean: -2, count: 1 });
    assert.deepStrictEqual(r.far, { mean: 2, count: 2 });
  });

  it('ignores a shift every candidate of a question shares', () => {
    const r = compareReads([read('q1', [3, 2, 1, 0])], [read('q1', [13, 12, 11, 10])], 100);
    assert.strictEqual(r.meanDiff, 0);
    assert.strictEqual(r.gold, 0);
    assert.strictEqual(r.far.mean, 0);
  });

  it('ranks a gold answer that spans two chunks by its best chunk and finds neighbours of either', () => {
    const twoGolds = (relevance: number[]): Read => {
      const r = read('q1', relevance);
      r.candidates[3].gold = true; // the answer also covers the chunk at line 1000
      return r;
    };
    // B: the gold at line 0 drops to last, the one at line 1000 is second; the candidate at 50 is near the first.
    const r = compareReads([twoGolds([3, 2, 1, 0])], [twoGolds([0, 3, 1, 2])], 100);
    assert.strictEqual(r.mrrA, 1);
    assert.strictEqual(r.mrrB, 1 / 2);
    assert.strictEqual(r.gold, (-3 + 2) / 2);
    assert.deepStrictEqual(r.near, { mean: 1, count: 1 });
    assert.deepStrictEqual(r.far, { mean: 0, count: 1 });
  });

  it('refuses reads over other candidates and reads with no gold in common', () => {
    const other: Read = { ...read('q1', [3, 2, 1, 0]) };
    other.candidates = other.candidates.slice(1);
    assert.throws(() => compareReads([read('q1', [3, 2, 1, 0])], [other], 100), /other candidates/);
    assert.throws(() => compareReads([read('q1', [3, 2, 1, 0])], [read('q2', [3, 2, 1, 0])], 100), /no question/);
  });
});
