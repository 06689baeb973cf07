// Span decoding: from per-token start/end logits to the best answer spans of
// one window, then from a token span to the lines it covers.
import { LineIndex } from './lines';

/** Longest answer span, in tokens. */
export const MAX_SPAN_TOKENS = 64;
/** Longest answer, in lines; a longer span keeps its first lines. */
export const MAX_ANSWER_LINES = 12;

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

/**
 * Lines (1-based, inclusive) covered by characters [charStart, charEnd),
 * ignoring whitespace at both ends, at most MAX_ANSWER_LINES long.
 */
export function spanLines(
  text: string,
  lines: LineIndex,
  charStart: number,
  charEnd: number,
): { startLine: number; endLine: number } {
  let a = charStart;
  let b = charEnd;
  while (a < b && isSpace(text.charCodeAt(a))) a++;
  while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
  if (a === b) {
    a = charStart;
    b = Math.max(charStart + 1, charEnd);
  }
  const startLine = lines.lineOf(a);
  const endLine = Math.min(lines.lineOf(b - 1), startLine + MAX_ANSWER_LINES - 1);
  return { startLine, endLine };
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 11;
}

/** The best span's margin over "no answer" among positions [from, to) of one run; −Infinity when there are none. */
export function bestSpanMargin(start: ArrayLike<number>, end: ArrayLike<number>, from: number, to: number): number {
  const [best] = decodeSpans(start, end, { from, to }, { maxTokens: MAX_SPAN_TOKENS, count: 1, nullScore: start[0] + end[0] });
  return best ? best.score : -Infinity;
}
