// The BM25 baseline: window ranking and the best few-line span inside a window.
import * as assert from 'assert';
import { bestLineSpan } from '../../src/eval/bestSpan';
import { Bm25Collection, queryTerms } from '../../src/eval/bm25';
import { Bm25Ranker } from '../../src/eval/bm25Ranker';
import { LineIndex } from '../../src/engine/lines';
import { textTerms } from '../../src/eval/terms';
import { wordTokenizer } from '../fixtures/eval/wordTokenizer';

/** `count` filler lines of words no test question uses, numbered to keep them distinct. */
const filler = (count: number, tag: string) => Array.from({ length: count }, (_, i) => `${tag} filler line ${i} lorem ipsum dolor`);

describe('best span inside a window', () => {
  const text = [...filler(5, 'a'), 'function parseConfig(source) {', '  const config = JSON.parse(source);', '  return config;', '}', ...filler(5, 'b')].join('\n');
  const lines = new LineIndex(text);
  const collection = new Bm25Collection([textTerms(text)]);

  it('is trimmed to the lines that carry the query terms', () => {
    const query = queryTerms(textTerms('parse the config source'));
    const span = bestLineSpan(collection, query, lines, 1, lines.lineCount);
    assert.deepStrictEqual([span.startLine, span.endLine], [6, 8]);
    assert.ok(span.score > 0);
  });

  it('is at most maxLines long', () => {
    const query = queryTerms(textTerms('filler'));
    const span = bestLineSpan(collection, query, lines, 1, lines.lineCount, 3);
    assert.ok(span.endLine - span.startLine + 1 <= 3);
  });

  it('prefers the shorter, then the earlier span when scores tie', () => {
    // Blank lines add no terms, so [2, 3] scores exactly as [3, 3]: the shorter wins.
    const blank = new LineIndex('x\n\nkey\n\ny');
    let span = bestLineSpan(new Bm25Collection([textTerms(blank.text)]), ['key'], blank, 1, 5);
    assert.deepStrictEqual([span.startLine, span.endLine], [3, 3]);
    // Two equal one-line matches too far apart to share a 2-line span: the earlier wins.
    const repeated = new LineIndex('x\nkey\ny\nkey\nz');
    span = bestLineSpan(new Bm25Collection([textTerms(repeated.text)]), ['key'], repeated, 1, 5, 2);
    assert.deepStrictEqual([span.startLine, span.endLine], [2, 2]);
  });

  it('stays inside the given lines', () => {
    const span = bestLineSpan(collection, ['parseconfig'], lines, 9, 14);
    assert.ok(span.startLine >= 9 && span.endLine <= 14);
  });
});

describe('Bm25Ranker', () => {
  // Three sections far apart, so small windows separate them.
  const text = [
    ...filler(30, 'a'),
    'def compute_checksum(data):',
    '    """Adler-32 checksum of the bytes."""',
    '    return adler32(data)',
    ...filler(30, 'b'),
    'def open_socket(host, port):',
    '    return socket.create_connection((host, port))',
    ...filler(30, 'c'),
  ].join('\n');
  const ranker = new Bm25Ranker(wordTokenizer, { window: { size: 64, stride: 48 } });

  it('answers with the lines that match, from the best window', async () => {
    const answers = await ranker.rank('Adler-32 checksum of data', [{ file: 'util.py', text }], 5);
    assert.ok(answers.length >= 1);
    const [top] = answers;
    assert.strictEqual(top.file, 'util.py');
    assert.ok(top.startLine >= 31 && top.endLine <= 33, `top answer at lines ${top.startLine}-${top.endLine}`);
    assert.strictEqual(top.text, new LineIndex(text).linesText(top.startLine, top.endLine));
  });

  it('ranks best first, returns at most topK, and never repeats a span', async () => {
    const answers = await ranker.rank('open socket to host and port, or filler', [{ file: 'util.py', text }], 4);
    assert.ok(answers.length <= 4);
    assert.ok(answers[0].startLine >= 64 && answers[0].endLine <= 65, `top answer at lines ${answers[0].startLine}-${answers[0].endLine}`);
    for (let i = 1; i < answers.length; i++) {
      assert.ok(answers[i - 1].score >= answers[i].score);
      for (let j = 0; j < i; j++) assert.ok(answers[i].startLine > answers[j].endLine || answers[i].endLine < answers[j].startLine);
    }
  });

  it('picks the right file among several', async () => {
    const other = filler(40, 'z').join('\n');
    const answers = await ranker.rank('create connection to the host port', [{ file: 'a.py', text: other }, { file: 'util.py', text }], 3);
    assert.strictEqual(answers[0].file, 'util.py');
  });

  it('returns nothing when no window shares a term with the question', async () => {
    assert.deepStrictEqual(await ranker.rank('quaternion slerp', [{ file: 'util.py', text }], 5), []);
    assert.deepStrictEqual(await ranker.rank('anything', [{ file: 'empty.py', text: '' }], 5), []);
  });

  it('is deterministic', async () => {
    const question = 'checksum of the data bytes';
    assert.deepStrictEqual(await ranker.rank(question, [{ file: 'u.py', text }], 10), await ranker.rank(question, [{ file: 'u.py', text }], 10));
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(ranker.rank('checksum', [{ file: 'u.py', text }], 5, controller.signal), { name: 'AbortError' });
  });
});
