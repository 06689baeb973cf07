// Where a question's words are found (src/eval/questions/termCoverage.ts), on hand-made texts.
import * as assert from 'assert';
import { blanked } from '../../src/data/examples/candidates';
import { addCoverage, answerLines, emptyCoverage } from '../../src/eval/questions/termCoverage';

describe('question term coverage (eval:coverage)', () => {
  it('counts each distinct term once: in the answer, only via a synonym, elsewhere in the file, or nowhere', () => {
    const answer = 'func retryRequest(req *Request) {\n\t// delete the stale entry first\n}';
    const file = `package net\n\n// the socket pool\nvar pool = newPool()\n\n${answer}\n`;
    const c = emptyCoverage();
    // retry, request: in the answer; remove: its engine group holds "delete"; socket: above; zebra: nowhere.
    addCoverage(c, 'where does it retry the request, remove it, and touch the socket zebra zebra?', answer, file);
    assert.deepStrictEqual(c, { questions: 1, terms: 6, inAnswer: 2, viaSynonym: 1, elsewhere: 1, nowhere: 2 });
  });

  it('takes the answer lines with the lines above them, and blanks cut text without moving lines', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line${i + 1}`);
    assert.strictEqual(answerLines(lines, 12, 13), lines.slice(3, 13).join('\n'));
    assert.strictEqual(answerLines(lines, 2, 2), 'line1\nline2');
    assert.strictEqual(blanked('ab\ncd\nef', [{ start: 1, end: 4 }]), 'a \n d\nef');
  });
});
