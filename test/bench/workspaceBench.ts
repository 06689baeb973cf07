// npm run bench:workspace — the engine over workspaces of about 10k, 100k and
// 1M tokens built from real source files under node_modules (never
// @types/vscode, the reserved evaluation corpus), measured in one run:
// index build throughput, median answer time per question at each size, and
// the first stage's recall against reading every window. A 64k-token single
// file is answered in one pass in a child process, for its own peak RSS.
// Uses `--model <file.onnx>` if given, else models/treeformer-qa.onnx when
// present, else the tiny test model.
// Ends with exactly one line:
//   workspace: index_tok_per_s=… ask_ms_10k=… ask_ms_100k=… ask_ms_1m=… growth_1m_over_10k=… stage1_recall=…
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { openEngine } from '../../src/engine';
import { LineIndex } from '../../src/engine/lines';
import { readModelCard } from '../../src/engine/model/card';
import { DEFAULT_READ_BUDGET } from '../../src/engine/qaEngine';
import { Tokenizer } from '../../src/engine/tokenizer';
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
/**
 * Recall needs a full read of every window per question; it is skipped at a
 * size where that would take longer than this (estimated from the index
 * build, which runs every window once), unless BENCH_FULL_RECALL=1.
 */
const RECALL_BUDGET_MS = 5 * 60 * 1000;
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

interface Recall {
  fused: number;
  leavesOnly: number;
  /** Distinct spans among the full read's top answers to all questions: few means the question barely matters. */
  distinctAnswers: number;
  answers: number;
}

interface SizeResult {
  label: string;
  files: number;
  tokens: number;
  windows: number;
  indexMs: number;
  askMs: number;
  windowsRead: number;
  /** Undefined: no first stage at this size; 'skipped': too slow to measure (see RECALL_BUDGET_MS). */
  recall?: Recall | 'skipped';
}

/**
 * Share of the full read's top answers that lie in a window the first stage
 * chose (answer midpoint inside the window): with its fused order, and with
 * the shared leaves alone (no answer prior).
 */
async function firstStageRecall(
  workspace: string,
  stagedEngine: Awaited<ReturnType<typeof openEngine>>,
  modelPath: string,
): Promise<Recall> {
  const full = await openEngine({ modelPath, device: 'cpu' });
  let found = 0;
  let foundByLeaves = 0;
  let total = 0;
  const distinct = new Set<string>();
  const lineIndexes = new Map<string, { text: string; lines: LineIndex }>();
  try {
    for (const question of QUESTIONS) {
      const everything = await full.ask({ question, paths: [workspace], topK: TOP_K });
      const chosen = await stagedEngine.firstStageWindows({ question, paths: [workspace] });
      const byLeaves = await stagedEngine.firstStageWindows({ question, paths: [workspace] }, 'leaves');
      for (const a of everything.answers) {
        distinct.add(`${a.file}:${a.startLine}-${a.endLine}`);
        let doc = lineIndexes.get(a.file);
        if (!doc) {
          const text = fs.readFileSync(a.file, 'utf8');
          doc = { text, lines: new LineIndex(text) };
          lineIndexes.set(a.file, doc);
        }
        const start = lineOffset(doc.text, a.startLine);
        const end = lineOffset(doc.text, a.endLine + 1);
        const middle = Math.floor((start + end) / 2);
        total++;
        const holds = (w: { file: string; charStart: number; charEnd: number }) =>
          w.file === a.file && w.charStart <= middle && middle < w.charEnd;
        if (chosen.some(holds)) found++;
        if (byLeaves.some(holds)) foundByLeaves++;
      }
    }
  } finally {
    await full.dispose();
  }
  const shares = total === 0 ? { fused: 1, leavesOnly: 1 } : { fused: found / total, leavesOnly: foundByLeaves / total };
  return { ...shares, distinctAnswers: distinct.size, answers: total };
}

/** Character offset where 1-based `line` starts (the text length past the last line). */
function lineOffset(text: string, line: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', at);
    if (next < 0) return text.length;
    at = next + 1;
  }
  return at;
}

async function measureSize(
  size: { label: string; tokens: number },
  workspace: string,
  cacheDir: string,
  modelPath: string,
): Promise<SizeResult> {
  const engine = await openEngine({ modelPath, device: 'cpu', cacheDir });
  try {
    const started = performance.now();
    const built = await engine.buildIndex([workspace]);
    const indexMs = performance.now() - started;
    await engine.ask({ question: 'warm-up question', paths: [workspace], topK: TOP_K });
    const times: number[] = [];
    let windowsRead = 0;
    for (const question of QUESTIONS) {
      const t0 = performance.now();
      const result = await engine.ask({ question, paths: [workspace], topK: TOP_K });
      times.push(performance.now() - t0);
      windowsRead = result.stats.windows;
    }
    const staged = built.windows > DEFAULT_READ_BUDGET;
    const fullReadMs = indexMs * QUESTIONS.length; // a full read costs about one index build per question
    const affordable = fullReadMs <= RECALL_BUDGET_MS || process.env.BENCH_FULL_RECALL === '1';
    const recall = !staged ? undefined : affordable ? await firstStageRecall(workspace, engine, modelPath) : 'skipped';
    return {
      label: size.label,
      files: built.files,
      tokens: built.tokens,
      windows: built.windows,
      indexMs,
      askMs: median(times),
      windowsRead,
      recall,
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
  await engine.dispose();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ ms, tokens: result.stats.tokens, windows: result.stats.windows, peakRssMb }));
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
    for (const size of SIZES) {
      const workspace = path.join(scratch, `ws-${size.label}`);
      buildWorkspace(workspace, files, tokenCounts, size.tokens);
      const r = await measureSize(size, workspace, path.join(scratch, `cache-${size.label}`), modelPath);
      results.push(r);
      console.log(
        `${size.label.padEnd(5)} files=${r.files} tokens=${r.tokens} windows=${r.windows} ` +
          `index=${round(r.indexMs / 1000, 2)} s (${Math.round(r.tokens / (r.indexMs / 1000))} tok/s) ` +
          `ask_median=${round(r.askMs)} ms windows_read=${r.windowsRead}` +
          (r.recall === undefined
            ? ' (every window read; no first stage)'
            : r.recall === 'skipped'
              ? ' stage1_recall=skipped (a full read per question would exceed the time cap; BENCH_FULL_RECALL=1 measures it)'
              : ` stage1_recall=${round(r.recall.fused, 3)} (shared leaves alone, no answer prior: ${round(r.recall.leavesOnly, 3)}; ` +
                `the full read's ${r.recall.answers} answers hold ${r.recall.distinctAnswers} distinct spans)`),
      );
    }
    const single = path.join(scratch, 'single-64k.txt');
    const singleTokens = buildSingleFile(single, files, tokenCounts);
    const child = JSON.parse(
      execFileSync(process.execPath, [__filename, '--single-file', single, modelPath], { encoding: 'utf8', maxBuffer: 1 << 20 }),
    );
    console.log(
      `single file: ${singleTokens} tokens, ${child.windows} windows in one pass (no first stage): ` +
        `${round(child.ms)} ms, peak RSS ${Math.round(child.peakRssMb)} MB`,
    );
    const largest = results[results.length - 1];
    const indexTps = largest.tokens / (largest.indexMs / 1000);
    // The mean over the sizes where the first stage ran and recall was measured.
    const recalls = results.flatMap((r) => (typeof r.recall === 'object' ? [r.recall.fused] : []));
    const recall = recalls.length ? recalls.reduce((a, b) => a + b, 0) / recalls.length : NaN;
    const ask = Object.fromEntries(results.map((r) => [r.label, r.askMs]));
    console.log(
      `workspace: index_tok_per_s=${Math.round(indexTps)} ask_ms_10k=${round(ask['10k'])} ask_ms_100k=${round(ask['100k'])} ` +
        `ask_ms_1m=${round(ask['1m'])} growth_1m_over_10k=${round(ask['1m'] / ask['10k'], 2)} stage1_recall=${round(recall, 3)}`,
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
