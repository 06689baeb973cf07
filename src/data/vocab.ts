// Builds the model vocabulary: the cl100k_base tokens most frequent in the
// training texts. Never run it on the evaluation corpora (DESIGN §7): the
// file-reading side refuses them through assertNotReserved.
//
// CLI: node out/src/data/vocab.js --out <file> [--size <n>] [--version <v>]
//        [--source <label>]... <files or dirs...>
import * as fs from 'fs';
import * as path from 'path';
import { Cl100k, LONE_SURROGATE } from '../engine/tokenizer/cl100k';
import { FIRST_TOKEN_ID, MAX_VOCAB_SIZE, VocabularyFallback, VocabularyFile } from '../engine/tokenizer/vocabulary';

export const DEFAULT_VOCAB_SIZE = 16384;

export interface BuildVocabularyOptions {
  /** Total ids wanted (specials + bytes + tokens), FIRST_TOKEN_ID..MAX_VOCAB_SIZE. */
  size: number;
  version: string;
  sources: string[];
  /** What a token outside the vocabulary becomes (vocabulary.ts); default 'subpieces'. */
  fallback?: VocabularyFallback;
}

/**
 * Keeps the size − 260 most frequent multi-byte cl100k tokens of `texts`
 * (ties: lower rank first). Tokens never seen are not kept, so a small corpus
 * can give a smaller vocabulary than asked for; `size` in the result is exact.
 */
export function buildVocabulary(texts: Iterable<string>, opts: BuildVocabularyOptions): VocabularyFile {
  if (!Number.isInteger(opts.size) || opts.size < FIRST_TOKEN_ID || opts.size > MAX_VOCAB_SIZE) {
    throw new RangeError(`vocabulary size must be an integer in ${FIRST_TOKEN_ID}..${MAX_VOCAB_SIZE}, got ${opts.size}`);
  }
  const base = Cl100k.get();
  const counts = new Float64Array(base.rankCount);
  let files = 0;
  let chars = 0;
  for (const text of texts) {
    files++;
    chars += text.length;
    base.forEachToken(text, (rank) => {
      if (rank !== LONE_SURROGATE) counts[rank]++;
    });
  }
  const candidates: number[] = [];
  for (let rank = 0; rank < counts.length; rank++) {
    if (counts[rank] > 0 && base.tokenLength(rank) > 1) candidates.push(rank);
  }
  candidates.sort((a, b) => counts[b] - counts[a] || a - b);
  const tokens = candidates.slice(0, opts.size - FIRST_TOKEN_ID);
  return {
    format: 'treeformer-vocab',
    version: opts.version,
    base: 'cl100k_base',
    size: FIRST_TOKEN_ID + tokens.length,
    tokens,
    fallback: opts.fallback ?? 'subpieces',
    trainedOn: { files, chars, sources: [...opts.sources] },
  };
}

// lib/python3.X (or lib64) itself, or anything below it except site-packages
// and dist-packages: the Python standard library.
const PYTHON_STDLIB = /\/lib(?:64)?\/python3\.\d+(?:\/(?!(?:site|dist)-packages(?:\/|$))|$)/;
const VSCODE_TYPES = '@types/vscode';
// The Python documentation (python3.X-doc) describes the standard library:
// reserved too, except its FAQ, which stays a test-only source.
const PYTHON_DOCS = /\/python3\.\d+-doc(?:\/|$)(?!.*\/_sources\/faq(?:\/|$))/;

/**
 * Throws if `p` (or, when it exists, the real path it resolves to) lies in a
 * corpus reserved for evaluation: the Python standard library
 * (…/lib/python3.X/…, except its site-packages/dist-packages), the Python
 * documentation (…/python3.X-doc/…, except its FAQ) or @types/vscode.
 */
export function assertNotReserved(p: string): void {
  const candidates = [path.resolve(p)];
  try {
    candidates.push(fs.realpathSync(p));
  } catch {
    // a path that does not exist is judged by its name alone
  }
  for (const c of candidates) {
    const slashed = c.split(path.sep).join('/').replace(/\\/g, '/');
    if (PYTHON_STDLIB.test(slashed) || PYTHON_DOCS.test(slashed) || slashed.includes(VSCODE_TYPES)) {
      throw new Error(`${p} is in a corpus reserved for evaluation (the Python standard library, its documentation or @types/vscode); it must not be used to build the vocabulary`);
    }
  }
}

/**
 * The files under `roots` (files or folders, walked in sorted order, symbolic
 * links to folders not followed), each checked with assertNotReserved.
 */
export function collectCorpusFiles(roots: string[]): string[] {
  const files: string[] = [];
  const visit = (p: string, isRoot: boolean) => {
    assertNotReserved(p);
    const st = isRoot ? fs.statSync(p) : fs.lstatSync(p);
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) visit(path.join(p, name), false);
    } else if (st.isFile() || (st.isSymbolicLink() && fs.statSync(p).isFile())) {
      files.push(p);
    }
  };
  for (const root of roots) visit(root, true);
  return files;
}

/** Reads each file as UTF-8, skipping files with a NUL byte in their first 8 KiB (binary). */
export function* readTextFiles(files: Iterable<string>): Generator<string> {
  for (const file of files) {
    const buf = fs.readFileSync(file);
    if (buf.subarray(0, 8192).includes(0)) continue;
    yield buf.toString('utf8');
  }
}

/** Tokens on one line: the file stays short and diffs stay readable. */
export function formatVocabularyFile(v: VocabularyFile): string {
  const fields = Object.entries(v).map(([k, value]) =>
    `  ${JSON.stringify(k)}: ${k === 'tokens' ? JSON.stringify(value) : JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}`,
  );
  return `{\n${fields.join(',\n')}\n}\n`;
}

interface CliArgs {
  out: string;
  size: number;
  version: string;
  sources: string[];
  roots: string[];
}

function parseArgs(argv: string[]): CliArgs {
  let out: string | undefined;
  let size = DEFAULT_VOCAB_SIZE;
  let version: string | undefined;
  const sources: string[] = [];
  const roots: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--out') out = value();
    else if (a === '--size') size = Number(value());
    else if (a === '--version') version = value();
    else if (a === '--source') sources.push(value());
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else roots.push(a);
  }
  if (!out) throw new Error('--out <file> is required');
  if (roots.length === 0) throw new Error('give at least one file or folder to count tokens in');
  return {
    out,
    size,
    version: version ?? path.basename(out).replace(/\.json$/, ''),
    // labels, not absolute paths: the file is committed
    sources: sources.length > 0 ? sources : roots.map((r) => path.relative(process.cwd(), r).split(path.sep).join('/') || '.'),
    roots,
  };
}

export function main(argv: string[]): number {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`vocab: ${(err as Error).message}\n`);
    process.stderr.write('usage: node out/src/data/vocab.js --out <file> [--size <n>] [--version <v>] [--source <label>]... <files or dirs...>\n');
    return 2;
  }
  try {
    const files = collectCorpusFiles(args.roots);
    const vocab = buildVocabulary(readTextFiles(files), { size: args.size, version: args.version, sources: args.sources });
    fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
    fs.writeFileSync(args.out, formatVocabularyFile(vocab));
    process.stdout.write(
      `vocab: ${args.out}: ${vocab.size} ids (${vocab.tokens.length} tokens) from ${vocab.trainedOn.files} files, ${vocab.trainedOn.chars} chars\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`vocab: ${(err as Error).message}\n`);
    return 1;
  }
}

// Run as a script only: bundled into another program, `module` is that
// program's entry, so the file name is checked too.
if (require.main === module && path.basename(__filename, '.js') === 'vocab') process.exitCode = main(process.argv.slice(2));
