// Identifier-aware BM25 terms.
import * as assert from 'assert';
import { identifierParts, textTerms } from '../../src/eval/terms';

describe('BM25 terms', () => {
  it('splits camelCase, PascalCase, acronyms and digits', () => {
    assert.deepStrictEqual(identifierParts('parseHTTPHeader'), ['parse', 'http', 'header']);
    assert.deepStrictEqual(identifierParts('XMLHttpRequest'), ['xml', 'http', 'request']);
    assert.deepStrictEqual(identifierParts('utf8Decode2'), ['utf', '8', 'decode', '2']);
    assert.deepStrictEqual(identifierParts('IOError'), ['io', 'error']);
  });

  it('splits snake_case and drops leading and trailing underscores', () => {
    assert.deepStrictEqual(identifierParts('read_all_lines'), ['read', 'all', 'lines']);
    assert.deepStrictEqual(identifierParts('__init__'), ['init']);
    assert.deepStrictEqual(identifierParts('MAX_BUFFER_SIZE'), ['max', 'buffer', 'size']);
  });

  it('keeps the whole identifier, lowercased, before its parts', () => {
    assert.deepStrictEqual(textTerms('getUserName(user_id)'), ['getusername', 'get', 'user', 'name', 'user_id', 'user', 'id']);
  });

  it('emits a plain word once and drops punctuation', () => {
    assert.deepStrictEqual(textTerms('Return the value, or None.'), ['return', 'the', 'value', 'or', 'none']);
  });

  it('adds the bare name of a dunder identifier', () => {
    assert.deepStrictEqual(textTerms('def __init__(self):'), ['def', '__init__', 'init', 'self']);
  });

  it('handles letters outside ASCII', () => {
    assert.deepStrictEqual(textTerms('größeÄndern 変数名'), ['größeändern', 'größe', 'ändern', '変数名']);
    assert.deepStrictEqual(textTerms(''), []);
  });
});
