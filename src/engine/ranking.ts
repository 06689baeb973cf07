// Ranking across windows and files: spans found by overlapping windows (or
// twice in one window) that overlap in lines are one answer, not several.
import { MAX_ANSWER_LINES } from './spans';

export interface LineSpan {
  file: string;
  startLine: number;
  endLine: number;
  score: number;
  /** Ids of the windows that produced it. */
  windows: number[];
}

/**
 * Best first. A span overlapping or adjoining an already kept, better span of
 * the same file merges into it: the kept score stays, the line range grows to
 * the union when that stays within `maxLines` and touches no other kept span,
 * and the window ids are pooled. An adjoining span that cannot be merged stays
 * a separate answer; an overlapping one is dropped as a duplicate.
 */
export function mergeAndRank(spans: readonly LineSpan[], maxLines = MAX_ANSWER_LINES): LineSpan[] {
  const ordered = [...spans].sort(
    (a, b) => b.score - a.score || compare(a.file, b.file) || a.startLine - b.startLine,
  );
  const kept: LineSpan[] = [];
  const keptByFile = new Map<string, LineSpan[]>();
  for (const span of ordered) {
    const sameFile = keptByFile.get(span.file) ?? [];
    const host = sameFile.find((k) => span.startLine <= k.endLine + 1 && span.endLine >= k.startLine - 1);
    if (host) {
      const overlaps = span.startLine <= host.endLine && span.endLine >= host.startLine;
      const startLine = Math.min(host.startLine, span.startLine);
      const endLine = Math.max(host.endLine, span.endLine);
      const collides = sameFile.some((k) => k !== host && startLine <= k.endLine && endLine >= k.startLine);
      const fits = endLine - startLine + 1 <= maxLines && !collides;
      if (fits) {
        host.startLine = startLine;
        host.endLine = endLine;
      }
      if (fits || overlaps) {
        for (const w of span.windows) if (!host.windows.includes(w)) host.windows.push(w);
        continue;
      }
    }
    const copy = { ...span, windows: [...span.windows] };
    kept.push(copy);
    sameFile.push(copy);
    keptByFile.set(span.file, sameFile);
  }
  return kept;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
