// The full read: every chosen window goes through the model with the question
// in front of it; its best spans become line spans. Cancellation is checked
// before each window, so after an abort no further session run starts.
import type { CorpusFile } from './corpus';
import { throwIfAborted } from './errors';
import { buildInput, QuestionSide } from './model/inputs';
import type { ModelRunner } from './model/runner';
import type { LineSpan } from './ranking';
import { decodeSpans, MAX_SPAN_TOKENS, spanLines } from './spans';
import type { Progress } from './types';

/** One window of one file; `id` numbers windows across the request. */
export interface WindowRef {
  file: CorpusFile;
  window: number;
  id: number;
}

/** Spans kept per window before ranking across windows. */
export const SPANS_PER_WINDOW = 3;

export interface ReadOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Keep the leaf ids of the window holding the best span (for the inspector). */
  keepBestLeaves: boolean;
}

export interface BestWindow {
  ref: WindowRef;
  /** leaf_ids [layers, heads, n] of its run. */
  leaves: Int32Array;
  n: number;
}

export interface ReadResult {
  spans: LineSpan[];
  best?: BestWindow;
}

export async function readWindows(
  runner: ModelRunner,
  side: QuestionSide,
  refs: readonly WindowRef[],
  options: ReadOptions,
): Promise<ReadResult> {
  const g = side.ids.length;
  const spans: LineSpan[] = [];
  let best: BestWindow | undefined;
  let bestScore = -Infinity;
  for (const [done, ref] of refs.entries()) {
    throwIfAborted(options.signal);
    const { content } = ref.file;
    const w = content.windows[ref.window];
    const input = buildInput(side, content.tokens.ids, w.tokenStart, w.tokenEnd);
    const n = input.inputIds.length;
    const out = await runner.run(input, options.keepBestLeaves);
    const found = decodeSpans(out.start, out.end, { from: g, to: n }, {
      maxTokens: MAX_SPAN_TOKENS,
      count: SPANS_PER_WINDOW,
      nullScore: out.start[0] + out.end[0],
    });
    for (const s of found) {
      const first = w.tokenStart + (s.first - g);
      const last = w.tokenStart + (s.last - g);
      const lines = spanLines(content.text, content.lines, content.tokens.starts[first], content.tokens.ends[last]);
      spans.push({ file: ref.file.path, ...lines, score: s.score, windows: [ref.id] });
      if (s.score > bestScore && out.leaves) {
        bestScore = s.score;
        best = { ref, leaves: out.leaves, n };
      }
    }
    options.onProgress?.({ phase: 'read', done: done + 1, total: refs.length, file: ref.file.path });
  }
  return { spans, best };
}
