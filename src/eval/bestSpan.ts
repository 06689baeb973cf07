// The answer span inside a ranked window: of all runs of at most MAX_SPAN_LINES
// whole lines in the window, the one BM25 scores highest over its own terms
// (with the collection's IDF). Extra lines without query terms only lengthen a
// span, so the winner is trimmed to the lines that carry the match.
import { Bm25Collection } from './bm25';
import { LineIndex } from '../engine/lines';
import { textTerms } from './terms';

export const MAX_SPAN_LINES = 8;

export interface ScoredLineSpan {
  startLine: number;
  endLine: number;
  score: number;
}

/**
 * Best span of lines within [firstLine, lastLine] for the distinct `query`
 * terms. Ties go to the shorter span, then the earlier one. Spans are
 * normalised by the average length of the full-size spans of the window.
 */
export function bestLineSpan(
  collection: Bm25Collection,
  query: readonly string[],
  lines: LineIndex,
  firstLine: number,
  lastLine: number,
  maxLines = MAX_SPAN_LINES,
): ScoredLineSpan {
  if (lastLine < firstLine) throw new RangeError(`no lines in [${firstLine}, ${lastLine}]`);
  const idfs = query.map((term) => collection.idf(term));
  const position = new Map(query.map((term, i) => [term, i]));
  const lineCount = lastLine - firstLine + 1;
  // Query-term frequencies and length (in terms) of every line of the window.
  const frequencies: number[][] = [];
  const lengths: number[] = [];
  for (let line = firstLine; line <= lastLine; line++) {
    const start = lines.lineStart(line);
    const end = lines.lineEnd(line);
    const terms = textTerms(lines.text.slice(start, end));
    const counts = new Array<number>(query.length).fill(0);
    for (const term of terms) {
      const i = position.get(term);
      if (i !== undefined) counts[i]++;
    }
    frequencies.push(counts);
    lengths.push(terms.length);
  }
  let fullSpanLengths = 0;
  for (let s = 0; s < lineCount; s++) {
    for (let i = s; i < Math.min(s + maxLines, lineCount); i++) fullSpanLengths += lengths[i];
  }
  const averageLength = fullSpanLengths / lineCount;

  let best: ScoredLineSpan = { startLine: firstLine, endLine: firstLine, score: -Infinity };
  for (let s = 0; s < lineCount; s++) {
    const counts = new Array<number>(query.length).fill(0);
    let length = 0;
    for (let e = s; e < Math.min(s + maxLines, lineCount); e++) {
      for (let i = 0; i < query.length; i++) counts[i] += frequencies[e][i];
      length += lengths[e];
      const score = collection.scoreFrequencies(idfs, counts, length, averageLength);
      const shorter = e - s < best.endLine - best.startLine;
      if (score > best.score || (score === best.score && shorter)) {
        best = { startLine: firstLine + s, endLine: firstLine + e, score };
      }
    }
  }
  return best;
}
