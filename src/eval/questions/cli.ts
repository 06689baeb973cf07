// `npm run eval:questions -- [--ranker bm25|model|hybrid|all] [--scope file|workspace]
//   [--split dev|test|all] [--model m.onnx] [--corpora dir] [--fit] [--pin] [--card]`
// Asks the engine every hand-written question (questionSet.ts) and prints
// hit@1 / hit@5 / MRR per kind and overall, seconds per question and the two
// question-sensitivity figures. One engine read per question gives every
// ranker's order (the candidates come back with their features), so bm25,
// model and hybrid are measured side by side on the same reads. --fit (dev
// only) grid-searches the fusion weights on MRR and writes them to the card.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { openEngine } from '../../engine';
import { Features, fusedScore, FusionWeights, RANKERS, RankerKind } from '../../engine/fusion';
import { cardPathFor } from '../../engine/model/card';
import type { Answer } from '../../engine/types';
import { Half, KINDS, LANGUAGES, loadQuestionSet, pinFiles, Question, resolveFiles } from './questionSet';
import { goldRank, headToHead, Outcome, RANK_DEPTH, RankedSpan, report, Report, shufflePartner } from './scoring';

// out/src/eval/questions/cli.js -> the repository root.
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

interface Read {
  question: Question;
  /** Candidates in lexical order, with features. */
  candidates: { answer: Answer; features: Features }[];
  seconds: number;
}

function rankWith(kind: RankerKind, w: FusionWeights, read: Read): RankedSpan[] {
  // The model alone always re-ranks the first RANK_DEPTH lexical candidates, whatever hybrid's
  // fitted pool: a pool of 5 would make its hit@5 the lexical stage's by construction.
  const pool = read.candidates.slice(0, kind === 'hybrid' ? Math.max(w.candidates, 1) : kind === 'model' ? RANK_DEPTH : undefined);
  return pool
    .map((c, i) => ({ c, i, s: fusedScore(kind, w, c.features) }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map(({ c }) => c.answer);
}

function outcomes(kind: RankerKind, w: FusionWeights, reads: readonly Read[], fileOf: (answerFile: string) => string): Outcome[] {
  const ranked = new Map(reads.map((r) => [r.question.id, rankWith(kind, w, r).map((a) => ({ ...a, file: fileOf(a.file) }))]));
  const byFile = new Map<string, Read[]>();
  for (const r of reads) byFile.set(r.question.file, [...(byFile.get(r.question.file) ?? []), r]);
  return reads.map((r) => {
    const same = byFile.get(r.question.file)!;
    const partner = shufflePartner(same, same.indexOf(r));
    const answers = ranked.get(r.question.id)!;
    return {
      question: r.question,
      rank: goldRank(r.question, r.question.file, answers),
      shuffledRank: partner ? goldRank(r.question, r.question.file, ranked.get(partner.question.id)!) : undefined,
      top1: answers[0],
      seconds: r.seconds,
    };
  });
}

/** Model weights must beat lexical-only on dev MRR by this much to be kept: smaller gains are noise on the dev half. */
const MIN_FIT_GAIN = 0.01;

function fit(reads: readonly Read[], fileOf: (f: string) => string, base: FusionWeights): FusionWeights {
  const lexicalOnly: FusionWeights = { ...base, lexical: 1, relevance: 0, span: 0 };
  const mrr = (w: FusionWeights) => report(outcomes('hybrid', w, reads, fileOf)).overall.mrr;
  let best = lexicalOnly;
  let bestMrr = mrr(lexicalOnly) + MIN_FIT_GAIN;
  for (const candidates of [5, 10, 20]) {
    for (const relevance of [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]) {
      for (const span of [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]) {
        const w: FusionWeights = { ...base, lexical: 1, relevance, span, candidates };
        const m = mrr(w);
        if (m > bestMrr + 1e-9) {
          best = w;
          bestMrr = m;
        }
      }
    }
  }
  return best;
}

function table(rows: [string, Report][]): string {
  const f = (x: number) => x.toFixed(3);
  const out = [
    '| ranker | questions | hit@1 | hit@5 | MRR | ' + KINDS.map((k) => `${k} hit@1 / hit@5`).join(' | ') + ' | distinct top-1 | shuffle drop |',
    '|---|---|---|---|---|' + KINDS.map(() => '---|').join('') + '---|---|',
  ];
  for (const [name, r] of rows) {
    const kinds = KINDS.map((k) => `${f(r.byKind[k].hit1)} / ${f(r.byKind[k].hit5)} (${r.byKind[k].questions})`).join(' | ');
    out.push(`| ${name} | ${r.overall.questions} | ${f(r.overall.hit1)} | ${f(r.overall.hit5)} | ${f(r.overall.mrr)} | ${kinds} | ${f(r.distinctTop1)} | ${f(r.shuffleDrop)} |`);
  }
  return out.join('\n') + '\n';
}

/** hit@5 / MRR by question language, and (beside BM25) the questions each ranker ranks the gold
 *  higher / lower than BM25 does: where a ranker wins and loses, which the overall figures hide. */
function languageTable(rows: [string, Report][], outcomesOf: Map<RankerKind, Outcome[]>): string {
  const f = (x: number) => x.toFixed(3);
  const bm25 = outcomesOf.get('bm25');
  const versus = (k: RankerKind, keep: (o: Outcome) => boolean) => {
    const { better, worse } = headToHead(outcomesOf.get(k)!.filter(keep), bm25!.filter(keep));
    return `${better} / ${worse}`;
  };
  const out = [
    '| ranker | ' + LANGUAGES.map((l) => `${l} hit@5 / MRR`).join(' | ') + (bm25 ? ' | better / worse than bm25: all | ' + LANGUAGES.join(' | ') : '') + ' |',
    '|---|' + LANGUAGES.map(() => '---|').join('') + (bm25 ? '---|' + LANGUAGES.map(() => '---|').join('') : ''),
  ];
  for (const [name, r] of rows) {
    const k = name as RankerKind;
    const cells = LANGUAGES.map((l) => `${f(r.byLanguage[l].hit5)} / ${f(r.byLanguage[l].mrr)} (${r.byLanguage[l].questions})`);
    if (bm25) cells.push(versus(k, () => true), ...LANGUAGES.map((l) => versus(k, (o) => o.question.language === l)));
    out.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return out.join('\n') + '\n';
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ranker: { type: 'string', default: 'all' },
      scope: { type: 'string', default: 'file' },
      split: { type: 'string', default: 'test' },
      model: { type: 'string', default: path.join(ROOT, 'models', 'treeformer-qa.onnx') },
      corpora: { type: 'string', default: path.join(ROOT, 'models', 'data', 'corpora') },
      out: { type: 'string' },
      fit: { type: 'boolean', default: false },
      pin: { type: 'boolean', default: false },
      card: { type: 'boolean', default: false },
    },
  });
  if (values.pin) {
    const files = pinFiles(ROOT, path.resolve(values.corpora!));
    process.stdout.write(`pinned ${Object.keys(files).length} files in ${path.join('models', 'questions', 'files.json')}\n`);
    return;
  }
  const kinds = values.ranker === 'all' ? [...RANKERS] : [values.ranker as RankerKind];
  if (!kinds.every((k) => RANKERS.includes(k))) throw new Error(`--ranker must be all, ${RANKERS.join(', ')}`);
  if (values.scope !== 'file' && values.scope !== 'workspace') throw new Error('--scope must be file or workspace');
  if (!['dev', 'test', 'all'].includes(values.split!)) throw new Error('--split must be dev, test or all');
  if (values.fit && values.split !== 'dev') throw new Error('--fit tunes on the dev half only (--split dev)');

  const set = loadQuestionSet(ROOT);
  const onDisk = resolveFiles(set, path.resolve(values.corpora!));
  const inSplit = (q: Question) => values.split === 'all' || set.files[q.file].split === (values.split as Half);
  const questions = set.questions.filter(inSplit);

  // Workspace scope: one folder holding every file of the set (both halves).
  let workspace: string | undefined;
  const back = new Map<string, string>();
  if (values.scope === 'workspace') {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-questions-'));
    for (const [rel, abs] of onDisk) {
      const copy = path.join(workspace, rel.replace(/[/\\]/g, '__'));
      fs.copyFileSync(abs, copy);
      back.set(copy, rel);
    }
  } else {
    for (const [rel, abs] of onDisk) back.set(abs, rel);
  }
  const fileOf = (answerFile: string) => back.get(answerFile) ?? answerFile;

  // The workspace scope is every file of the set (over 1M tokens): past the default cap a question.
  const engine = await openEngine({ modelPath: path.resolve(values.model!), maxScopeTokens: 10_000_000 });
  const reads: Read[] = [];
  // The model reads only when a ranker needs it; bm25 alone is measured without it.
  const readWith: RankerKind = kinds.every((k) => k === 'bm25') ? 'bm25' : 'hybrid';
  try {
    const paths = (q: Question) => (workspace ? [workspace] : [onDisk.get(q.file)!]);
    // A first question warms the tokenizer, the parser and the scope index outside the timings.
    if (questions.length > 0) await engine.ask({ question: questions[0].question, paths: paths(questions[0]), ranker: 'bm25' });
    for (const [i, q] of questions.entries()) {
      const started = process.hrtime.bigint();
      const result = await engine.ask({ question: q.question, paths: paths(q), topK: RANK_DEPTH, ranker: readWith, withFeatures: true });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      reads.push({ question: q, candidates: result.candidates ?? [], seconds });
      if ((i + 1) % 10 === 0) process.stderr.write(`eval:questions: ${i + 1}/${questions.length}\n`);
    }
  } finally {
    await engine.dispose();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  }

  let weights = engine.fusion;
  if (values.fit) {
    weights = fit(reads, fileOf, weights);
    const cardFile = cardPathFor(path.resolve(values.model!));
    const card = JSON.parse(fs.readFileSync(cardFile, 'utf8'));
    card.fusion = { ...weights, fitted_on: `dev half of ${path.join('models', 'questions')} (${questions.length} questions, scope ${values.scope}), by MRR`, command: `npm run eval:questions -- --split dev --scope ${values.scope} --fit` };
    fs.writeFileSync(cardFile, JSON.stringify(card, null, 2) + '\n');
    process.stderr.write(`eval:questions: fusion weights ${JSON.stringify(weights)} written to ${cardFile}\n`);
  }
  const outcomesOf = new Map(kinds.map((k) => [k, outcomes(k, weights, reads, fileOf)]));
  const rows: [string, Report][] = kinds.map((k) => [k, report(outcomesOf.get(k)!)]);
  if (values.card) {
    // The figures go into the model card beside the command that made them.
    const cardFile = cardPathFor(path.resolve(values.model!));
    const card = JSON.parse(fs.readFileSync(cardFile, 'utf8'));
    card.questions_eval ??= {};
    card.questions_eval[`${values.split}-${values.scope}`] = {
      command: `npm run eval:questions -- --split ${values.split} --scope ${values.scope} --card`,
      date: new Date().toISOString().slice(0, 10),
      rankers: Object.fromEntries(rows.map(([k, r]) => [k, { ...r.overall, distinctTop1: r.distinctTop1, shuffleDrop: r.shuffleDrop, secondsPerQuestion: r.secondsPerQuestion }])),
    };
    fs.writeFileSync(cardFile, JSON.stringify(card, null, 2) + '\n');
  }
  const heading = `questions: split=${values.split} scope=${values.scope} files=${new Set(questions.map((q) => q.file)).size} seconds/question(${readWith})=${rows[0][1].secondsPerQuestion.toFixed(2)}\n`;
  const md = heading + '\n' + table(rows) + '\n' + languageTable(rows, outcomesOf);
  process.stdout.write(md);
  const outDir = values.out ?? path.join(ROOT, 'models', 'eval', `questions-${values.split}-${values.scope}`);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'results.md'), md);
  const perQuestion = kinds.map((k) => ({ ranker: k, outcomes: outcomesOf.get(k)!.map((o) => ({ id: o.question.id, rank: o.rank ?? null, shuffledRank: o.shuffledRank ?? null, top1: o.top1 ?? null })) }));
  // Every read's candidates with their features, so another fusion can be measured on the same reads.
  const candidates = reads.map((r) => ({
    id: r.question.id,
    file: r.question.file,
    candidates: r.candidates.map((c) => ({
      startLine: c.answer.startLine,
      endLine: c.answer.endLine,
      ...c.features,
      gold: goldRank(r.question, r.question.file, [{ ...c.answer, file: fileOf(c.answer.file) }]) === 1,
    })),
  }));
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify({ weights, rows: Object.fromEntries(rows), perQuestion, candidates }, null, 2) + '\n');
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`eval:questions: ${err.message}\n`);
  process.exitCode = 1;
});
