// Span hits, reciprocal rank, token exact match and F1 on hand-made cases.
import * as assert from 'assert';
import { hitAt, isHit, MAX_HIT_LINES, reciprocalRank, tokenExactMatch, tokenF1, answerTokens } from '../../src/eval/metrics';
import { Answer } from '../../src/eval/ranker';

const gold = { file: 'a.ts', startLine: 100, endLine: 104 };
const answer = (startLine: number, endLine: number, file = 'a.ts'): Answer => ({ file, startLine, endLine, score: 1, text: '' });

describe('evaluation metrics', () => {
  it('a hit overlaps the gold lines', () => {
    assert.ok(isHit(answer(100, 104), gold));
    assert.ok(isHit(answer(98, 100), gold)); // touches the first gold line
    assert.ok(isHit(answer(104, 110), gold)); // touches the last
    assert.ok(isHit(answer(102, 102), gold)); // inside
    assert.ok(!isHit(answer(95, 99), gold)); // ends just before
    assert.ok(!isHit(answer(105, 107), gold)); // starts just after
    assert.ok(!isHit(answer(100, 104, 'b.ts'), gold)); // same lines, other file
  });

  it('a hit is at most 60 lines long', () => {
    assert.strictEqual(MAX_HIT_LINES, 60);
    assert.ok(isHit(answer(60, 119), gold)); // 60 lines, covers the gold
    assert.ok(!isHit(answer(60, 120), gold)); // 61 lines
    assert.ok(!isHit(answer(1, 1000), gold)); // the whole file
  });

  it('hit@k looks at the first k answers only', () => {
    const ranked = [answer(1, 2), answer(3, 4), answer(101, 101), answer(5, 6)];
    assert.ok(!hitAt(ranked, gold, 1));
    assert.ok(!hitAt(ranked, gold, 2));
    assert.ok(hitAt(ranked, gold, 3));
    assert.ok(hitAt(ranked, gold, 5));
    assert.ok(!hitAt([], gold, 5));
  });

  it('reciprocal rank is 1 / rank of the first hit within k, else 0', () => {
    assert.strictEqual(reciprocalRank([answer(100, 100), answer(101, 101)], gold, 10), 1);
    assert.strictEqual(reciprocalRank([answer(1, 2), answer(3, 4), answer(103, 104)], gold, 10), 1 / 3);
    assert.strictEqual(reciprocalRank([answer(1, 2), answer(3, 4), answer(103, 104)], gold, 2), 0);
    // An over-long span is not a hit, so the rank is that of the next real hit.
    assert.strictEqual(reciprocalRank([answer(1, 200), answer(104, 105)], gold, 10), 1 / 2);
    assert.strictEqual(reciprocalRank([], gold, 10), 0);
  });

  it('answer tokens split on whitespace and punctuation (the underscore too), lowercased', () => {
    assert.deepStrictEqual(answerTokens('def Read_file(path: str) -> bytes:'), ['def', 'read', 'file', 'path', 'str', 'bytes']);
    assert.deepStrictEqual(answerTokens('  \n\t'), []);
  });

  it('exact match compares token sequences, ignoring case, spacing and punctuation', () => {
    assert.strictEqual(tokenExactMatch('function f(x) {\n  return x;\n}', 'function f ( x ) { return x; }'), 1);
    assert.strictEqual(tokenExactMatch('Return X', 'return x'), 1);
    assert.strictEqual(tokenExactMatch('return x', 'x return'), 0); // same bag, other order
    assert.strictEqual(tokenExactMatch('return x y', 'return x'), 0);
    assert.strictEqual(tokenExactMatch('', ''), 1);
  });

  it('F1 counts shared tokens as a multiset', () => {
    // predicted: a b c d (4), gold: a b e (3), shared 2: P = 1/2, R = 2/3, F1 = 4/7.
    assert.ok(Math.abs(tokenF1('a b c d', 'a b e') - 4 / 7) < 1e-12);
    // predicted: x x x (3), gold: x y (2), shared 1 (x only once in gold): P = 1/3, R = 1/2, F1 = 0.4.
    assert.ok(Math.abs(tokenF1('x x x', 'x y') - 0.4) < 1e-12);
    assert.strictEqual(tokenF1('return x', 'x return'), 1);
    assert.strictEqual(tokenF1('a b', 'c d'), 0);
    assert.strictEqual(tokenF1('', 'a'), 0);
    assert.strictEqual(tokenF1('...', ''), 1); // both empty after tokenization
  });
});
