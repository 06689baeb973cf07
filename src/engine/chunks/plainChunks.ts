// Chunks of a file no parser reads (prose, CSV, config, minified code, or a
// parse that failed): paragraphs between blank lines are the atoms, a line
// that looks like a definition (def/func/fn/class/function …) starts one and
// names it, and indentation gives the header (the last less-indented
// definition line above).
import { Atom, Chunk, Definition, groupAtoms, MAX_CHUNK_LINES, sliceRows } from './chunk';

const DEFINITION_LINE =
  /^\s*(?:(?:export|pub(?:\([^)]*\))?|public|private|protected|static|async|abstract|declare|default|final|override|unsafe|extern)\s+)*(?:def|class|func|fn|function|interface|struct|enum|trait|impl|type|module|namespace|sub|proc|macro_rules!)\s+(?:\([^)]*\)\s*)?([A-Za-z_$][\w$]*)/;
/** A Markdown or reStructuredText-style heading starts a unit too (it names nothing). */
const HEADING_LINE = /^\s{0,3}#{1,6}\s+\S/;
const COMMENT_LINE = /^\s*(?:#|\/\/|\/\*|\*|--|;|"""|''')/;

export function plainChunks(text: string): Chunk[] {
  const rows = text.split('\n');
  const atoms: Atom[] = [];
  /** Definition lines above, by indentation, for headers. */
  const open: { indent: number; row: number }[] = [];
  let start = -1;
  const close = (end: number) => {
    if (start < 0) return;
    const first = rows[start];
    const match = DEFINITION_LINE.exec(first.length > 2000 ? first.slice(0, 2000) : first);
    const kind: Atom['kind'] = match || HEADING_LINE.test(first) ? 'definition' : COMMENT_LINE.test(first) ? 'comment' : 'other';
    const indent = first.length - first.trimStart().length;
    while (open.length > 0 && open[open.length - 1].indent >= indent) open.pop();
    const headers = open.slice(-2).map((o) => o.row);
    const definitions: Definition[] = match ? [{ name: match[1], line: start + 1 }] : [];
    if (end - start + 1 <= MAX_CHUNK_LINES) atoms.push({ startRow: start, endRow: end, headers, kind, definitions });
    else {
      const slices = sliceRows(start, end, headers, 'other');
      slices[0].kind = kind;
      slices[0].definitions = definitions;
      atoms.push(...slices);
    }
    if (match) open.push({ indent, row: start });
    start = -1;
  };
  for (let row = 0; row < rows.length; row++) {
    const line = rows[row];
    if (line.trim() === '') {
      close(row - 1);
      continue;
    }
    const head = line.length > 2000 ? line.slice(0, 2000) : line;
    if (start >= 0 && (HEADING_LINE.test(head) || (DEFINITION_LINE.test(head) && !COMMENT_LINE.test(rows[row - 1] ?? '')))) {
      close(row - 1);
    }
    if (start < 0) start = row;
  }
  close(rows.length - 1);
  return groupAtoms(atoms);
}
