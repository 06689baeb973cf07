// One final score per candidate chunk from the lexical score and the
// reader's outputs (DESIGN §8 step 4). The weights are fitted on the dev half
// of the hand-written questions (npm run eval:questions -- --fit) and kept in
// the model card under "fusion"; the engine reads them from there.

/** Which parts rank: lexical alone, the model alone (over the lexical candidates), or both fused. */
export type RankerKind = 'bm25' | 'model' | 'hybrid';
export const RANKERS: readonly RankerKind[] = ['bm25', 'model', 'hybrid'];

export interface FusionWeights {
  /** Weight of the BM25 score divided by the best BM25 score of the question (so in [0, 1]). */
  lexical: number;
  /** Weight of the reader's relevance of the chunk (Features.relevance). */
  relevance: number;
  /** Weight of the best span inside the chunk, as a log-probability over its window. */
  span: number;
  /** Weight of the tree-leaf score of the workspace index in the first stage (scaled like the lexical score); 0 skips it. */
  leaves: number;
  /** Lexical candidates the reader reads. */
  candidates: number;
}

/** Used when a card has no "fusion" section: the reader's span only breaks near-ties of the lexical order. */
export const DEFAULT_FUSION: FusionWeights = { lexical: 1, relevance: 0, span: 0.01, leaves: 0, candidates: 10 };

/** What the reader says of one candidate (reader.ts), and its lexical score. */
export interface Features {
  lexical: number;
  /** The reader's relevance of the chunk (reader.ts chunkRelevance: the mean of its highest relevance_evidence values; the window's relevance_logit for a model without them, 0 without either). */
  relevance: number;
  /** log P(best span in the chunk | window): start and end log-softmax over the window. */
  span: number;
}

export function fusedScore(kind: RankerKind, w: FusionWeights, f: Features): number {
  if (kind === 'bm25') return f.lexical;
  // The model alone: the chunk's relevance. Adding the best span's log-probability (a second, weaker
  // reading of where the answer lies) lowered hit@5 on the dev half for every reader measured
  // (docs/DESIGN.md §5).
  if (kind === 'model') return finite(f.relevance);
  return w.lexical * f.lexical + w.relevance * finite(f.relevance) + w.span * finite(f.span);
}

/** The score of a chunk the model cannot score (no tokens in its window): a very unlikely one, not −∞ (which would swamp the sum). */
export const UNSCORED = -50;

export function finite(x: number | null | undefined): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : UNSCORED;
}
