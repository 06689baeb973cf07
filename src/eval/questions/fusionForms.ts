// `node out/src/eval/questions/fusionForms.js <results.json>`
// Other ways to fuse the lexical score with the reader's relevance, measured on
// the reads an eval:questions run kept (results.json "candidates"), beside the
// engine's own linear fusion (fusion.ts). Each form's weight is chosen by MRR on
// one half of the files and scored on the other, both ways, over 20 random
// halvings: a form with a free weight always looks best on the questions that
// chose it. Over the first RANK_DEPTH candidates, as the hybrid ranker reads.
import * as fs from 'fs';
import { Features, finite, fusedScore, UNSCORED } from '../../engine/fusion';
import { figures, Figures, RANK_DEPTH } from './scoring';

export interface Candidate extends Features {
  gold: boolean;
}
export interface Read {
  id: string;
  file: string;
  candidates: Candidate[];
}

/** A form scores each candidate of one read, given a weight. */
type Form = { weights: number[]; score: (w: number, c: readonly Candidate[]) => number[] };

function zScores(xs: number[]): number[] {
  const ok = xs.filter((x) => x > UNSCORED);
  if (ok.length < 2) return xs.map(() => 0);
  const mean = ok.reduce((a, b) => a + b, 0) / ok.length;
  const sd = Math.sqrt(ok.reduce((a, b) => a + (b - mean) ** 2, 0) / ok.length) + 1e-6;
  return xs.map((x) => (x > UNSCORED ? (x - mean) / sd : -5));
}

/** 1-based ranks by descending value, ties in list order. */
function ranks(xs: number[]): number[] {
  const order = xs.map((x, i) => [x, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const r = new Array<number>(xs.length);
  order.forEach(([, i], k) => (r[i] = k + 1));
  return r;
}

const lexical = (c: readonly Candidate[]) => c.map((x) => x.lexical);
// readsOf has already replaced unscored values.
const relevance = (c: readonly Candidate[]) => c.map((x) => x.relevance);

const FORMS: Record<string, Form> = {
  'lexical only': { weights: [0], score: (_w, c) => lexical(c) },
  'model only': { weights: [0], score: (_w, c) => relevance(c) },
  // The engine's fusion; the lexical score is already divided by the question's best one.
  'engine (linear)': {
    weights: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
    score: (w, c) => c.map((x) => fusedScore('hybrid', { lexical: 1, relevance: w, span: 0, leaves: 0, candidates: RANK_DEPTH }, x)),
  },
  'z-scored relevance': {
    weights: [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1],
    score: (w, c) => {
      const z = zScores(relevance(c));
      return c.map((x, i) => x.lexical + w * z[i]);
    },
  },
  'both z-scored': {
    weights: [0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2],
    score: (w, c) => {
      const zl = zScores(lexical(c));
      const zr = zScores(relevance(c));
      return c.map((_, i) => zl[i] + w * zr[i]);
    },
  },
  'reciprocal rank (k 60)': { weights: [0.25, 0.5, 0.75, 1, 1.5, 2, 4], score: (w, c) => rrf(60, w, c) },
  'reciprocal rank (k 5)': { weights: [0.25, 0.5, 0.75, 1, 1.5, 2, 4], score: (w, c) => rrf(5, w, c) },
};

function rrf(k: number, w: number, c: readonly Candidate[]): number[] {
  const rl = ranks(lexical(c));
  const rr = ranks(relevance(c));
  return c.map((_, i) => 1 / (k + rl[i]) + w / (k + rr[i]));
}

function goldRankUnder(form: Form, w: number, read: Read): number | undefined {
  const pool = read.candidates.slice(0, RANK_DEPTH);
  const s = form.score(w, pool);
  const order = pool.map((_, i) => i).sort((a, b) => s[b] - s[a] || a - b);
  const k = order.findIndex((i) => pool[i].gold);
  return k < 0 ? undefined : k + 1;
}

const score = (form: Form, w: number, reads: readonly Read[]): Figures => figures(reads.map((r) => goldRankUnder(form, w, r)));

function bestWeight(form: Form, reads: readonly Read[]): number {
  return form.weights.reduce((best, w) => (score(form, w, reads).mrr > score(form, best, reads).mrr + 1e-9 ? w : best));
}

/** Deterministic shuffle (mulberry32), so the halvings are the same every run. */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export interface FormRow {
  form: string;
  /** The weight chosen on all the questions (undefined for a form without one). */
  weight: number | undefined;
  all: Figures;
  /** Mean over the held-out halves, each scored with the weight its other half chose. */
  heldOut: Figures;
}

export function compareForms(reads: readonly Read[], halvings = 20): FormRow[] {
  // A halving splits files, not the questions of one file.
  const files = [...new Set(reads.map((r) => r.file))].sort();
  return Object.entries(FORMS).map(([name, form]) => {
    const w = bestWeight(form, reads);
    const sum = { questions: 0, hit1: 0, hit5: 0, mrr: 0 };
    for (let seed = 0; seed < halvings; seed++) {
      const half = new Set(shuffled(files, seed).slice(0, files.length >> 1));
      for (const inHalf of [true, false]) {
        const chooseOn = reads.filter((r) => half.has(r.file) === inHalf);
        const heldOut = reads.filter((r) => half.has(r.file) !== inHalf);
        const s = score(form, bestWeight(form, chooseOn), heldOut);
        for (const k of ['hit1', 'hit5', 'mrr'] as const) sum[k] += s[k] * heldOut.length;
      }
    }
    const n = halvings * reads.length;
    return {
      form: name,
      weight: form.weights.length > 1 ? w : undefined,
      all: score(form, w, reads),
      heldOut: { questions: reads.length, hit1: sum.hit1 / n, hit5: sum.hit5 / n, mrr: sum.mrr / n },
    };
  });
}

/** The reads of an eval:questions results.json; a chunk the model could not score (null) counts as UNSCORED, as in fusion.ts. */
export function readsOf(results: { candidates?: Read[] }, where: string): Read[] {
  const reads = results.candidates;
  if (!reads || reads.some((r) => r.file === undefined)) throw new Error(`${where} has no "candidates" with files: rerun eval:questions`);
  return reads.map((r) => ({ ...r, candidates: r.candidates.map((c) => ({ ...c, relevance: finite(c.relevance), span: finite(c.span) })) }));
}

function main(argv: string[]): void {
  if (argv.length !== 1) throw new Error('usage: fusionForms <results.json of eval:questions>');
  const reads = readsOf(JSON.parse(fs.readFileSync(argv[0], 'utf8')), argv[0]);
  const f = (x: Figures) => `${x.hit1.toFixed(3)} / ${x.hit5.toFixed(3)} / ${x.mrr.toFixed(3)}`;
  const out = ['| form | weight (all) | hit@1 / hit@5 / MRR (all) | hit@1 / hit@5 / MRR (held-out halves) |', '|---|---|---|---|'];
  for (const r of compareForms(reads)) out.push(`| ${r.form} | ${r.weight ?? '—'} | ${f(r.all)} | ${f(r.heldOut)} |`);
  const files = new Set(reads.map((r) => r.file)).size;
  process.stdout.write(`fusion forms over ${reads.length} questions, ${files} files (${argv[0]})\n\n${out.join('\n')}\n`);
}

if (require.main === module) main(process.argv.slice(2));
