// Declarations documented by a block of line comments directly above them
// ('// …' in Go, '/// …' in Rust), shared by the Go and Rust extractors.
import { LineIndex } from '../../engine/lines';
import { declarationExtent, CLikeLanguage } from './cLikeScanner';
import { answerSpan, DocumentedDeclaration, MAX_ANSWER_LINES } from './declaration';

export interface DeclaredName {
  name: string;
  member: boolean;
}

export interface LineCommentDialect {
  language: CLikeLanguage;
  /** The comment's text when `line` is a doc-comment line, else undefined ('' for lines kept out of the text, e.g. directives). */
  docLineText(line: string): string | undefined;
  /** Lines allowed between the doc block and the declaration (Rust attributes). */
  isBetweenLine(line: string): boolean;
  /** The declarations starting on each line of `lines`, by line number. */
  declarations(lines: LineIndex): Map<number, DeclaredName>;
}

function firstNonSpace(lines: LineIndex, line: number): number {
  const text = lines.lineText(line);
  return lines.lineStart(line) + (text.length - text.trimStart().length);
}

export function extractLineCommentDeclarations(text: string, dialect: LineCommentDialect): DocumentedDeclaration[] {
  const lines = new LineIndex(text);
  const found: DocumentedDeclaration[] = [];
  for (const [declLine, { name, member }] of dialect.declarations(lines)) {
    let above = declLine - 1;
    while (above >= 1 && dialect.isBetweenLine(lines.lineText(above))) above--;
    const docTexts: string[] = [];
    let first = above + 1;
    while (first > 1) {
      const t = dialect.docLineText(lines.lineText(first - 1));
      if (t === undefined) break;
      docTexts.unshift(t);
      first--;
    }
    if (first > above) continue;
    const start = firstNonSpace(lines, declLine);
    const extent = declarationExtent(text, start, dialect.language, MAX_ANSWER_LINES + 1);
    found.push({
      name,
      member,
      doc: { start: lines.lineStart(first), end: lines.afterLine(above) },
      docText: docTexts.join('\n').trim(),
      decl: answerSpan(lines, start, extent.end, extent.bodyOpen),
    });
  }
  return found;
}
