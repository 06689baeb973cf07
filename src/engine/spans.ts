// Span decoding: from per-token start/end logits to the best spans of one
// model run (the reader scores a chunk by its best span over "no answer").

/** Longest answer span, in tokens. */
export const MAX_SPAN_TOKENS = 64;

/** Positions first..last (inclusive) of the model input and their score. */
export interface TokenSpan {
  first: number;
  last: number;
  score: number;
}

/**
 * The best `count` non-overlapping spans with from ≤ first ≤ last < to and
 * last − first < maxTokens, scored start[first] + end[last] − nullScore (the
 * score of "no answer", so scores of different windows are comparable).
 */
export function decodeSpans(
  start: ArrayLike<number>,
  end: ArrayLike<number>,
  range: { from: number; to: number },
  options: { maxTokens: number; count: number; nullScore: number },
): TokenSpan[] {
  const taken = new Uint8Array(range.to);
  const chosen: TokenSpan[] = [];
  while (chosen.length < options.count) {
    const best = bestFreeSpan(start, end, range, options.maxTokens, taken);
    if (!best) break;
    chosen.push({ ...best, score: best.score - options.nullScore });
    taken.fill(1, best.first, best.last + 1);
  }
  return chosen;
}

/** The best span that covers no taken position: a sliding-window maximum of start logits per end. */
function bestFreeSpan(
  start: ArrayLike<number>,
  end: ArrayLike<number>,
  range: { from: number; to: number },
  maxTokens: number,
  taken: Uint8Array,
): TokenSpan | undefined {
  let best: TokenSpan | undefined;
  // Candidate starts for the current end, by decreasing start logit.
  let window: number[] = [];
  for (let last = range.from; last < range.to; last++) {
    if (taken[last]) {
      window = [];
      continue;
    }
    while (window.length > 0 && start[window[window.length - 1]] <= start[last]) window.pop();
    window.push(last);
    if (window[0] <= last - maxTokens) window.shift();
    const first = window[0];
    const score = start[first] + end[last];
    if (!best || score > best.score) best = { first, last, score };
  }
  return best;
}
