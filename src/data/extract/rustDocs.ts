// Rust: '/// …' blocks above an item (fn, struct, enum, trait, type, const,
// static, union, mod, macro_rules!), with attribute lines allowed in between.
import { LineIndex } from '../../engine/lines';
import { DocumentedDeclaration } from './declaration';
import { DeclaredName, extractLineCommentDeclarations, LineCommentDialect } from './lineCommentDocs';

const ITEM =
  /^\s*(?:pub(?:\s*\([^)]*\))?\s+)?(?:(?:const|async|unsafe|default|auto|extern\s+"[^"]*")\s+)*(?:fn|struct|enum|trait|type|const|static(?:\s+mut)?|union|mod|macro_rules!)\s*([A-Za-z_]\w*)/;

function rustDeclarations(lines: LineIndex): Map<number, DeclaredName> {
  const found = new Map<number, DeclaredName>();
  for (let line = 1; line <= lines.lineCount; line++) {
    const text = lines.lineText(line);
    const m = ITEM.exec(text);
    // Indented items sit in an impl or trait: methods and associated items, used as x.name or T::name.
    if (m && m[1] !== '_') found.set(line, { name: m[1], member: /^\s/.test(text) });
  }
  return found;
}

export const RUST_DIALECT: LineCommentDialect = {
  language: 'rust',
  docLineText(line) {
    const m = /^\s*\/\/\/(?!\/)(.*)$/.exec(line);
    return m ? m[1].replace(/^ /, '') : undefined;
  },
  isBetweenLine: (line) => /^\s*#!?\[.*\]\s*$/.test(line),
  declarations: rustDeclarations,
};

export function extractRustDeclarations(text: string): DocumentedDeclaration[] {
  return extractLineCommentDeclarations(text, RUST_DIALECT);
}
