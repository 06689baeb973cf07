// The lexical first stage: Okapi BM25 over the chunks of a scope (one file,
// or every file of a workspace), with postings so a question touches only
// the chunks that hold one of its terms. Term bags are computed once per file
// content (corpus.ts keeps them); the postings of a scope are rebuilt only when
// its contents change, so IDF is always that of the scope asked about.

export const BM25_K1 = 1.2;
export const BM25_B = 0.4;

/** Term counts of one chunk and its length in terms. */
export interface TermBag {
  terms: string[];
  counts: Float32Array;
  length: number;
}

/** Counts of `terms`, each weighted; later duplicates add up. */
export function termBag(weighted: readonly { terms: readonly string[]; weight: number }[]): TermBag {
  const counts = new Map<string, number>();
  let length = 0;
  for (const { terms, weight } of weighted) {
    for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + weight);
    length += terms.length * weight;
  }
  return { terms: [...counts.keys()], counts: Float32Array.from(counts.values()), length };
}

export class LexicalIndex {
  private readonly postings = new Map<string, { docs: number[]; tfs: number[] }>();
  private readonly lengths: Float32Array;
  private readonly averageLength: number;

  constructor(bags: readonly TermBag[]) {
    this.lengths = Float32Array.from(bags, (b) => b.length);
    this.averageLength = bags.length > 0 ? this.lengths.reduce((a, b) => a + b, 0) / bags.length : 0;
    bags.forEach((bag, doc) => {
      for (let i = 0; i < bag.terms.length; i++) {
        let p = this.postings.get(bag.terms[i]);
        if (!p) this.postings.set(bag.terms[i], (p = { docs: [], tfs: [] }));
        p.docs.push(doc);
        p.tfs.push(bag.counts[i]);
      }
    });
  }

  get size(): number {
    return this.lengths.length;
  }

  /** ln(1 + (N − df + 0.5) / (df + 0.5)): positive even for terms in most chunks. */
  idf(term: string): number {
    const df = this.postings.get(term)?.docs.length ?? 0;
    return Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  /** BM25 of every chunk for the distinct, weighted question terms (0 where none occurs). */
  score(query: readonly { term: string; weight: number }[]): Float64Array {
    const scores = new Float64Array(this.size);
    const avg = this.averageLength || 1;
    for (const { term, weight } of query) {
      const p = this.postings.get(term);
      if (!p) continue;
      const idf = weight * this.idf(term);
      for (let i = 0; i < p.docs.length; i++) {
        const doc = p.docs[i];
        const tf = p.tfs[i];
        const norm = 1 - BM25_B + (BM25_B * this.lengths[doc]) / avg;
        scores[doc] += (idf * tf * (BM25_K1 + 1)) / (tf + BM25_K1 * norm);
      }
    }
    return scores;
  }
}

/** Indexes of the `count` highest positive scores, best first (ties by index). */
export function topIndexes(scores: ArrayLike<number>, count: number): number[] {
  const candidates: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i] > 0) candidates.push(i);
  candidates.sort((a, b) => scores[b] - scores[a] || a - b);
  return candidates.slice(0, count);
}
