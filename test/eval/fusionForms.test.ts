// The fusion-form comparison (src/eval/questions/fusionForms.ts) on hand-made
// reads whose right answer is known: which form finds the gold, and that a
// weight is scored on questions that did not choose it.
import * as assert from 'assert';
import { compareForms, Read, readsOf } from '../../src/eval/questions/fusionForms';

/** Ten candidates in lexical order; `gold` is the index of the right one. */
function read(file: string, gold: number, lexical: number[], relevance: number[]): Read {
  return { id: `${file}-${gold}`, file, candidates: lexical.map((l, i) => ({ lexical: l, relevance: relevance[i], span: 0, gold: i === gold })) };
}

const descending = Array.from({ length: 10 }, (_, i) => 1 - i / 10);

describe('fusion forms (eval)', () => {
  it('scores lexical only by the lexical order and model only by the relevance order', () => {
    // The gold is 4th lexically and first for the model in every read.
    const relevance = descending.map((_, i) => (i === 3 ? 5 : -i));
    const reads = ['a', 'b', 'c', 'd'].map((f) => read(f, 3, descending, relevance));
    const rows = new Map(compareForms(reads, 4).map((r) => [r.form, r]));
    assert.deepStrictEqual(rows.get('lexical only')!.all, { questions: 4, hit1: 0, hit5: 1, mrr: 0.25 });
    assert.deepStrictEqual(rows.get('model only')!.all, { questions: 4, hit1: 1, hit5: 1, mrr: 1 });
    // The engine's linear fusion needs a weight that lets relevance 5 beat a lexical lead of 0.3.
    assert.strictEqual(rows.get('engine (linear)')!.all.hit1, 1);
    assert.ok(rows.get('engine (linear)')!.weight! >= 0.05);
  });

  it('scores each half with the weight the other half chose, so a weight that fits only its own files loses', () => {
    // Files a, b need the model (gold 4th lexically, first by relevance); files c, d are hurt by it
    // (gold first lexically, last by relevance). Chosen on one kind, the weight is wrong for the other.
    const helps = descending.map((_, i) => (i === 3 ? 5 : -i));
    const hurts = descending.map((_, i) => (i === 0 ? -20 : -i));
    const reads = [read('a', 3, descending, helps), read('b', 3, descending, helps), read('c', 0, descending, hurts), read('d', 0, descending, hurts)];
    const linear = compareForms(reads, 8).find((r) => r.form === 'engine (linear)')!;
    assert.ok(linear.heldOut.mrr < linear.all.mrr - 0.05, `held out ${linear.heldOut.mrr} against ${linear.all.mrr} on all`);
  });

  it('refuses results without candidates and reads a chunk the model could not score as very unlikely', () => {
    assert.throws(() => readsOf({}, 'old.json'), /old\.json has no "candidates"/);
    const [r] = readsOf({ candidates: [{ id: 'x-1', file: 'x', candidates: [{ lexical: 1, relevance: null as unknown as number, span: 0, gold: true }] }] }, 'r.json');
    assert.strictEqual(r.candidates[0].relevance, -50);
  });
});
