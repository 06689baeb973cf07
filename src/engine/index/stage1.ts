// The first stage of a workspace question: windows are ranked by the tree
// leaves their tokens share with the question's tokens, fused with how
// answer-like the model found each window when indexing it, so only the best
// few are read by the full model.
//
// Keys are (layer, head, leaf) and layer signatures (leafBags.ts).
// Score (query likelihood with Dirichlet smoothing over the keys): for
// window w with n_w tokens, question key counts q_k, window counts c_wk and
// collection probability p_k = cf_k / T (T = tokens of all windows),
//   score(w) = Σ_k q_k · log(1 + c_wk / (μ p_k)) + Q · log(μ / (n_w + μ)),
// so a shared key counts more the rarer it is in the whole workspace (1/p_k)
// and long windows get no free advantage. μ is the mean window length.
//
// The prior of a window is its best span's margin over "no answer" when it
// was read with an empty question (index/entryCodec.ts): the part of the full
// read's score that does not depend on the question. The two orders are
// fused by reciprocal rank, Σ 1 / (RRF_K + rank), which needs no common scale.
import type { LeafBags } from './leafBags';

export class LeafPostings {
  /** Postings of key k: entries start..start+length of windows/counts. */
  private readonly where = new Map<number, { start: number; length: number; cf: number }>();
  private readonly windows: Uint32Array;
  private readonly counts: Uint16Array;
  private readonly total: number;
  private readonly mu: number;
  /** Rank of every window by decreasing prior (equal priors share a rank). */
  private readonly priorRanks: Uint32Array;

  /**
   * `bags[i]` holds one bag per window of file i; `lengths` the document
   * tokens and `priors` the answer prior of every window, numbered in order
   * across all files.
   */
  constructor(
    bags: readonly LeafBags[],
    private readonly lengths: Uint32Array,
    priors: Float32Array,
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
    if (priors.length !== lengths.length) throw new RangeError(`${priors.length} priors but ${lengths.length} windows`);
    this.priorRanks = ranks(priors);
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

  /** The `count` best windows, best first (ties by window number); withPrior = false: by shared leaves alone. */
  top(question: { keys: Uint32Array; counts: Uint16Array }, count: number, withPrior = true): number[] {
    const leafRanks = ranks(this.score(question));
    const prior = (w: number) => (withPrior ? 1 / (RRF_K + this.priorRanks[w]) : 0);
    const fused = Float64Array.from(leafRanks, (rank, w) => 1 / (RRF_K + rank) + prior(w));
    return order(fused).slice(0, count);
  }
}

/** Reciprocal-rank fusion constant: how far down an order still counts. */
export const RRF_K = 60;

/** Indexes by decreasing value, ties by index. */
function order(values: ArrayLike<number>): number[] {
  const indexes = Array.from({ length: values.length }, (_, i) => i);
  return indexes.sort((a, b) => (values[a] === values[b] ? a - b : values[b] > values[a] ? 1 : -1));
}

/** 0-based rank of every value by decreasing value; equal values share the best of their ranks. */
function ranks(values: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(values.length);
  const sorted = order(values);
  sorted.forEach((index, position) => {
    const previous = sorted[position - 1];
    out[index] = position > 0 && values[previous] === values[index] ? out[previous] : position;
  });
  return out;
}
