// match-classes.i32: for every model id, the search term its token stands
// for (as a class number), or -1 for ids that never match (specials, bytes,
// punctuation, stopwords). The reader marks each document token whose class
// also occurs in the question (models/treeformer/model.py, question_match),
// so " Timeout", "timeout" and "timeouts" match one another: the same
// normalisation as the lexical stage (searchTerms), so the two agree on what
// a matching word is. One int32 (little-endian) per id; the data root holds it
// beside stats.json and training copies it into the model.
import * as fs from 'fs';
import * as path from 'path';
import { searchTerms } from '../../engine/search/terms';
import { Cl100k } from '../../engine/tokenizer/cl100k';
import { FIRST_TOKEN_ID, VocabularyFile } from '../../engine/tokenizer/vocabulary';

export const MATCH_CLASSES_FILE = 'match-classes.i32';
export const NO_MATCH = -1;

/** Class of each id 0 .. size − 1; ids whose tokens give the same first search term share a class. */
export function matchClasses(vocabulary: VocabularyFile): Int32Array {
  const base = Cl100k.get();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const classes = new Int32Array(vocabulary.size).fill(NO_MATCH);
  const classOf = new Map<string, number>();
  vocabulary.tokens.forEach((rank, i) => {
    let text: string;
    try {
      text = decoder.decode(base.tokenBytes(rank));
    } catch {
      return; // part of a multi-byte character: no word of its own
    }
    const [term] = searchTerms(text);
    if (term === undefined) return;
    let c = classOf.get(term);
    if (c === undefined) {
      c = classOf.size;
      classOf.set(term, c);
    }
    classes[FIRST_TOKEN_ID + i] = c;
  });
  return classes;
}

export function writeMatchClasses(dataRoot: string, vocabulary: VocabularyFile): string {
  const file = path.join(dataRoot, MATCH_CLASSES_FILE);
  const classes = matchClasses(vocabulary);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, new Uint8Array(classes.buffer, classes.byteOffset, classes.byteLength));
  fs.renameSync(tmp, file);
  return file;
}

/** node out/src/data/output/matchClasses.js <vocabulary.json> <data root>: (re)writes the table alone. */
if (require.main === module) {
  const [vocabFile, dataRoot] = process.argv.slice(2);
  if (!vocabFile || !dataRoot) {
    process.stderr.write('usage: node out/src/data/output/matchClasses.js <vocabulary.json> <data root>\n');
    process.exit(2);
  }
  const vocabulary = JSON.parse(fs.readFileSync(vocabFile, 'utf8')) as VocabularyFile;
  process.stdout.write(`${writeMatchClasses(dataRoot, vocabulary)}\n`);
}
