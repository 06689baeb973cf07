// The golden fixture pins the tokenizer's ids and the model input layout;
// models/tests/test_golden.py checks the Python side against the same file.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../../src/data/repoRoot';
import { buildInput, questionSide } from '../../src/engine/model/inputs';
import { Tokenizer } from '../../src/engine/tokenizer';

interface Golden {
  vocab: string;
  cases: { text: string; ids: number[] }[];
  layout: { question_len: number; question: number[]; document: number[]; from: number; input_ids: number[]; segment_ids: number[]; attention_mask: number[] };
}

describe('golden fixture: tokenizer v2 and input layout', () => {
  const golden = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'tokenizer', 'golden-v2.json'), 'utf8')) as Golden;
  const tokenizer = Tokenizer.fromFile(path.join(repoRoot(), golden.vocab));

  it('encodes every case to the pinned ids, and decodes them back', () => {
    for (const c of golden.cases) {
      const ids = Array.from(tokenizer.encode(c.text).ids);
      assert.deepStrictEqual(ids, c.ids, c.text);
      assert.strictEqual(tokenizer.decode(ids), c.text);
    }
  });

  it('lays out the question side and the document as pinned', () => {
    const l = golden.layout;
    const input = buildInput(questionSide(l.question, l.question_len), l.document, l.from, l.document.length);
    assert.deepStrictEqual(Array.from(input.inputIds, Number), l.input_ids);
    assert.deepStrictEqual(Array.from(input.segmentIds, Number), l.segment_ids);
    assert.deepStrictEqual(Array.from(input.attentionMask, Number), l.attention_mask);
  });
});
