// documentForExample: taking the cuts out and moving the gold span with them.
import * as assert from 'assert';
import { Example } from '../../src/eval/dataset';
import { documentForExample } from '../../src/eval/exampleDocument';

// Lines 1..6; each line i is "line<i>" (5 chars) + '\n', so line i starts at 6(i-1).
const doc = { docId: 'd1', text: 'line1\nline2\nline3\nline4\nline5\nline6\n' };
const lineStart = (i: number) => 6 * (i - 1);

function example(answer: Example['answer'], ...cuts: Example['cuts']): Example {
  return { id: 'e1', source: 's', kind: 'doc2decl', package: 'p', docId: 'd1', question: 'q', answer, cuts };
}

// Gold: lines 4-5, chars [18, 29) ("line4\nline5").
const gold = { start: lineStart(4), end: lineStart(5) + 5, startLine: 4, endLine: 5 };

describe('documentForExample', () => {
  it('without a removed span keeps the text and the gold span', () => {
    const result = documentForExample(doc, example(gold));
    assert.strictEqual(result.text, doc.text);
    assert.deepStrictEqual(result.answer, gold);
  });

  it('a removed span before the answer shifts offsets and lines up', () => {
    // Cut lines 2-3 whole ("line2\nline3\n").
    const result = documentForExample(doc, example(gold, { start: lineStart(2), end: lineStart(4) }));
    assert.strictEqual(result.text, 'line1\nline4\nline5\nline6\n');
    assert.deepStrictEqual(result.answer, { start: 6, end: 17, startLine: 2, endLine: 3 });
    assert.strictEqual(result.text.slice(result.answer.start, result.answer.end), 'line4\nline5');
  });

  it('a removed span right before the answer (a doc comment above its declaration)', () => {
    const result = documentForExample(doc, example(gold, { start: lineStart(3), end: lineStart(4) }));
    assert.deepStrictEqual(result.answer, { start: 12, end: 23, startLine: 3, endLine: 4 });
    assert.strictEqual(result.text.slice(result.answer.start, result.answer.end), 'line4\nline5');
  });

  it('a removed span after the answer changes nothing in it', () => {
    const result = documentForExample(doc, example(gold, { start: lineStart(6), end: doc.text.length }));
    assert.strictEqual(result.text, 'line1\nline2\nline3\nline4\nline5\n');
    assert.deepStrictEqual(result.answer, gold);
  });

  it('a removed span inside the answer (a docstring inside its def) shrinks it', () => {
    const answer = { start: lineStart(2), end: lineStart(5) + 5, startLine: 2, endLine: 5 }; // lines 2-5
    const result = documentForExample(doc, example(answer, { start: lineStart(3), end: lineStart(5) }));
    assert.strictEqual(result.text, 'line1\nline2\nline5\nline6\n');
    assert.deepStrictEqual(result.answer, { start: 6, end: 17, startLine: 2, endLine: 3 });
  });

  it('a removed span overlapping the start of the answer clips it', () => {
    // Cut "line3\nli" (chars 12..20): the answer loses "li" of line 4.
    const result = documentForExample(doc, example(gold, { start: lineStart(3), end: lineStart(4) + 2 }));
    assert.strictEqual(result.text.slice(result.answer.start, result.answer.end), 'ne4\nline5');
    assert.deepStrictEqual([result.answer.startLine, result.answer.endLine], [3, 4]);
  });

  it('several cuts (data v2 distractors) on both sides of the answer', () => {
    const result = documentForExample(doc, example(gold, { start: lineStart(1), end: lineStart(2) }, { start: lineStart(3), end: lineStart(4) }, { start: lineStart(6), end: doc.text.length }));
    assert.strictEqual(result.text, 'line2\nline4\nline5\n');
    assert.deepStrictEqual(result.answer, { start: 6, end: 17, startLine: 2, endLine: 3 });
    assert.throws(() => documentForExample(doc, example(gold, { start: lineStart(3), end: lineStart(4) }, { start: lineStart(1), end: lineStart(2) })), /not a range/);
  });

  it('an answer ending with its newline still ends on its last line', () => {
    const answer = { start: lineStart(4), end: lineStart(6), startLine: 4, endLine: 5 };
    const result = documentForExample(doc, example(answer, { start: 0, end: lineStart(2) }));
    assert.deepStrictEqual([result.answer.startLine, result.answer.endLine], [3, 4]);
  });

  it('rejects a removed span covering the whole answer', () => {
    assert.throws(() => documentForExample(doc, example(gold, { start: lineStart(3), end: lineStart(6) })), /cover the whole answer/);
  });

  it('rejects lines that disagree with the offsets, and offsets outside the text', () => {
    assert.throws(() => documentForExample(doc, example({ ...gold, endLine: 6 })), /do not match its offsets \(lines 4-5\)/);
    assert.throws(() => documentForExample(doc, example({ ...gold, end: 999 })), /outside the document/);
    assert.throws(() => documentForExample(doc, example(gold, { start: 20, end: 10 })), /not a range/);
    assert.throws(() => documentForExample({ ...doc, docId: 'other' }, example(gold)), /is about d1, not other/);
  });
});
