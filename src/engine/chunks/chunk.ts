// Chunks: the syntax-aligned units a file is searched and answered in
// (DESIGN §8 "Retrieve, then read"). A parser gives the file's tree
// (syntaxChunks.ts); a file without a grammar is cut at blank lines
// (plainChunks.ts). Both produce atoms, which are grouped here, so every
// language gets the same sizes and the same rules.

/** A definition site: what hover looks up by exact name. */
export interface Definition {
  name: string;
  /** 1-based line of the definition (its first line, decorators and comments excluded). */
  line: number;
}

export interface Chunk {
  /** 1-based, inclusive; endLine − startLine < MAX_CHUNK_LINES. */
  startLine: number;
  endLine: number;
  /** First lines of the enclosing definitions (class, impl, interface, function), outermost first, at most two. */
  headers: number[];
  /** Names defined in the chunk. */
  definitions: Definition[];
}

/** The longest chunk, so also the longest answer (DESIGN §8 asks ≤ 40 lines). */
export const MAX_CHUNK_LINES = 40;
/** Small neighbours are grouped up to this many lines. */
export const GROUP_LINES = 40;
/** A group holding a definition of at least this many lines ends before the next definition. */
const MIN_DEFINITION_GROUP = 4;

/** A piece of a file that is never split: a small syntax node, a paragraph, or a slice of a long one. */
export interface Atom {
  /** 0-based rows, inclusive. */
  startRow: number;
  endRow: number;
  headers: number[];
  kind: 'definition' | 'comment' | 'other';
  definitions: Definition[];
}

/**
 * Groups atoms (in file order) into chunks: consecutive atoms join while the
 * group stays within GROUP_LINES; a definition starts a new chunk once the
 * group already holds some lines, and comments directly above a definition go
 * with it. Groups never mix enclosing headers.
 */
export function groupAtoms(atoms: readonly Atom[]): Chunk[] {
  // A definition and the comments right above it are one unit: it may grow
  // to MAX_CHUNK_LINES, and a group ends before it.
  const startsUnit = new Array<boolean>(atoms.length).fill(false);
  const unitOf = atoms.map((_, i) => -1 - i);
  for (let i = 0; i < atoms.length; i++) {
    if (atoms[i].kind !== 'definition') continue;
    let first = i;
    while (first > 0 && atoms[first - 1].kind === 'comment' && atoms[first - 1].endRow >= atoms[first].startRow - 1) first--;
    startsUnit[first] = true;
    for (let j = first; j <= i; j++) unitOf[j] = i;
  }
  const chunks: Chunk[] = [];
  let group: Atom[] = [];
  let groupStart = 0;
  const flush = () => {
    if (group.length === 0) return;
    chunks.push({
      startLine: group[0].startRow + 1,
      endLine: Math.max(...group.map((a) => a.endRow)) + 1,
      headers: group[0].headers.map((row) => row + 1),
      definitions: group.flatMap((a) => a.definitions),
    });
    group = [];
  };
  for (const [i, atom] of atoms.entries()) {
    if (group.length > 0) {
      const first = group[0];
      const span = atom.endRow - first.startRow + 1;
      const groupLines = group[group.length - 1].endRow - first.startRow + 1;
      const sameHeaders = sameRows(first.headers, atom.headers);
      const definitionBreak = startsUnit[i] && groupLines >= MIN_DEFINITION_GROUP;
      const limit = unitOf[i] === unitOf[groupStart] ? MAX_CHUNK_LINES : GROUP_LINES;
      if (span > limit || !sameHeaders || definitionBreak) flush();
    }
    if (group.length === 0) groupStart = i;
    group.push(atom);
  }
  flush();
  return chunks;
}

/** Atoms for rows start..end of one node too long to keep whole, cut every MAX_CHUNK_LINES rows. */
export function sliceRows(startRow: number, endRow: number, headers: number[], kind: Atom['kind']): Atom[] {
  const atoms: Atom[] = [];
  for (let row = startRow; row <= endRow; row += MAX_CHUNK_LINES) {
    atoms.push({ startRow: row, endRow: Math.min(endRow, row + MAX_CHUNK_LINES - 1), headers, kind, definitions: [] });
  }
  return atoms;
}

function sameRows(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
