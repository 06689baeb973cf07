// The read: the Treeformer reads the question with each candidate chunk in a
// long window of its file (up to `readTokens` document tokens, the length it
// was trained at; the whole file when it fits). One run serves every
// candidate of the file that lies well inside its window. Per candidate:
//   relevance = the mean of the chunk's `chunkTopTokens` highest
//               relevance_evidence values (the card's
//               reader.chunk_top_tokens); for cards without it, the
//               log-sum-exp of the evidence over the chunk's tokens (the
//               window's relevance_logit is the same sum over the whole
//               window);
//   span      = log P(best span inside the chunk | window), from the start
//               and end log-softmax over the window.
// Cancellation is checked before each run.
import type { ChunkSet, CorpusFile } from './corpus';
import { throwIfAborted } from './errors';
import { buildInput, QuestionSide } from './model/inputs';
import type { ModelOutput, ModelRunner, TreeShape } from './model/runner';
import { decodeSpans, MAX_SPAN_TOKENS } from './spans';
import type { Progress } from './types';

export interface Candidate {
  file: CorpusFile;
  chunks: ChunkSet;
  chunk: number;
}

export interface Reading {
  relevance: number;
  span: number;
}

/** Document tokens [tokenStart, tokenEnd) of a file, as one model run read them. */
export interface ReadContext {
  file: CorpusFile;
  tokenStart: number;
  tokenEnd: number;
  /** leaf_ids [layers, heads, n] of the run. */
  leaves: Int32Array;
  n: number;
}

/** A window where one tree leaf holds this share of a head's keys: TF attention there costs nearly what dense does. */
export const CROWDED_LEAF_SHARE = 0.5;

export interface CrowdedLeaf {
  file: CorpusFile;
  /** The largest share of one head's keys in one leaf, over the window's layers and heads. */
  share: number;
}

export interface ReadOptions {
  readTokens: number;
  /** A chunk's relevance is the mean of this many of its highest evidence values; undefined: their log-sum-exp. */
  chunkTopTokens?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

interface Window {
  tokenStart: number;
  tokenEnd: number;
  out: ModelOutput;
}

/** A chunk is read in an existing window when it has this share of the window as context on each side (or the file ends). */
const REUSE_MARGIN = 1 / 8;

export async function readCandidates(
  runner: ModelRunner,
  question: QuestionSide,
  candidates: readonly Candidate[],
  options: ReadOptions,
): Promise<{ readings: Reading[]; crowded: CrowdedLeaf[] }> {
  const windows = new Map<CorpusFile, Window[]>();
  const readings: Reading[] = [];
  const crowded: CrowdedLeaf[] = [];
  for (const [done, c] of candidates.entries()) {
    const read = windows.get(c.file) ?? [];
    windows.set(c.file, read);
    let w = read.find((x) => holds(x, c, options.readTokens));
    if (!w) {
      throwIfAborted(options.signal);
      const { tokenStart, tokenEnd } = contextOf(c, options.readTokens);
      const input = buildInput(question, c.file.content.tokens.ids, tokenStart, tokenEnd);
      const out = await runner.run(input, true);
      const share = out.leaves ? largestLeafShare(out.leaves, runner.shape, input.inputIds.length, question.ids.length) : 0;
      if (share >= CROWDED_LEAF_SHARE) crowded.push({ file: c.file, share });
      w = { tokenStart, tokenEnd, out };
      read.push(w);
    }
    readings.push({ relevance: chunkRelevance(w, c, question.ids.length, options.chunkTopTokens), span: spanScore(w, c, question.ids.length) });
    options.onProgress?.({ phase: 'read', done: done + 1, total: candidates.length, file: c.file.path });
  }
  return { readings, crowded };
}

/** The largest share of document keys one leaf holds, over layers and heads (leaf_ids [layers, heads, n]). */
export function largestLeafShare(leaves: Int32Array, shape: TreeShape, n: number, g: number): number {
  const counts = new Uint32Array(shape.leaves);
  let worst = 0;
  for (let t = 0; t < shape.layers * shape.heads; t++) {
    counts.fill(0);
    let total = 0;
    for (let i = g; i < n; i++) {
      const leaf = leaves[t * n + i];
      if (leaf < 0 || leaf >= shape.leaves) continue;
      counts[leaf]++;
      total++;
    }
    if (total > 0) worst = Math.max(worst, Math.max(...counts) / total);
  }
  return worst;
}

/** One run over a candidate in its window, keeping what the inspector shows. */
export async function readForTrace(runner: ModelRunner, side: QuestionSide, c: Candidate, readTokens: number): Promise<ReadContext | undefined> {
  const { tokenStart, tokenEnd } = contextOf(c, readTokens);
  const input = buildInput(side, c.file.content.tokens.ids, tokenStart, tokenEnd);
  const out = await runner.run(input, true);
  return out.leaves ? { file: c.file, tokenStart, tokenEnd, leaves: out.leaves, n: input.inputIds.length } : undefined;
}

function holds(w: Window, c: Candidate, readTokens: number): boolean {
  const total = c.file.content.tokens.ids.length;
  const margin = Math.floor(readTokens * REUSE_MARGIN);
  const a = c.chunks.tokenStarts[c.chunk];
  const b = Math.max(a + 1, c.chunks.tokenEnds[c.chunk]);
  const before = a - w.tokenStart;
  const after = w.tokenEnd - b;
  return a >= w.tokenStart && b <= w.tokenEnd && (w.tokenStart === 0 || before >= margin) && (w.tokenEnd === total || after >= margin);
}

/**
 * The mean of the chunk's `top` highest evidence values (all of them in a
 * shorter chunk). A log-sum-exp is dominated by the one best token; the
 * mean of the top ones also counts how many tokens of the chunk match, as
 * BM25 sums over the question's terms. On the dev half of the hand-written
 * questions the model alone went from MRR 0.307 (log-sum-exp) to 0.398 with
 * 32, on a plateau from 16 to 64 (DESIGN §4). Without `top` (older cards):
 * log Σ exp(evidence) over the chunk's tokens, which is the window's
 * relevance_logit + log(the chunk's share of the evidence). A model without
 * the per-token output gives every chunk its window's relevance.
 */
function chunkRelevance(w: Window, c: Candidate, g: number, top: number | undefined): number {
  const evidence = w.out.evidence;
  if (!evidence) return w.out.relevance ?? 0;
  const { from, to } = chunkPositions(w, c, g);
  if (to <= from) return -Infinity;
  const values = evidence.subarray(from, to);
  if (top === undefined) return logSumExp(values);
  const highest = Float32Array.from(values).sort().subarray(Math.max(0, values.length - top));
  return highest.reduce((sum, v) => sum + v, 0) / highest.length;
}

/** The chunk's input positions [from, to) in the window's run (g: question side length). */
function chunkPositions(w: Window, c: Candidate, g: number): { from: number; to: number } {
  return {
    from: g + Math.max(0, c.chunks.tokenStarts[c.chunk] - w.tokenStart),
    to: g + Math.min(w.tokenEnd, c.chunks.tokenEnds[c.chunk]) - w.tokenStart,
  };
}

function spanScore(w: Window, c: Candidate, g: number): number {
  const { from, to } = chunkPositions(w, c, g);
  if (to <= from) return -Infinity;
  const [best] = decodeSpans(w.out.start, w.out.end, { from, to }, { maxTokens: MAX_SPAN_TOKENS, count: 1, nullScore: 0 });
  return best ? best.score - logSumExp(w.out.start) - logSumExp(w.out.end) : -Infinity;
}

function logSumExp(x: Float32Array): number {
  let max = -Infinity;
  for (const v of x) max = Math.max(max, v);
  let sum = 0;
  for (const v of x) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

/** The chunk's tokens centred in at most `size` tokens of its file. */
export function contextOf(c: Candidate, size: number): { tokenStart: number; tokenEnd: number } {
  const total = c.file.content.tokens.ids.length;
  const a = c.chunks.tokenStarts[c.chunk];
  const b = Math.max(a + 1, c.chunks.tokenEnds[c.chunk]);
  if (b - a >= size) return { tokenStart: a, tokenEnd: Math.min(total, a + size) };
  let tokenStart = Math.max(0, a - Math.floor((size - (b - a)) / 2));
  const tokenEnd = Math.min(total, tokenStart + size);
  tokenStart = Math.max(0, tokenEnd - size);
  return { tokenStart, tokenEnd };
}
