// Go: '// …' blocks directly above a top-level func/type/var/const, or above a
// spec inside a "const (" / "var (" / "type (" group.
import { LineIndex } from '../../engine/lines';
import { DocumentedDeclaration } from './declaration';
import { DeclaredName, extractLineCommentDeclarations, LineCommentDialect } from './lineCommentDocs';

const TOP_LEVEL = /^(?:func\s*(\([^)]*\)\s*)?|type\s+|var\s+|const\s+)([A-Za-z_]\w*)/;
const GROUP_OPEN = /^(?:const|var|type)\s*\(\s*(?:\/\/.*)?$/;
const GROUP_SPEC = /^\t([A-Za-z_]\w*)\b/;

function goDeclarations(lines: LineIndex): Map<number, DeclaredName> {
  const found = new Map<number, DeclaredName>();
  let inGroup = false;
  for (let line = 1; line <= lines.lineCount; line++) {
    const text = lines.lineText(line);
    if (inGroup) {
      if (/^\)/.test(text)) inGroup = false;
      const spec = GROUP_SPEC.exec(text);
      if (spec && spec[1] !== '_') found.set(line, { name: spec[1], member: false });
    } else if (GROUP_OPEN.test(text)) {
      inGroup = true;
    } else {
      const top = TOP_LEVEL.exec(text);
      // A method (it has a receiver) is used as x.Name.
      if (top && top[2] !== '_') found.set(line, { name: top[2], member: top[1] !== undefined });
    }
  }
  return found;
}

export const GO_DIALECT: LineCommentDialect = {
  language: 'go',
  docLineText(line) {
    const m = /^\s*\/\/(.*)$/.exec(line);
    if (!m) return undefined;
    // Directives (//go:noinline, //line, //export) belong to the block but are not prose.
    return /^(?:go:|line |export |extern |nolint)/.test(m[1]) ? '' : m[1].replace(/^ /, '');
  },
  isBetweenLine: () => false,
  declarations: goDeclarations,
};

export function extractGoDeclarations(text: string): DocumentedDeclaration[] {
  return extractLineCommentDeclarations(text, GO_DIALECT);
}
