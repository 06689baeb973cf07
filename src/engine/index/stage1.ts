// The tree-leaf score of the workspace index: windows scored by the tree
// leaves their tokens share with the question's tokens (the question routed
// on its own). The engine adds it to the lexical score of the chunks inside
// each window, with the weight the model card gives it.
//
// Keys are (layer, head, leaf) and layer signatures (leafBags.ts).
// Score (query likelihood with Dirichlet smoothing over the keys): for
// window w with n_w tokens, question key counts q_k, window counts c_wk and
// collection probability p_k = cf_k / T (T = tokens of all windows),
//   score(w) = Σ_k q_k · log(1 + c_wk / (μ p_k)) + Q · log(μ / (n_w + μ)),
// so a shared key counts more the rarer it is in the whole workspace (1/p_k)
// and long windows get no free advantage. μ is the mean window length.
import type { LeafBags } from './leafBags';

export class LeafPostings {
  /** Postings of key k: entries start..start+length of windows/counts. */
  private readonly where = new Map<number, { start: number; length: number; cf: number }>();
  private readonly windows: Uint32Array;
  private readonly counts: Uint16Array;
  private readonly total: number;
  private readonly mu: number;

  /**
   * `bags[i]` holds one bag per window of file i; `lengths` the document
   * tokens of every window, numbered in order across all files.
   */
  constructor(
    bags: readonly LeafBags[],
    private readonly lengths: Uint32Array,
  ) {
    let entries = 0;
    for (const b of bags) {
      for (let e = 0; e < b.keys.length; e++) {
        const slot = this.where.get(b.keys[e]);
        if (slot) {
          slot.length++;
          slot.cf += b.counts[e];
        } else {
          this.where.set(b.keys[e], { start: 0, length: 1, cf: b.counts[e] });
        }
      }
      entries += b.keys.length;
    }
    let at = 0;
    for (const slot of this.where.values()) {
      slot.start = at;
      at += slot.length;
      slot.length = 0;
    }
    this.windows = new Uint32Array(entries);
    this.counts = new Uint16Array(entries);
    let window = 0;
    for (const b of bags) {
      const spans = b.offsets.length - 1;
      for (let s = 0; s < spans; s++, window++) {
        for (let e = b.offsets[s]; e < b.offsets[s + 1]; e++) {
          const slot = this.where.get(b.keys[e])!;
          const i = slot.start + slot.length++;
          this.windows[i] = window;
          this.counts[i] = b.counts[e];
        }
      }
    }
    if (window !== lengths.length) throw new RangeError(`${window} window bags but ${lengths.length} window lengths`);
    this.total = lengths.reduce((a, b) => a + b, 0);
    this.mu = Math.max(1, this.total / Math.max(1, lengths.length));
  }

  /** Scores of every window for a question bag (its keys with counts). */
  score(question: { keys: Uint32Array; counts: Uint16Array }): Float64Array {
    const scores = new Float64Array(this.lengths.length);
    let questionTotal = 0;
    for (let q = 0; q < question.keys.length; q++) {
      const qc = question.counts[q];
      questionTotal += qc;
      const slot = this.where.get(question.keys[q]);
      if (!slot) continue;
      const smoothing = (this.mu * slot.cf) / this.total;
      for (let e = slot.start; e < slot.start + slot.length; e++) {
        scores[this.windows[e]] += qc * Math.log1p(this.counts[e] / smoothing);
      }
    }
    for (let w = 0; w < scores.length; w++) scores[w] += questionTotal * Math.log(this.mu / (this.lengths[w] + this.mu));
    return scores;
  }
}
