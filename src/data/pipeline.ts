// `npm run data`: installs the corpora, mines examples, splits by package,
// builds the vocabulary on the training split, and writes JSONL, token shards
// and a stats report (src/data/README.md describes every file).
//
// CLI: node out/src/data/pipeline.js [--corpora DIR] [--out DIR] [--vocab-out FILE | --vocab FILE]
//        [--no-fetch] [--max-train-tokens N] [--vocab-size N] [--min-doc-chars N]
import * as fs from 'fs';
import * as path from 'path';
import { Tokenizer, VocabularyFile } from '../engine/tokenizer';
import { fetchCorpora } from './corpora/fetchCorpora';
import { findDuplicates } from './dedupe';
import { DEFAULT_CAPS, ExampleCaps, examplesOf } from './examples/build';
import { documentedDeclarations } from './extract/bySource';
import { stableHash } from './hash';
import { loadDocuments } from './load';
import { JsonLinesWriter } from './output/jsonLines';
import { writeMatchClasses } from './output/matchClasses';
import { CANDIDATE_KIND, ShardWriter } from './output/shards';
import { blanked, FileChunks } from './examples/candidates';
import { PipelineReport, writeReport } from './output/report';
import { StatsCollector } from './output/stats';
import { overlappingTokens } from './output/tokenRanges';
import { repoRoot } from './repoRoot';
import { SOURCES } from './sources';
import { splitOfPackage } from './split';
import { DocRecord, ExampleRecord, LoadedDocument, Span, Split, SPLITS } from './types';
import { buildVocabulary, DEFAULT_VOCAB_SIZE, formatVocabularyFile } from './vocab';
import { walkCorpora } from './walk';

export const VOCAB_VERSION = 'v2';
/** Characters per model token, to budget before tokenizing (code runs ~3.3; erring low keeps the cap). */
const CHARS_PER_TOKEN_ESTIMATE = 3;

export interface PipelineOptions {
  /** Corpora folder (as fetchCorpora lays it out). */
  corpora: string;
  /** Output folder: <out>/<split>/…, <out>/stats.json, <out>/stats.md. */
  out: string;
  /** Where the vocabulary goes; default <out>/vocab-<version>.json. */
  vocabOut?: string;
  /**
   * Tokenize with this vocabulary file instead of building one (nothing is
   * written to vocabOut): new data for a model that already exists, whose
   * embedding is tied to its vocabulary.
   */
  vocabulary?: string;
  /** Install the corpora first (npm, Debian, site-packages link). Default false. */
  fetch?: boolean;
  vocabSize?: number;
  minDocChars?: number;
  maxDocChars?: number;
  /** Training documents are taken (in hash order) until their estimated tokens reach this. */
  maxTrainTokens?: number;
  /** The vocabulary counts tokens in at most this many characters of training text. */
  maxVocabChars?: number;
  caps?: ExampleCaps;
  log?: (line: string) => void;
}

interface MinedDocument {
  record: DocRecord;
  split: Split;
  examples: ExampleRecord[];
  /** Every doc comment found in the file (whole lines): a trainer can cut some as distractors. */
  docComments: Span[];
}

export const DEFAULTS = {
  minDocChars: 6000,
  maxDocChars: 2_000_000,
  // ~11M real tokens: more than 2 h of CPU training reads, and the GPU script carries them in under 60 MiB
  maxTrainTokens: 12_000_000,
  maxVocabChars: 60_000_000,
};

function estimatedTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN_ESTIMATE);
}

function mine(docs: LoadedDocument[], caps: ExampleCaps, log: (s: string) => void): { mined: MinedDocument[]; withoutExamples: number } {
  const mined: MinedDocument[] = [];
  let withoutExamples = 0;
  // One source at a time: Python's helper runs once per batch.
  for (const spec of SOURCES) {
    const batch = docs.filter((d) => d.record.source === spec.id);
    if (batch.length === 0) continue;
    const started = Date.now();
    const decls = documentedDeclarations(batch);
    let examples = 0;
    for (const d of batch) {
      const found = decls.get(d.record.docId) ?? [];
      const ex = examplesOf(d.record, found, caps);
      if (ex.length === 0) {
        withoutExamples++;
        continue;
      }
      examples += ex.length;
      mined.push({
        record: d.record,
        split: spec.forcedSplit ?? splitOfPackage(d.record.package),
        examples: ex,
        docComments: found.map((f) => ({ start: f.doc.start, end: f.doc.end })),
      });
    }
    log(`mine: ${spec.id}: ${batch.length} documents, ${examples} examples (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  return { mined, withoutExamples };
}

/** Training documents within the token budget, taken in a fixed pseudo-random order. */
function applyTrainBudget(mined: MinedDocument[], maxTrainTokens: number): { kept: MinedDocument[]; over: number } {
  const order = [...mined].sort((a, b) => stableHash(a.record.docId) - stableHash(b.record.docId) || (a.record.docId < b.record.docId ? -1 : 1));
  const kept: MinedDocument[] = [];
  let budget = maxTrainTokens;
  let over = 0;
  for (const m of order) {
    if (m.split !== 'train') kept.push(m);
    else if (estimatedTokens(m.record.text) <= budget) {
      budget -= estimatedTokens(m.record.text);
      kept.push(m);
    } else over++;
  }
  return { kept, over };
}

/** Training texts, in the budget's order, up to maxChars characters in all. */
function vocabularyTexts(train: MinedDocument[], maxChars: number): string[] {
  const texts: string[] = [];
  let chars = 0;
  for (const m of train) {
    if (chars + m.record.text.length > maxChars) continue;
    chars += m.record.text.length;
    texts.push(m.record.text);
  }
  return texts;
}

function writeSplit(
  dir: string,
  split: Split,
  docs: MinedDocument[],
  tokenizer: Tokenizer,
  stats: StatsCollector,
  dropped: PipelineReport['examplesDropped'],
): void {
  fs.mkdirSync(dir, { recursive: true });
  const shards = new ShardWriter(dir);
  const docsOut = new JsonLinesWriter(path.join(dir, 'docs.jsonl'));
  const examplesOut = new JsonLinesWriter(path.join(dir, 'examples.jsonl'));
  for (const m of docs) {
    const { record } = m;
    const enc = tokenizer.encode(record.text);
    const [docStart, docCount] = shards.addDocument(record.docId, enc.ids, enc.starts, enc.ends);
    docsOut.write({ ...record, docComments: m.docComments.map((s) => [s.start, s.end]) });
    stats.addDocument(split, record.source, record.package, docCount);
    const chunks = m.examples.length > 0 ? new FileChunks(record.text) : undefined;
    for (const ex of m.examples) {
      const cuts = ex.cuts.map((c) => overlappingTokens(enc, c.start, c.end)).filter(([a, b]) => b > a);
      const [first, stop] = overlappingTokens(enc, ex.answer.start, ex.answer.end);
      if (stop <= first) {
        dropped.emptyAnswer++;
        continue;
      }
      if (cuts.some(([rs, re]) => first < re && rs < stop)) {
        dropped.answerInRemoved++;
        continue;
      }
      const candidates = chunks!.candidates(ex.question, ex.answer, ex.cuts, ex.id).map((c): [number, number, number] => {
        const [a, b] = overlappingTokens(enc, c.span.start, c.span.end);
        return [a, Math.max(a, b - 1), CANDIDATE_KIND[c.kind]];
      });
      // Over the document as shown: cut text blanked (offsets kept), so a cut comment's words do not count.
      const lexicalRank = (ex.cuts.length > 0 ? new FileChunks(blanked(record.text, ex.cuts)) : chunks!).lexicalRank(ex.question, ex.answer);
      const question = shards.addQuestion(tokenizer.encode(ex.question).ids);
      shards.addExample([docStart, docCount], question, cuts, candidates, [first, stop - 1], lexicalRank);
      examplesOut.write({ ...ex, tokens: { doc: [docStart, docCount], question, cuts, candidates, answer: [first, stop - 1], lexicalRank } });
      stats.addExample(split, record.source, ex.kind, lexicalRank === 0);
      if (ex.kind === 'doc2decl' && ex.cuts.length === 0) stats.addIntactDoc2decl(split, lexicalRank === 0);
    }
  }
  shards.close();
  docsOut.close();
  examplesOut.close();
}

function assertPackagesDisjoint(stats: StatsCollector): void {
  for (const a of SPLITS) {
    for (const b of SPLITS) {
      if (a >= b) continue;
      const shared = [...stats.packagesOf(a)].filter((p) => stats.packagesOf(b).has(p));
      if (shared.length > 0) throw new Error(`packages in both ${a} and ${b}: ${shared.slice(0, 5).join(', ')}`);
    }
  }
}

export function runPipeline(options: PipelineOptions): PipelineReport {
  const log = options.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const opts = { ...DEFAULTS, ...options };
  const caps = options.caps ?? DEFAULT_CAPS;
  const vocabOut = options.vocabOut ?? path.join(options.out, `vocab-${VOCAB_VERSION}.json`);
  const seconds: Record<string, number> = {};
  let clock = Date.now();
  const phase = (name: string) => {
    seconds[name] = (Date.now() - clock) / 1000;
    clock = Date.now();
  };

  if (options.fetch) {
    fetchCorpora(options.corpora, log);
    phase('fetch');
  }
  const walked = walkCorpora(options.corpora);
  for (const id of walked.missing) log(`walk: source ${id}: none of its roots exist under ${options.corpora}; skipped`);
  log(`walk: ${walked.files.length} files, ${walked.reserved.length} refused as reserved for evaluation`);
  const loaded = loadDocuments(walked.files, { minChars: opts.minDocChars, maxChars: opts.maxDocChars });
  const duplicates = findDuplicates(loaded.docs.map((d) => d.record));
  const unique = loaded.docs.filter((d) => !duplicates.has(d.record.docId));
  log(`load: ${unique.length} documents (${duplicates.size} duplicates dropped; skipped ${JSON.stringify(loaded.skipped)})`);
  phase('walk+load+dedupe');

  const { mined, withoutExamples } = mine(unique, caps, log);
  const { kept, over } = applyTrainBudget(mined, opts.maxTrainTokens);
  phase('mine');

  const train = kept.filter((m) => m.split === 'train');
  const texts = vocabularyTexts(train, opts.maxVocabChars);
  const trainSources = [...new Set(train.map((m) => m.record.source))].sort();
  let vocabulary: VocabularyFile;
  let vocabFile: string;
  if (options.vocabulary) {
    vocabulary = JSON.parse(fs.readFileSync(options.vocabulary, 'utf8')) as VocabularyFile;
    vocabFile = options.vocabulary;
    log(`vocabulary: ${vocabulary.size} ids, kept from ${vocabFile}`);
  } else {
    vocabulary = buildVocabulary(texts, { size: opts.vocabSize ?? DEFAULT_VOCAB_SIZE, version: VOCAB_VERSION, sources: trainSources, fallback: 'subpieces' });
    vocabFile = vocabOut;
    fs.mkdirSync(path.dirname(vocabOut), { recursive: true });
    fs.writeFileSync(vocabOut, formatVocabularyFile(vocabulary));
    log(`vocabulary: ${vocabulary.size} ids from ${vocabulary.trainedOn.chars} training characters -> ${vocabOut}`);
  }
  const tokenizer = Tokenizer.fromVocabulary(vocabulary);
  phase('vocabulary');

  const stats = new StatsCollector();
  const dropped = { emptyAnswer: 0, answerInRemoved: 0 };
  for (const split of SPLITS) {
    const dir = path.join(options.out, split);
    fs.rmSync(dir, { recursive: true, force: true });
    const docs = kept.filter((m) => m.split === split).sort((a, b) => (a.record.docId < b.record.docId ? -1 : 1));
    writeSplit(dir, split, docs, tokenizer, stats, dropped);
    log(`write: ${split}: ${docs.length} documents`);
  }
  assertPackagesDisjoint(stats);
  writeMatchClasses(options.out, vocabulary);
  phase('tokenize+write');

  const report: PipelineReport = {
    splits: stats.summary(),
    corpus: {
      filesFound: walked.files.length,
      reservedRefused: walked.reserved.length,
      shadowed: walked.shadowed,
      missingSources: walked.missing,
      skipped: loaded.skipped,
      duplicates: duplicates.size,
      docsWithoutExamples: withoutExamples,
      trainDocsOverBudget: over,
    },
    examplesDropped: dropped,
    vocabulary: { version: vocabulary.version, size: vocabulary.size, file: path.basename(vocabFile), trainedOnChars: vocabulary.trainedOn.chars },
    seconds,
  };
  writeReport(options.out, report, opts);
  return report;
}

interface CliOptions extends PipelineOptions {
  vocabOut: string;
}

function parseArgs(argv: string[]): CliOptions {
  const root = repoRoot();
  const o: CliOptions = {
    corpora: path.join(root, 'models', 'data', 'corpora'),
    out: path.join(root, 'models', 'data'),
    vocabOut: path.join(root, 'models', 'tokenizer', `vocab-${VOCAB_VERSION}.json`),
    fetch: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const count = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${a} needs a whole number`);
      return n;
    };
    if (a === '--corpora') o.corpora = path.resolve(value());
    else if (a === '--out') o.out = path.resolve(value());
    else if (a === '--vocab-out') o.vocabOut = path.resolve(value());
    else if (a === '--vocab') o.vocabulary = path.resolve(value());
    else if (a === '--no-fetch') o.fetch = false;
    else if (a === '--max-train-tokens') o.maxTrainTokens = count();
    else if (a === '--vocab-size') o.vocabSize = count();
    else if (a === '--min-doc-chars') o.minDocChars = count();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

export function main(argv: string[]): number {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`data: ${(err as Error).message}\n`);
    process.stderr.write('usage: node out/src/data/pipeline.js [--corpora DIR] [--out DIR] [--vocab-out FILE | --vocab FILE] [--no-fetch] [--max-train-tokens N] [--vocab-size N] [--min-doc-chars N]\n');
    return 2;
  }
  try {
    const report = runPipeline(options);
    for (const split of SPLITS) {
      const s = report.splits[split];
      process.stdout.write(`data: ${split}: ${s.examples} examples, ${s.docs} documents, ${s.packages} packages, ${s.tokens} tokens\n`);
    }
    process.stdout.write(`data: stats in ${path.join(options.out, 'stats.md')}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`data: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
