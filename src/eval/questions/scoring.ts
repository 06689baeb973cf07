// Scores of ranked answers against hand-written gold lines (DESIGN §12): a
// hit is an answer of at most 60 lines that overlaps a gold range; MRR over
// the first 10 answers; and the two question-sensitivity figures.
import { KINDS, Language, LANGUAGES, Question, QuestionKind } from './questionSet';

/** An answer longer than this never counts as a hit (a whole window is not an answer). */
export const MAX_HIT_LINES = 60;
export const RANK_DEPTH = 10;

export interface RankedSpan {
  file: string;
  startLine: number;
  endLine: number;
}

/** 1-based rank of the first answer that hits the gold of `q` (in file `file`), or undefined. */
export function goldRank(q: Question, file: string, answers: readonly RankedSpan[]): number | undefined {
  for (let i = 0; i < Math.min(answers.length, RANK_DEPTH); i++) {
    const a = answers[i];
    if (a.file !== file || a.endLine - a.startLine + 1 > MAX_HIT_LINES) continue;
    if (q.gold.some(([s, e]) => a.startLine <= e && s <= a.endLine)) return i + 1;
  }
  return undefined;
}

export interface Figures {
  questions: number;
  hit1: number;
  hit5: number;
  mrr: number;
}

export function figures(ranks: readonly (number | undefined)[]): Figures {
  const n = ranks.length || 1;
  return {
    questions: ranks.length,
    hit1: ranks.filter((r) => r === 1).length / n,
    hit5: ranks.filter((r) => r !== undefined && r <= 5).length / n,
    mrr: ranks.reduce<number>((s, r) => s + (r ? 1 / r : 0), 0) / n,
  };
}

export interface Outcome {
  question: Question;
  rank: number | undefined;
  /** Rank of this question's gold when the answers of another question about the same file are used. */
  shuffledRank: number | undefined;
  top1?: RankedSpan;
  seconds: number;
}

export interface Report {
  overall: Figures;
  byKind: Record<QuestionKind, Figures>;
  byLanguage: Record<Language, Figures>;
  secondsPerQuestion: number;
  /** Mean over files of (distinct top-1 answers ÷ questions about the file). */
  distinctTop1: number;
  /** Share of questions whose gold ranks worse (or drops out) under another question of the same file. */
  shuffleDrop: number;
}

export function report(outcomes: readonly Outcome[]): Report {
  const byKind = {} as Record<QuestionKind, Figures>;
  for (const k of KINDS) byKind[k] = figures(outcomes.filter((o) => o.question.kind === k).map((o) => o.rank));
  const byLanguage = {} as Record<Language, Figures>;
  for (const l of LANGUAGES) byLanguage[l] = figures(outcomes.filter((o) => o.question.language === l).map((o) => o.rank));
  const byFile = new Map<string, Outcome[]>();
  for (const o of outcomes) byFile.set(o.question.file, [...(byFile.get(o.question.file) ?? []), o]);
  const ratios = [...byFile.values()].map((os) => new Set(os.map((o) => (o.top1 ? `${o.top1.file}:${o.top1.startLine}` : 'none'))).size / os.length);
  const worse = (o: Outcome) => o.rank !== undefined && (o.shuffledRank === undefined || o.shuffledRank > o.rank);
  const answered = outcomes.filter((o) => o.rank !== undefined);
  return {
    overall: figures(outcomes.map((o) => o.rank)),
    byKind,
    byLanguage,
    secondsPerQuestion: outcomes.reduce((s, o) => s + o.seconds, 0) / (outcomes.length || 1),
    distinctTop1: ratios.reduce((a, b) => a + b, 0) / (ratios.length || 1),
    // Over the questions whose gold is found at all: a gold never found cannot rank worse.
    shuffleDrop: answered.filter(worse).length / (answered.length || 1),
  };
}

/** For question i of a file's list, the question whose answers stand in for it in the shuffle test. */
export function shufflePartner<T>(sameFile: readonly T[], i: number): T | undefined {
  return sameFile.length > 1 ? sameFile[(i + 1) % sameFile.length] : undefined;
}

/** Of the questions both rankers answered: how many `a` ranks the gold higher than `b` does, and lower
 *  (a gold not in the first RANK_DEPTH answers ranks below every found one). */
export function headToHead(a: readonly Outcome[], b: readonly Outcome[]): { better: number; worse: number } {
  const depth = (r: number | undefined) => r ?? RANK_DEPTH + 1;
  const rankB = new Map(b.map((o) => [o.question.id, depth(o.rank)]));
  let better = 0;
  let worse = 0;
  for (const o of a) {
    const other = rankB.get(o.question.id);
    if (other === undefined) continue;
    if (depth(o.rank) < other) better++;
    else if (depth(o.rank) > other) worse++;
  }
  return { better, worse };
}
