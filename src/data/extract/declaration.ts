// What every extractor returns: a documented declaration of one file, with the
// spans the example builders need (all UTF-16 offsets into the file's text).
import { LineIndex } from '../../engine/lines';
import { Span } from '../types';

export interface DocumentedDeclaration {
  name: string;
  /** A method, field or member of a type, used as `x.name`; else a free-standing name. */
  member: boolean;
  /** Whole lines of the doc comment or docstring, '\n' included: what doc2decl removes. */
  doc: Span;
  /** The comment's text without comment markers. */
  docText: string;
  /** The declaration's first lines (at most MAX_ANSWER_LINES), trimmed: the doc2decl answer. */
  decl: Span;
}

export const MAX_ANSWER_LINES = 15;

/** End offset moved back over trailing whitespace. */
export function trimEnd(text: string, start: number, end: number): number {
  while (end > start && /\s/.test(text[end - 1])) end--;
  return end;
}

/**
 * The answer span of a declaration covering [start, end): all of it when it
 * fits in MAX_ANSWER_LINES lines, else its header — through the line where its
 * body opens (`bodyOpen`), when known — cut to MAX_ANSWER_LINES lines.
 */
export function answerSpan(lines: LineIndex, start: number, end: number, bodyOpen?: number): Span {
  const first = lines.lineOf(start);
  end = trimEnd(lines.text, start, end);
  if (end <= start) return { start, end: lines.lineEnd(first) };
  if (lines.lineOf(end - 1) - first < MAX_ANSWER_LINES) return { start, end };
  const headerLast = bodyOpen !== undefined && bodyOpen >= start ? lines.lineOf(bodyOpen) : first + MAX_ANSWER_LINES - 1;
  const last = Math.min(headerLast, first + MAX_ANSWER_LINES - 1);
  return { start, end: trimEnd(lines.text, start, lines.lineEnd(last)) };
}

/** A declaration's text span from where its doc starts to where its answer ends (usage2def's answer). */
export function definitionSpan(text: string, d: DocumentedDeclaration): Span {
  const start = Math.min(d.doc.start, d.decl.start);
  const end = Math.max(trimEnd(text, d.doc.start, d.doc.end), d.decl.end);
  let firstNonSpace = start;
  while (firstNonSpace < end && /\s/.test(text[firstNonSpace])) firstNonSpace++;
  return { start: firstNonSpace, end };
}
