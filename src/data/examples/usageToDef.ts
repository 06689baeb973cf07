// usage → definition (hover): a line that uses a symbol is the query; the
// symbol's doc comment and declaration in the same file are the answer.
import { definitionSpan, DocumentedDeclaration, trimEnd } from '../extract/declaration';
import { stableHash } from '../hash';
import { LineIndex } from '../../engine/lines';
import { DocRecord, ExampleRecord, Span } from '../types';
import { selectSpread } from './select';

const IDENTIFIER = /[A-Za-z_$][\w$]*/g;
const COMMENT_LINE = /^\s*(?:\/\/|\/\*|\*|#)/;
const MAX_USAGE_LINE_CHARS = 300;
const MIN_NAME_LENGTH = 3;
/** An answer is at most this long (the evaluation counts spans of up to 60 lines). */
export const MAX_DEFINITION_LINES = 60;

/** Lines that are doc comments or comment-looking: a hover happens on code, not prose. */
function proseLines(lines: LineIndex, decls: DocumentedDeclaration[]): Uint8Array {
  const prose = new Uint8Array(lines.lineCount + 2);
  for (const d of decls) {
    const last = lines.lineOf(Math.max(d.doc.start, d.doc.end - 1));
    for (let l = lines.lineOf(d.doc.start); l <= last; l++) prose[l] = 1;
  }
  for (let l = 1; l <= lines.lineCount; l++) if (COMMENT_LINE.test(lines.lineText(l))) prose[l] = 1;
  return prose;
}

/**
 * Whether the occurrence at `at` can refer to `d`: members are reached as
 * x.name or T::name, free-standing names bare (x.name is someone else's); a
 * quoted name ('name' in a list of exports) is text, not a use.
 */
function refersTo(d: DocumentedDeclaration, text: string, at: number): boolean {
  if (/["'`]/.test(text[at - 1] ?? '') || /["'`]/.test(text[at + d.name.length] ?? '')) return false;
  const qualified = text[at - 1] === '.' || (text[at - 1] === ':' && text[at - 2] === ':');
  return d.member === qualified;
}

/**
 * The doc comment and declaration of `d`, cut to MAX_DEFINITION_LINES lines
 * when longer: the declaration stays, and the doc lines nearest to it.
 */
export function boundedDefinition(lines: LineIndex, d: DocumentedDeclaration): Span {
  const full = definitionSpan(lines.text, d);
  const first = lines.lineOf(full.start);
  const last = lines.lineOf(full.end - 1);
  if (last - first < MAX_DEFINITION_LINES) return full;
  if (d.doc.start < d.decl.start) {
    const startLine = Math.max(first, lines.lineOf(d.decl.end - 1) - MAX_DEFINITION_LINES + 1);
    const lineText = lines.lineText(startLine);
    return { start: lines.lineStart(startLine) + (lineText.length - lineText.trimStart().length), end: full.end };
  }
  const endLine = Math.min(last, lines.lineOf(d.decl.start) + MAX_DEFINITION_LINES - 1);
  return { start: full.start, end: trimEnd(lines.text, full.start, lines.lineEnd(endLine)) };
}

export function usageToDefExamples(doc: DocRecord, decls: DocumentedDeclaration[], cap: number): ExampleRecord[] {
  const text = doc.text;
  const lines = new LineIndex(text);
  const defined = new Map<string, number>();
  for (const d of decls) defined.set(d.name, (defined.get(d.name) ?? 0) + 1);
  const unique = new Map(decls.filter((d) => d.name.length >= MIN_NAME_LENGTH && defined.get(d.name) === 1).map((d) => [d.name, d]));
  if (unique.size === 0) return [];

  // One pass over the identifiers of the file finds every usage of every candidate.
  const prose = proseLines(lines, decls);
  const usages = new Map<string, number[]>();
  for (const m of text.matchAll(IDENTIFIER)) {
    const name = m[0];
    const d = unique.get(name);
    if (!d) continue;
    if (!refersTo(d, text, m.index!)) continue;
    const line = lines.lineOf(m.index!);
    const definition = definitionSpan(text, d);
    const insideDefinition = m.index! >= definition.start && m.index! < definition.end;
    if (insideDefinition || prose[line] || lines.lineText(line).length > MAX_USAGE_LINE_CHARS) continue;
    let list = usages.get(name);
    if (!list) usages.set(name, (list = []));
    list.push(m.index!);
  }

  const candidates: ExampleRecord[] = [];
  for (const [name, offsets] of usages) {
    const at = offsets[stableHash(`${doc.docId}:${name}`) % offsets.length];
    const line = lines.lineOf(at);
    const definition = boundedDefinition(lines, unique.get(name)!);
    const answer = { ...definition, ...lines.linesOfRange(definition.start, definition.end) };
    candidates.push({
      id: `${doc.docId}#usage2def:${name}@${line}`,
      source: doc.source,
      kind: 'usage2def',
      package: doc.package,
      docId: doc.docId,
      question: lines.lineText(line).trim(),
      answer,
      symbol: name,
      usage: { start: at, end: at + name.length },
      cuts: [],
    });
  }
  candidates.sort((a, b) => a.usage!.start - b.usage!.start);
  return selectSpread(candidates, cap, (e) => e.id);
}
