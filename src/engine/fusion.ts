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
  /** Weight of the reader's best-span margin with the question. */
  margin: number;
  /** Weight of that margin minus the chunk's prior (the question-dependent part). */
  lift: number;
  /** Weight of the tree-leaf score of the workspace index in the first stage (scaled like the lexical score); 0 skips it. */
  leaves: number;
  /** Lexical candidates the reader reads. */
  candidates: number;
}

/** Used when a card has no "fusion" section: the reader's lift breaks near-ties of the lexical order. */
export const DEFAULT_FUSION: FusionWeights = { lexical: 1, margin: 0, lift: 0.02, leaves: 0, candidates: 8 };

export interface Features {
  lexical: number;
  margin: number;
  prior: number;
}

export function fusedScore(kind: RankerKind, w: FusionWeights, f: Features): number {
  if (kind === 'bm25') return f.lexical;
  const model = w.margin * finite(f.margin) + w.lift * (finite(f.margin) - finite(f.prior));
  // With no model weight fitted, the model alone still ranks by its question-dependent part.
  if (kind === 'model') return w.margin === 0 && w.lift === 0 ? finite(f.margin) - finite(f.prior) : model;
  return w.lexical * f.lexical + model;
}

/** A span the model found nowhere scores as the worst finite margin, not −∞ (which would swamp the sum). */
function finite(x: number): number {
  return Number.isFinite(x) ? x : -20;
}
