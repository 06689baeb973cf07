// npm run bench:workspace — the engine over workspaces of about 10k, 100k and
// 1M tokens built from real source files under node_modules (never
// @types/vscode, the reserved evaluation corpus), measured in one run:
// index build throughput and median (warm) answer time per question at each
// size. Correctness: the 1M workspace also holds the files of the
// hand-written questions' test half (models/questions, when the corpora are
// installed), and their questions are asked over the whole workspace: hit@1
// and hit@5 among a million tokens of distractors. A 64k-token single file is
// answered in a child process, for its own peak RSS.
// Uses `--model <file.onnx>` if given, else models/treeformer-qa.onnx when
// present, else the tiny test model.
// Ends with exactly one line:
//   workspace: index_tok_per_s=… ask_ms_10k=… ask_ms_100k=… ask_ms_1m=… growth_1m_over_10k=… hit1_1m=… hit5_1m=…
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { openEngine } from '../../src/engine';
import { readModelCard } from '../../src/engine/model/card';
import { Tokenizer } from '../../src/engine/tokenizer';
import { loadQuestionSet, Question, resolveFiles } from '../../src/eval/questions/questionSet';
import { figures, goldRank } from '../../src/eval/questions/scoring';
import { writeQaTestModel } from '../support/qaModel';

const REPO = path.resolve(__dirname, '../../..');
const SHIPPED_MODEL = path.join(REPO, 'models', 'treeformer-qa.onnx');
const SIZES = [
  { label: '10k', tokens: 10_000 },
  { label: '100k', tokens: 100_000 },
  { label: '1m', tokens: 1_000_000 },
];
const SINGLE_FILE_TOKENS = 64_000;
const QUESTIONS = [
  'How do I parse a JSON string into an object?',
  'remove an event listener that was added to the target',
  'create a typed array view over an ArrayBuffer',
  'resolve with the first promise that settles',
  'format a number with a fixed number of decimal digits',
  'check whether a file exists on disk',
  'read the whole file into a string',
  'escape special characters in a regular expression',
  'throw an error when the argument is not a function',
  'parse command line arguments into options',
  'compare two semantic version strings',
  'merge two objects deeply',
  'convert a string to camel case',
  'spawn a child process and wait for it to exit',
  'encode a string as base64',
];
const TOP_K = 5;
/** Source files larger than this are left out, so workspaces have many files. */
const MAX_SOURCE_BYTES = 256 * 1024;
const SOURCE_EXTENSIONS = ['.ts', '.js', '.mjs', '.cjs', '.md'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** Text files under node_modules, in a fixed order: no reserved corpus, no minified or generated blobs. */
function sourceFiles(): string[] {
  const root = path.join(REPO, 'node_modules');
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (rel === '@types/vscode' || rel === 'js-tiktoken/ranks' || rel === '.bin') continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && SOURCE_EXTENSIONS.some((e) => entry.name.endsWith(e)) && !entry.name.includes('.min.')) {
        const size = fs.statSync(full).size;
        if (size > 200 && size <= MAX_SOURCE_BYTES) found.push(full);
      }
    }
  };
  walk(root);
  // Interleave packages (a fixed stride through the sorted list) so every workspace mixes sources.
  const stride = 7;
  const ordered: string[] = [];
  for (let start = 0; start < stride; start++) for (let i = start; i < found.length; i += stride) ordered.push(found[i]);
  return ordered;
}

/**
 * Copies files into `dir` until it holds about `tokens` tokens (within 5%),
 * skipping files that would overshoot; returns the count.
 */
function buildWorkspace(dir: string, files: string[], tokenCounts: Map<string, number>, tokens: number): number {
  fs.mkdirSync(dir, { recursive: true });
  let total = 0;
  for (const [i, file] of files.entries()) {
    if (total >= 0.95 * tokens) break;
    const count = tokenCounts.get(file)!;
    if (total + count > 1.05 * tokens) continue;
    const rel = path.relative(path.join(REPO, 'node_modules'), file).split(path.sep).join('__');
    fs.copyFileSync(file, path.join(dir, `${String(i).padStart(5, '0')}__${rel}`));
    total += count;
  }
  return total;
}

interface SizeResult {
  label: string;
  files: number;
  tokens: number;
  windows: number;
  chunks: number;
  indexMs: number;
  askMs: number;
  /** The planted questions over this workspace (1M only). */
  correct?: { hit1: number; hit5: number; questions: number };
}

/** The test half of the hand-written questions and their files, when the corpora are installed. */
function plantedQuestions(): { questions: Question[]; files: Map<string, string> } | undefined {
  try {
    const set = loadQuestionSet(REPO);
    const files = resolveFiles(set, path.join(REPO, 'models', 'data', 'corpora'));
    const test = set.questions.filter((q) => set.files[q.file].split === 'test');
    return { questions: test, files: new Map([...files].filter(([rel]) => set.files[rel].split === 'test')) };
  } catch (err) {
    console.log(`correctness: skipped (${(err as Error).message})`);
    return undefined;
  }
}

async function measureSize(
  size: { label: string; tokens: number },
  workspace: string,
  cacheDir: string,
  modelPath: string,
  planted?: { questions: Question[]; copies: Map<string, string> },
): Promise<SizeResult> {
  const engine = await openEngine({ modelPath, device: 'cpu', cacheDir, maxScopeTokens: 10_000_000 });
  try {
    const started = performance.now();
    const built = await engine.buildIndex([workspace]);
    const indexMs = performance.now() - started;
    await engine.ask({ question: 'warm-up question', paths: [workspace], topK: TOP_K });
    const times: number[] = [];
    for (const question of QUESTIONS) {
      const t0 = performance.now();
      await engine.ask({ question, paths: [workspace], topK: TOP_K });
      times.push(performance.now() - t0);
    }
    let correct: SizeResult['correct'];
    if (planted) {
      const ranks = [];
      for (const q of planted.questions) {
        const result = await engine.ask({ question: q.question, paths: [workspace], topK: 10 });
        const copy = planted.copies.get(q.file)!;
        ranks.push(goldRank(q, copy, result.answers));
      }
      const f = figures(ranks);
      correct = { hit1: f.hit1, hit5: f.hit5, questions: f.questions };
    }
    return {
      label: size.label,
      files: built.files,
      tokens: built.tokens,
      windows: built.windows,
      chunks: built.chunks,
      indexMs,
      askMs: median(times),
      correct,
    };
  } finally {
    await engine.dispose();
  }
}

/** Child process: answers over one file with no index and prints its time and peak RSS. */
async function singleFileChild(file: string, modelPath: string): Promise<void> {
  const engine = await openEngine({ modelPath, device: 'cpu' });
  const t0 = performance.now();
  const result = await engine.ask({ question: QUESTIONS[0], paths: [file], topK: TOP_K });
  const ms = performance.now() - t0;
  // Warm: the file is tokenized and chunked; each question pays the lexical stage and the reader.
  const warm: number[] = [];
  for (const question of QUESTIONS.slice(1, 6)) {
    const t1 = performance.now();
    await engine.ask({ question, paths: [file], topK: TOP_K });
    warm.push(performance.now() - t1);
  }
  await engine.dispose();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ ms, warmMs: median(warm), tokens: result.stats.tokens, windows: result.stats.windows, peakRssMb }));
}

/** One file of about SINGLE_FILE_TOKENS tokens: consecutive source files concatenated. */
function buildSingleFile(file: string, files: string[], tokenCounts: Map<string, number>): number {
  const parts: string[] = [];
  let total = 0;
  for (const f of files) {
    if (total >= SINGLE_FILE_TOKENS) break;
    parts.push(fs.readFileSync(f, 'utf8'));
    total += tokenCounts.get(f)!;
  }
  fs.writeFileSync(file, parts.join('\n'));
  return total;
}

async function main(): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-wsbench-'));
  try {
    const given = process.argv.indexOf('--model');
    let modelPath = given > 0 ? path.resolve(process.argv[given + 1]) : SHIPPED_MODEL;
    if (given > 0) {
      console.log(`model: ${modelPath}`);
    } else if (fs.existsSync(SHIPPED_MODEL)) {
      console.log(`model: ${path.relative(REPO, SHIPPED_MODEL)} (the shipped model)`);
    } else {
      modelPath = writeQaTestModel(path.join(scratch, 'model')).modelPath;
      console.log('model: the tiny untrained test model (test/support/qaModel.ts); models/treeformer-qa.onnx is absent');
    }
    const tokenizer = Tokenizer.fromFile(readModelCard(modelPath).vocabPath);
    const files = sourceFiles();
    const tokenCounts = new Map(files.map((f) => [f, tokenizer.encode(fs.readFileSync(f, 'utf8')).ids.length]));
    const results: SizeResult[] = [];
    const planted = plantedQuestions();
    for (const size of SIZES) {
      const workspace = path.join(scratch, `ws-${size.label}`);
      let plantedHere: { questions: Question[]; copies: Map<string, string> } | undefined;
      let plantedTokens = 0;
      if (size.label === '1m' && planted) {
        fs.mkdirSync(workspace, { recursive: true });
        const copies = new Map<string, string>();
        for (const [rel, abs] of planted.files) {
          const copy = path.join(workspace, `q__${rel.replace(/[/\\]/g, '__')}`);
          fs.copyFileSync(abs, copy);
          copies.set(rel, copy);
          plantedTokens += tokenizer.encode(fs.readFileSync(abs, 'utf8')).ids.length;
        }
        plantedHere = { questions: planted.questions, copies };
      }
      buildWorkspace(workspace, files, tokenCounts, size.tokens - plantedTokens);
      const r = await measureSize(size, workspace, path.join(scratch, `cache-${size.label}`), modelPath, plantedHere);
      results.push(r);
      console.log(
        `${size.label.padEnd(5)} files=${r.files} tokens=${r.tokens} chunks=${r.chunks} windows=${r.windows} ` +
          `index=${round(r.indexMs / 1000, 2)} s (${Math.round(r.tokens / (r.indexMs / 1000))} tok/s) ` +
          `ask_median=${round(r.askMs)} ms` +
          (r.correct ? ` planted questions: ${r.correct.questions}, hit@1=${round(r.correct.hit1, 3)} hit@5=${round(r.correct.hit5, 3)}` : ''),
      );
    }
    const single = path.join(scratch, 'single-64k.txt');
    const singleTokens = buildSingleFile(single, files, tokenCounts);
    const child = JSON.parse(
      execFileSync(process.execPath, [__filename, '--single-file', single, modelPath], { encoding: 'utf8', maxBuffer: 1 << 20 }),
    );
    console.log(
      `single file: ${singleTokens} tokens, ${child.windows} candidates read, cold (no index): ` +
        `${round(child.ms)} ms, warm median ${round(child.warmMs)} ms, peak RSS ${Math.round(child.peakRssMb)} MB`,
    );
    const largest = results[results.length - 1];
    const indexTps = largest.tokens / (largest.indexMs / 1000);
    const correct = largest.correct;
    const ask = Object.fromEntries(results.map((r) => [r.label, r.askMs]));
    console.log(
      `workspace: index_tok_per_s=${Math.round(indexTps)} ask_ms_10k=${round(ask['10k'])} ask_ms_100k=${round(ask['100k'])} ` +
        `ask_ms_1m=${round(ask['1m'])} ask_ms_64k_file_warm=${round(child.warmMs)} growth_1m_over_10k=${round(ask['1m'] / ask['10k'], 2)} ` +
        `hit1_1m=${correct ? round(correct.hit1, 3) : 'skipped'} hit5_1m=${correct ? round(correct.hit5, 3) : 'skipped'}`,
    );
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--single-file') {
  singleFileChild(process.argv[3], process.argv[4]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
