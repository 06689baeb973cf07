// Command line of `npm run eval`: which ranker, which split, where results go.
import * as path from 'path';
import { parseArgs } from 'util';
import { WINDOW_SIZE, WINDOW_STRIDE, WindowShape } from '../engine/windows';
import { DEFAULT_TOP_K } from './runner';

export const USAGE = `usage: npm run eval -- [--split test] [--ranker bm25 | --ranker-cmd "<command>" [--name <name>] | --model <file.onnx>]
                     [--limit N] [--top K] [--out <dir>] [--data <dir>] [--tokenizer <vocab.json>]
                     [--window-size W] [--window-stride S] [--threads T]
  --ranker bm25        BM25 over the model's token windows (the default)
  --ranker-cmd "<c>"   any ranker following the CLI contract: <c> ask <file> --question "<q>" --top K --json
  --model <file>       the ONNX model through the QA engine
  --limit N            evaluate N examples spread evenly over the split
  --out <dir>          results.json and results.md (default models/eval/<ranker>-<split>/)
  --data <dir>         the dataset root holding <split>/docs.jsonl and examples.jsonl (default models/data)
  --tokenizer <file>   the model vocabulary for BM25's windows (default models/tokenizer/vocab-v1.json)
  --threads T          ONNX Runtime threads for --model (default: every core)`;

/** Where `npm run data` writes the vocabulary (src/data/pipeline.ts, VOCAB_VERSION v1). */
const DEFAULT_VOCABULARY = path.join('models', 'tokenizer', 'vocab-v1.json');

export type RankerChoice = { kind: 'bm25' } | { kind: 'command'; command: string; name: string } | { kind: 'model'; modelPath: string };

export interface EvalArgs {
  split: string;
  ranker: RankerChoice;
  limit?: number;
  topK: number;
  dataDir: string;
  /** Undefined: models/eval/<ranker name>-<split>, known once the ranker is. */
  outDir?: string;
  tokenizerPath: string;
  window: WindowShape;
  /** ONNX Runtime intra-op threads for --model; 0 = every core. */
  threads: number;
}

export class UsageError extends Error {}

function positiveInteger(value: string | undefined, flag: string, fallback: number): number;
function positiveInteger(value: string | undefined, flag: string): number | undefined;
function positiveInteger(value: string | undefined, flag: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${value}'`);
  return n;
}

/** Parses argv (without node and the script): given paths resolve against the working folder, defaults against `repoRoot`. */
export function parseEvalArgs(argv: string[], repoRoot: string): EvalArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        split: { type: 'string', default: 'test' },
        ranker: { type: 'string' },
        'ranker-cmd': { type: 'string' },
        name: { type: 'string' },
        model: { type: 'string' },
        limit: { type: 'string' },
        top: { type: 'string' },
        out: { type: 'string' },
        data: { type: 'string' },
        tokenizer: { type: 'string' },
        'window-size': { type: 'string' },
        'window-stride': { type: 'string' },
        threads: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const chosen = [values.ranker, values['ranker-cmd'], values.model].filter((v) => v !== undefined);
  if (chosen.length > 1) throw new UsageError('choose one of --ranker, --ranker-cmd and --model');
  if (values.ranker !== undefined && values.ranker !== 'bm25') throw new UsageError(`unknown --ranker '${values.ranker}' (known: bm25)`);
  if (values.name !== undefined && values['ranker-cmd'] === undefined) throw new UsageError('--name only names a --ranker-cmd ranker');
  if (values.name !== undefined && !/^[\w.-]+$/.test(values.name)) throw new UsageError(`--name must be a file-name-safe word, got '${values.name}'`);
  if (!/^[\w.-]+$/.test(values.split)) throw new UsageError(`--split must be a folder name, got '${values.split}'`);

  let ranker: RankerChoice = { kind: 'bm25' };
  if (values['ranker-cmd'] !== undefined) ranker = { kind: 'command', command: values['ranker-cmd'], name: values.name ?? 'command' };
  else if (values.model !== undefined) ranker = { kind: 'model', modelPath: path.resolve(values.model) };

  const window = {
    size: positiveInteger(values['window-size'], '--window-size', WINDOW_SIZE),
    stride: positiveInteger(values['window-stride'], '--window-stride', WINDOW_STRIDE),
  };
  if (window.stride > window.size) throw new UsageError(`--window-stride (${window.stride}) must not exceed --window-size (${window.size})`);

  return {
    split: values.split,
    ranker,
    limit: positiveInteger(values.limit, '--limit'),
    topK: positiveInteger(values.top, '--top', DEFAULT_TOP_K),
    dataDir: values.data === undefined ? path.join(repoRoot, 'models', 'data') : path.resolve(values.data),
    outDir: values.out === undefined ? undefined : path.resolve(values.out),
    tokenizerPath: values.tokenizer === undefined ? path.join(repoRoot, DEFAULT_VOCABULARY) : path.resolve(values.tokenizer),
    window,
    threads: positiveInteger(values.threads, '--threads', 0),
  };
}
