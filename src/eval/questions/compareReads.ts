// `node out/src/eval/questions/compareReads.js <A results.json> <B results.json> [near lines]`
// What moved between two reads of the same questions (two eval:questions runs,
// e.g. one reader at two window lengths, eval-read-tokens.sh): the model alone's
// reciprocal rank of the gold among each question's candidates, and how the
// relevance of the gold, of the candidates near it and of those far from it
// changed from A to B, each relative to the question's mean change (a shift
// shared by all of a question's candidates changes no ranking). Why: on the dev
// half the shipped reader ranks worse at 8k tokens a window than at 2k
// (DESIGN §4), and a mean does not say which candidates lose.
import * as fs from 'fs';
import { Candidate, Read, readsOf } from './fusionForms';

type LinedCandidate = Candidate & { startLine: number };

export interface ReadChange {
  /** Questions whose gold is among the candidates of both reads. */
  questions: number;
  /** Mean reciprocal rank of the gold by relevance alone, over the candidates. */
  mrrA: number;
  mrrB: number;
  /** Mean and standard error of the per-question reciprocal rank, A minus B. */
  meanDiff: number;
  standardError: number;
  aBetter: number;
  bBetter: number;
  /** Mean relevance change B − A, less the question's mean change (of the gold candidates; near: within the lines of one). */
  gold: number;
  near: { mean: number; count: number };
  far: { mean: number; count: number };
}

/** 1 / the rank of the best-ranked gold candidate (a gold answer can span several chunks) by descending relevance, ties in list order. */
function reciprocalRank(c: readonly Candidate[]): number {
  const order = c.map((x, i) => i).sort((i, j) => c[j].relevance - c[i].relevance || i - j);
  return 1 / (order.findIndex((i) => c[i].gold) + 1);
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** `nearLines`: a non-gold candidate starting within this many lines of the gold's start counts as near it. */
export function compareReads(a: readonly Read[], b: readonly Read[], nearLines: number): ReadChange {
  const byId = new Map(b.map((r) => [r.id, r]));
  const rrA: number[] = [];
  const rrB: number[] = [];
  const gold: number[] = [];
  const near: number[] = [];
  const far: number[] = [];
  for (const ra of a) {
    const rb = byId.get(ra.id);
    if (!rb || !ra.candidates.some((c) => c.gold)) continue;
    if (rb.candidates.length !== ra.candidates.length || rb.candidates.some((c, i) => c.gold !== ra.candidates[i].gold)) {
      throw new Error(`question ${ra.id}: the two reads have other candidates; compare runs over the same lexical stage`);
    }
    rrA.push(reciprocalRank(ra.candidates));
    rrB.push(reciprocalRank(rb.candidates));
    const change = ra.candidates.map((c, i) => rb.candidates[i].relevance - c.relevance);
    const shared = mean(change);
    const lineOf = (c: Candidate) => {
      const line = (c as LinedCandidate).startLine;
      if (!Number.isFinite(line)) throw new Error(`question ${ra.id}: a candidate has no startLine`);
      return line;
    };
    const goldLines = ra.candidates.filter((c) => c.gold).map(lineOf);
    gold.push(mean(ra.candidates.flatMap((c, i) => (c.gold ? [change[i] - shared] : []))));
    ra.candidates.forEach((c, i) => {
      if (c.gold) return;
      const distance = Math.min(...goldLines.map((g) => Math.abs(lineOf(c) - g)));
      (distance <= nearLines ? near : far).push(change[i] - shared);
    });
  }
  if (rrA.length === 0) throw new Error('no question has its gold among the candidates of both reads');
  const diffs = rrA.map((x, i) => x - rrB[i]);
  const d = mean(diffs);
  const sd = Math.sqrt(diffs.reduce((s, x) => s + (x - d) ** 2, 0) / Math.max(1, diffs.length - 1));
  return {
    questions: rrA.length,
    mrrA: mean(rrA),
    mrrB: mean(rrB),
    meanDiff: d,
    standardError: sd / Math.sqrt(diffs.length),
    aBetter: diffs.filter((x) => x > 1e-12).length,
    bBetter: diffs.filter((x) => x < -1e-12).length,
    gold: mean(gold),
    near: { mean: mean(near), count: near.length },
    far: { mean: mean(far), count: far.length },
  };
}

function main(argv: string[]): void {
  if (argv.length < 2 || argv.length > 3) throw new Error('usage: compareReads <A results.json> <B results.json> [near lines, default 100]');
  const [a, b] = argv.slice(0, 2).map((p) => readsOf(JSON.parse(fs.readFileSync(p, 'utf8')), p));
  const nearLines = argv[2] === undefined ? 100 : Number(argv[2]);
  if (!Number.isInteger(nearLines) || nearLines < 0) throw new Error(`near lines must be a whole number, not ${argv[2]}`);
  const r = compareReads(a, b, nearLines);
  const f = (x: number) => x.toFixed(3);
  process.stdout.write(
    [
      `A ${argv[0]}`,
      `B ${argv[1]}`,
      `${r.questions} questions with the gold among the candidates of both`,
      `model alone, MRR over the candidates: A ${f(r.mrrA)}, B ${f(r.mrrB)}; A − B ${f(r.meanDiff)} ± ${f(r.standardError)} (one standard error); A ranks the gold higher on ${r.aBetter}, B on ${r.bBetter}`,
      `relevance change B − A, less the question's mean change: gold ${f(r.gold)}; other candidates within ${nearLines} lines of it ${f(r.near.mean)} (${r.near.count}); farther ${f(r.far.mean)} (${r.far.count})`,
    ].join('\n') + '\n',
  );
}

if (require.main === module) main(process.argv.slice(2));
