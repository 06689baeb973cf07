// Okapi BM25 (k1 = 1.2, b = 0.75) against values worked out by hand.
import * as assert from 'assert';
import { BM25_B, BM25_K1, Bm25Collection, queryTerms, termBag } from '../../src/eval/bm25';

// N = 3 documents of 3, 6 and 2 terms: average length 11/3.
const corpus = [
  ['the', 'cat', 'sat'],
  ['the', 'dog', 'sat', 'on', 'the', 'mat'],
  ['cat', 'dog'],
];
const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-6, `${actual} != ${expected}`);

describe('BM25', () => {
  const bm25 = new Bm25Collection(corpus);

  it('uses k1 = 1.2 and b = 0.75', () => {
    assert.strictEqual(BM25_K1, 1.2);
    assert.strictEqual(BM25_B, 0.75);
    close(bm25.averageLength, 11 / 3);
  });

  it('IDF: ln(1 + (N - df + 0.5) / (df + 0.5))', () => {
    close(bm25.idf('cat'), Math.log(1.6)); // df 2: ln(1 + 1.5/2.5) = 0.470004
    close(bm25.idf('mat'), 0.980829); // df 1: ln(1 + 2.5/1.5) = ln(8/3)
    close(bm25.idf('zebra'), 2.079442); // df 0: ln(1 + 3.5/0.5) = ln 8
  });

  it('scores one matching term with length normalisation', () => {
    // "mat" in doc 1: tf 1, |d| = 6, norm = 0.25 + 0.75·6/(11/3) = 1.477273,
    // 0.980829 · 2.2 / (1 + 1.2·1.477273) = 0.980829 · 0.793443 = 0.778232.
    close(bm25.scoreDocument(['mat'], 1), 0.778232);
    assert.strictEqual(bm25.scoreDocument(['mat'], 0), 0);
  });

  it('sums over query terms', () => {
    // Doc 0, |d| = 3: norm = 0.25 + 0.75·9/11 = 0.863636; each of "cat", "sat":
    // 0.470004 · 2.2 / (1 + 1.2·0.863636) = 0.507772; together 1.015544.
    close(bm25.scoreDocument(['cat', 'sat'], 0), 1.015544);
    close(bm25.scoreDocument(['cat', 'sat'], 1), 0.372921);
    close(bm25.scoreDocument(['cat', 'sat'], 2), 0.577365);
    close(bm25.scoreDocument(['dog', 'mat'], 1), 1.151153);
  });

  it('saturates term frequency', () => {
    // "the" twice in doc 1: 0.470004 · 2·2.2 / (2 + 1.2·1.477273) = 0.548149 — more than once, far less than double.
    close(bm25.scoreDocument(['the'], 1), 0.548149);
    close(bm25.scoreDocument(['the'], 0), 0.507772);
  });

  it('scores an outside bag with the collection IDF and a given average length', () => {
    // A bag {cat} of length 1 with average length 1: norm 1, 0.470004 · 2.2 / 2.2.
    close(bm25.scoreBag(['cat'], termBag(['cat']), 1), 0.470004);
  });

  it('counts a repeated query word once', () => {
    assert.deepStrictEqual(queryTerms(['cat', 'sat', 'cat']), ['cat', 'sat']);
  });

  it('an empty collection scores nothing', () => {
    const empty = new Bm25Collection([]);
    assert.strictEqual(empty.averageLength, 0);
    assert.strictEqual(empty.scoreBag(['cat'], termBag(['dog']), 0), 0);
  });
});
