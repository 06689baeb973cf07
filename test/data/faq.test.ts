import * as assert from 'assert';
import { faqExamples } from '../../src/data/examples/faqExamples';
import { DocRecord } from '../../src/data/types';
import { FAQ_DIR, readFixture, spanOf } from './support';

describe('data: Python FAQ questions', () => {
  const text = readFixture(...FAQ_DIR, 'fixture.rst.txt');
  const doc: DocRecord = { docId: 'python-faq:fixture.rst.txt', package: 'doc:python-doc', source: 'python-faq', path: 'fixture.rst.txt', text };
  const examples = faqExamples(doc);

  it('asks every section title that is a question, and only those', () => {
    assert.deepStrictEqual(examples.map((e) => e.question), [
      'How do I keep a running total without storing every value?',
      'Why does reading a file give me strings instead of numbers?',
      'Can a queue be built from two stacks?',
    ]);
    assert.ok(examples.every((e) => e.kind === 'faq'));
  });

  it('answers with the section body, without trailing blanks or the next section\'s label; removes the title', () => {
    const first = examples[0];
    const body = spanOf(text, 'Keep the count and the sum');
    const end = spanOf(text, 'that also tracks the mean.').end;
    assert.deepStrictEqual(first.answer, { start: body.start, end, startLine: 15, endLine: 18 });
    const title = spanOf(text, 'How do I keep a running total');
    assert.deepStrictEqual(first.cuts, [{ start: title.start, end: text.indexOf('\n', text.indexOf('---', title.start)) + 1 }]);
    const last = examples[2];
    assert.strictEqual(text.slice(last.answer.start, last.answer.end), 'Yes: push arrivals on one stack and pop departures from the other,\nmoving everything across only when the second stack is empty.');
  });
});
