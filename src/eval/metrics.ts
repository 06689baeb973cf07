// Per-example metrics: span hits, reciprocal rank, and SQuAD-style token
// exact match / F1 between the top answer's text and the gold text.
import { MAX_HIT_LINES } from './questions/scoring';
import { Answer } from './ranker';

// One hit rule for both evals: the hand-written questions' (DESIGN §6).
export { MAX_HIT_LINES };

export interface GoldLines {
  file: string;
  startLine: number;
  endLine: number;
}

/** Same file, overlapping the gold lines, and at most MAX_HIT_LINES long. */
export function isHit(answer: Pick<Answer, 'file' | 'startLine' | 'endLine'>, gold: GoldLines): boolean {
  const lines = answer.endLine - answer.startLine + 1;
  return (
    answer.file === gold.file &&
    lines >= 1 &&
    lines <= MAX_HIT_LINES &&
    answer.startLine <= gold.endLine &&
    gold.startLine <= answer.endLine
  );
}

/** Whether one of the first `k` answers is a hit. */
export function hitAt(answers: readonly Answer[], gold: GoldLines, k: number): boolean {
  return answers.slice(0, k).some((answer) => isHit(answer, gold));
}

/** 1 / rank of the first hit within the first `k` answers, else 0. */
export function reciprocalRank(answers: readonly Answer[], gold: GoldLines, k: number): number {
  const rank = answers.slice(0, k).findIndex((answer) => isHit(answer, gold));
  return rank === -1 ? 0 : 1 / (rank + 1);
}

/** Lowercased tokens between runs of whitespace, punctuation and symbols. */
export function answerTokens(text: string): string[] {
  return text
    .normalize('NFC')
    .toLowerCase()
    .split(/[\s\p{P}\p{S}]+/u)
    .filter((token) => token !== '');
}

/** 1 when both token sequences are identical (two empty texts match), else 0. */
export function tokenExactMatch(predicted: string, gold: string): number {
  const a = answerTokens(predicted);
  const b = answerTokens(gold);
  return a.length === b.length && a.every((token, i) => token === b[i]) ? 1 : 0;
}

/** Harmonic mean of token precision and recall over the multiset of shared tokens. */
export function tokenF1(predicted: string, gold: string): number {
  const a = answerTokens(predicted);
  const b = answerTokens(gold);
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 1 : 0;
  const goldCounts = new Map<string, number>();
  for (const token of b) goldCounts.set(token, (goldCounts.get(token) ?? 0) + 1);
  let shared = 0;
  for (const token of a) {
    const left = goldCounts.get(token) ?? 0;
    if (left > 0) {
      shared++;
      goldCounts.set(token, left - 1);
    }
  }
  if (shared === 0) return 0;
  const precision = shared / a.length;
  const recall = shared / b.length;
  return (2 * precision * recall) / (precision + recall);
}
