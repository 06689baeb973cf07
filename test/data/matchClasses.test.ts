import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { matchClasses, NO_MATCH } from '../../src/data/output/matchClasses';
import { repoRoot } from '../../src/data/repoRoot';
import { Tokenizer } from '../../src/engine/tokenizer';
import { SPECIAL, VocabularyFile } from '../../src/engine/tokenizer/vocabulary';

describe('data: match classes (the reader\'s question-match feature)', () => {
  const file = path.join(repoRoot(), 'models', 'tokenizer', 'vocab-v2.json');
  const vocabulary = JSON.parse(fs.readFileSync(file, 'utf8')) as VocabularyFile;
  const tokenizer = Tokenizer.fromVocabulary(vocabulary);
  const classes = matchClasses(vocabulary);
  const only = (text: string): number => {
    const { ids } = tokenizer.encode(text);
    assert.strictEqual(ids.length, 1, `${JSON.stringify(text)} is one token`);
    return ids[0];
  };

  it('has one class per id, and specials and bytes never match', () => {
    assert.strictEqual(classes.length, vocabulary.size);
    for (const id of Object.values(SPECIAL)) assert.strictEqual(classes[id], NO_MATCH);
    const byte = tokenizer.encode('é').ids[0];
    assert.strictEqual(classes[byte], NO_MATCH);
  });

  it('puts case, a leading space and inflections of one word in one class', () => {
    const timeout = classes[only('timeout')];
    assert.notStrictEqual(timeout, NO_MATCH);
    assert.strictEqual(classes[only(' Timeout')], timeout);
    assert.strictEqual(classes[only(' Values')], classes[only(' value')]);
    assert.strictEqual(classes[only(' parsed')], classes[only(' parse')]);
    assert.notStrictEqual(classes[only(' buffer')], timeout);
  });

  it('never matches stopwords or punctuation', () => {
    for (const text of [' the', ' how', ' does', '(', ');', ' =']) assert.strictEqual(classes[only(text)], NO_MATCH, text);
  });
});
