// The Python FAQ (reStructuredText sources in python3.11-doc): every section
// whose title is a question, with the section's body as the answer.
import { LineIndex } from '../../engine/lines';
import { LineSpan, Span } from '../types';
import { trimEnd } from './declaration';

export interface FaqSection {
  question: string;
  /** The title and its underline, '\n' included: removed from the document so the question is not in it verbatim. */
  heading: Span;
  answer: LineSpan;
}

const ADORNMENT = /^([=\-~^"'`#*+:.])\1{2,}\s*$/;

/** Line numbers of section titles (a text line underlined by a run of one punctuation character at least as long). */
function titleLines(lines: LineIndex): number[] {
  const titles: number[] = [];
  for (let line = 1; line < lines.lineCount; line++) {
    const title = lines.lineText(line).trimEnd();
    const under = lines.lineText(line + 1).trimEnd();
    if (title.trim() === '' || ADORNMENT.test(title) || /^\s/.test(title)) continue;
    if (ADORNMENT.test(under) && under.length >= title.length) titles.push(line);
  }
  return titles;
}

/** Where a section's body stops: before the next title, its overline and any ".. _label:" lines and blanks above it. */
function bodyLastLine(lines: LineIndex, nextTitle: number | undefined): number {
  let last = nextTitle === undefined ? lines.lineCount : nextTitle - 1;
  for (;;) {
    const t = lines.lineText(last).trim();
    if (last > 1 && (t === '' || /^\.\. _[^:]+:$/.test(t) || (nextTitle !== undefined && last === nextTitle - 1 && ADORNMENT.test(t)))) last--;
    else return last;
  }
}

export function extractFaqSections(text: string): FaqSection[] {
  const lines = new LineIndex(text);
  const titles = titleLines(lines);
  const sections: FaqSection[] = [];
  titles.forEach((title, i) => {
    const question = lines.lineText(title).trim();
    if (!question.endsWith('?')) return;
    let first = title + 2;
    const last = bodyLastLine(lines, titles[i + 1]);
    while (first <= last && lines.lineText(first).trim() === '') first++;
    if (first > last) return;
    const start = lines.lineStart(first);
    const end = trimEnd(text, start, lines.lineEnd(last));
    sections.push({
      question,
      heading: { start: lines.lineStart(title), end: lines.afterLine(title + 1) },
      answer: { start, end, ...lines.linesOfRange(start, end) },
    });
  });
  return sections;
}
