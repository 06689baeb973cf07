// Inline comments inside code bodies: a block of line comments, indented,
// directly above the lines it explains ("# drop the stale heap entries").
// They say what a piece of code does in a developer's words, which is what
// real *locate* questions ask for ("where does it throw away outdated
// timeouts?"); doc comments only say what a declaration is.
import { LineIndex } from '../../engine/lines';
import { SourceId, Span } from '../types';

export interface InlineComment {
  /** The comment lines, whole (indentation and line breaks included). */
  comment: Span;
  /** The comment's prose, markers removed, lines joined. */
  text: string;
  /** The code lines it sits above: same indentation or deeper, up to MAX_CODE_LINES. */
  code: Span;
}

export const MAX_CODE_LINES = 12;
export const MIN_COMMENT_WORDS = 5;

interface Dialect {
  /** The comment's text when the trimmed line is an inline comment line, else undefined. */
  commentText(trimmed: string): string | undefined;
  /** Python: lines inside triple-quoted strings are not comments. */
  tripleQuotes: boolean;
}

const HASH: Dialect = {
  commentText: (t) => (t.startsWith('#') && !t.startsWith('#!') ? t.replace(/^#+\s?/, '') : undefined),
  tripleQuotes: true,
};
const SLASHES: Dialect = {
  // Rust's /// and //! are doc comments, not inline ones
  commentText: (t) => (t.startsWith('//') && !t.startsWith('///') && !t.startsWith('//!') ? t.replace(/^\/\/\s?/, '') : undefined),
  tripleQuotes: false,
};

const DIALECTS: Partial<Record<SourceId, Dialect>> = { python: HASH, go: SLASHES, rust: SLASHES, 'npm-dts': SLASHES };

/** Tool directives, markers and licence lines, which say nothing about the code below. */
const NOT_PROSE = /^(?:type:|noqa|pragma|pylint|mypy|fmt:|isort|nolint|go:|\+build|todo|fixme|xxx|hack|note:|see |https?:|copyright|license|spdx|-\*-|safety:)/i;
/** Commented-out code rather than prose. */
const CODE_LIKE = /[;{}]\s*$|^\s*(?:return|if|for|while|def|func|fn|let|var|const|import|from)\b.*[:=(]|[=!<>]=|=>|->|\w\(.*\)\s*$|^\W+$/;

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Whether the joined comment reads as prose: enough words, mostly letters, not code. */
export function isProse(text: string): boolean {
  if (NOT_PROSE.test(text.trim()) || CODE_LIKE.test(text)) return false;
  const words = text.split(/\s+/).filter((w) => /^[A-Za-z][a-z'-]*[.,:;!?)]?$/.test(w));
  if (words.length < MIN_COMMENT_WORDS) return false;
  const letters = text.replace(/[^A-Za-z]/g, '').length;
  return letters / Math.max(1, text.replace(/\s/g, '').length) >= 0.75;
}

/** Lines of `lines` that lie inside a Python triple-quoted string (1-based; index 0 unused). */
function insideTripleQuotes(lines: LineIndex): Uint8Array {
  const inside = new Uint8Array(lines.lineCount + 1);
  let open: string | undefined;
  for (let l = 1; l <= lines.lineCount; l++) {
    const text = lines.lineText(l);
    if (open) inside[l] = 1;
    for (const m of text.matchAll(/"""|'''/g)) {
      if (open === undefined) open = m[0];
      else if (open === m[0]) open = undefined;
    }
    if (open) inside[l] = 1;
  }
  return inside;
}

/** Every inline comment of `text` with the code it explains, in file order. */
export function inlineComments(text: string, source: SourceId): InlineComment[] {
  const dialect = DIALECTS[source];
  if (!dialect) return [];
  const lines = new LineIndex(text);
  const quoted = dialect.tripleQuotes ? insideTripleQuotes(lines) : new Uint8Array(lines.lineCount + 1);
  const found: InlineComment[] = [];
  let l = 1;
  while (l <= lines.lineCount) {
    const line = lines.lineText(l);
    const indent = indentOf(line);
    const first = dialect.commentText(line.trim());
    if (first === undefined || indent === 0 || quoted[l]) {
      l++;
      continue;
    }
    // the block: consecutive comment lines at the same indentation
    const parts = [first];
    let last = l;
    while (last + 1 <= lines.lineCount && !quoted[last + 1] && indentOf(lines.lineText(last + 1)) === indent) {
      const more = dialect.commentText(lines.lineText(last + 1).trim());
      if (more === undefined) break;
      parts.push(more);
      last++;
    }
    l = last + 1;
    const codeFirst = last + 1;
    if (codeFirst > lines.lineCount) continue;
    const next = lines.lineText(codeFirst);
    if (next.trim().length === 0 || indentOf(next) !== indent || dialect.commentText(next.trim()) !== undefined) continue;
    const prose = parts.join(' ').replace(/\s+/g, ' ').trim();
    if (!isProse(prose)) continue;
    // the code it explains: down to the first blank line, dedent or comment line, at most MAX_CODE_LINES
    let codeLast = codeFirst;
    while (codeLast + 1 <= lines.lineCount && codeLast - codeFirst + 1 < MAX_CODE_LINES) {
      const t = lines.lineText(codeLast + 1);
      if (t.trim().length === 0 || indentOf(t) < indent || (indentOf(t) === indent && dialect.commentText(t.trim()) !== undefined)) break;
      codeLast++;
    }
    if (lines.lineText(codeFirst).trim().length < 8 && codeLast === codeFirst) continue; // `else:`, `}` …
    found.push({
      comment: { start: lines.lineStart(l - parts.length), end: lines.afterLine(last) },
      text: prose,
      code: { start: lines.lineStart(codeFirst) + indent, end: lines.lineEnd(codeLast) },
    });
  }
  return found;
}
