import * as assert from 'assert';
import { escapeIcons, formatScore, presentAnswer, snippetOf } from '../../../src/extension/answerItems';

describe('extension: answer items', () => {
  const answer = { file: '/ws/src/cache.js', startLine: 12, endLine: 15, score: 3.14159, text: '  get(key) {\n    const entry = this.entries.get(key);\n' };

  it('labels an answer file:lines with its score and a one-line snippet', () => {
    const item = presentAnswer(answer, (f) => f.replace('/ws/', ''));
    assert.deepStrictEqual(item, {
      label: 'src/cache.js:12-15',
      description: 'score 3.14',
      detail: 'get(key) { const entry = this.entries.get(key);',
    });
  });

  it('labels a one-line answer with its single line', () => {
    assert.strictEqual(presentAnswer({ ...answer, endLine: 12 }, (f) => f).label, '/ws/src/cache.js:12');
  });

  it('cuts long snippets at a word boundary', () => {
    const text = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const snippet = snippetOf(text, 40);
    assert.ok(snippet.endsWith('…'));
    assert.ok(snippet.length <= 41, snippet);
    assert.ok(text.startsWith(snippet.slice(0, -1)), 'a prefix of the text');
    assert.ok(/word\d+…$/.test(snippet), 'ends on a whole word');
  });

  it('keeps document text from rendering as icons', () => {
    assert.strictEqual(escapeIcons('echo $(whoami) $(rocket)'), 'echo \\$(whoami) \\$(rocket)');
    assert.strictEqual(presentAnswer({ ...answer, text: 'x = $(pwd)' }, (f) => f).detail, 'x = \\$(pwd)');
  });

  it('formats scores', () => {
    assert.strictEqual(formatScore(-0.5), '-0.5');
    assert.strictEqual(formatScore(0.012345), '0.0123');
    assert.strictEqual(formatScore(12.3456), '12.3');
    assert.strictEqual(formatScore(Number.NEGATIVE_INFINITY), '-Infinity');
  });
});
