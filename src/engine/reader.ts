// The read: the Treeformer reads the question with each candidate chunk in
// context (the chunk centred in up to `contextTokens` of its file). Its score
// for the chunk is the best span inside the chunk over "no answer"; the same
// read with an empty question gives the chunk's prior, the part of that score
// that does not depend on the question (cached per chunk). Cancellation is
// checked before each run.
import type { ChunkSet, CorpusFile } from './corpus';
import { throwIfAborted } from './errors';
import { buildInput, QuestionSide } from './model/inputs';
import type { ModelRunner } from './model/runner';
import { decodeSpans, MAX_SPAN_TOKENS } from './spans';
import type { Progress } from './types';

export interface Candidate {
  file: CorpusFile;
  chunks: ChunkSet;
  chunk: number;
}

export interface Reading {
  /** Best span inside the chunk over "no answer", with the question. */
  margin: number;
  /** The same with an empty question. */
  prior: number;
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

export interface ReadOptions {
  contextTokens: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export async function readCandidates(
  runner: ModelRunner,
  question: QuestionSide,
  empty: QuestionSide,
  candidates: readonly Candidate[],
  options: ReadOptions,
): Promise<Reading[]> {
  const readings: Reading[] = [];
  for (const [done, c] of candidates.entries()) {
    throwIfAborted(options.signal);
    const margin = (await readChunk(runner, question, c, options.contextTokens, false)).margin;
    let prior = c.chunks.priors[c.chunk];
    if (Number.isNaN(prior)) {
      throwIfAborted(options.signal);
      prior = (await readChunk(runner, empty, c, options.contextTokens, false)).margin;
      c.chunks.priors[c.chunk] = prior;
    }
    readings.push({ margin, prior });
    options.onProgress?.({ phase: 'read', done: done + 1, total: candidates.length, file: c.file.path });
  }
  return readings;
}

/** One run over a candidate in context; with `withLeaves`, also what the inspector shows. */
export async function readChunk(
  runner: ModelRunner,
  side: QuestionSide,
  c: Candidate,
  contextTokens: number,
  withLeaves: boolean,
): Promise<{ margin: number; context?: ReadContext }> {
  const { tokenStart, tokenEnd } = contextOf(c, contextTokens);
  const ids = c.file.content.tokens.ids;
  const input = buildInput(side, ids, tokenStart, tokenEnd);
  const n = input.inputIds.length;
  const g = side.ids.length;
  const out = await runner.run(input, withLeaves);
  const from = g + Math.max(0, c.chunks.tokenStarts[c.chunk] - tokenStart);
  const to = g + Math.min(tokenEnd, c.chunks.tokenEnds[c.chunk]) - tokenStart;
  const [best] = to > from
    ? decodeSpans(out.start, out.end, { from, to }, { maxTokens: MAX_SPAN_TOKENS, count: 1, nullScore: out.start[0] + out.end[0] })
    : [];
  const margin = best ? best.score : -Infinity;
  const context = withLeaves && out.leaves ? { file: c.file, tokenStart, tokenEnd, leaves: out.leaves, n } : undefined;
  return { margin, context };
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
