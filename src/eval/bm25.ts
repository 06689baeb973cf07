// Okapi BM25 over a fixed collection of term lists. The collection fixes the
// IDF; any other bag of terms (a line span, say) can be scored against it.

export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

/** Term frequencies of one bag of terms, plus its length in terms. */
export interface TermBag {
  counts: Map<string, number>;
  length: number;
}

export function termBag(terms: readonly string[]): TermBag {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  return { counts, length: terms.length };
}

/** Each distinct term once: a repeated question word does not count twice. */
export function queryTerms(terms: readonly string[]): string[] {
  return [...new Set(terms)];
}

export class Bm25Collection {
  readonly bags: TermBag[];
  readonly averageLength: number;
  private readonly documentFrequency = new Map<string, number>();

  constructor(documents: readonly (readonly string[])[]) {
    this.bags = documents.map(termBag);
    for (const bag of this.bags) {
      for (const term of bag.counts.keys()) this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
    }
    const total = this.bags.reduce((sum, bag) => sum + bag.length, 0);
    this.averageLength = this.bags.length > 0 ? total / this.bags.length : 0;
  }

  get size(): number {
    return this.bags.length;
  }

  /** ln(1 + (N - df + 0.5) / (df + 0.5)): the Okapi IDF kept positive for terms in most documents. */
  idf(term: string): number {
    const df = this.documentFrequency.get(term) ?? 0;
    return Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  /** Score of document `index` for the (distinct) query terms. */
  scoreDocument(query: readonly string[], index: number): number {
    return this.scoreBag(query, this.bags[index], this.averageLength);
  }

  /** Score of any bag against this collection's IDF, normalised by `averageLength`. */
  scoreBag(query: readonly string[], bag: TermBag, averageLength: number): number {
    const frequencies = query.map((term) => bag.counts.get(term) ?? 0);
    return this.scoreFrequencies(query.map((term) => this.idf(term)), frequencies, bag.length, averageLength);
  }

  /** The BM25 sum from per-query-term IDFs and frequencies (aligned arrays). */
  scoreFrequencies(idfs: readonly number[], frequencies: readonly number[], length: number, averageLength: number): number {
    const lengthNorm = averageLength > 0 ? 1 - BM25_B + (BM25_B * length) / averageLength : 1;
    let score = 0;
    for (let i = 0; i < idfs.length; i++) {
      const tf = frequencies[i];
      if (tf > 0) score += (idfs[i] * tf * (BM25_K1 + 1)) / (tf + BM25_K1 * lengthNorm);
    }
    return score;
  }
}
