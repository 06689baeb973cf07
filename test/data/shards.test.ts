import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tokenizer } from '../../src/engine/tokenizer';
import { EXAMPLE_ROW_INTS, readShards, ShardWriter } from '../../src/data/output/shards';
import { overlappingTokens } from '../../src/data/output/tokenRanges';
import { buildVocabulary } from '../../src/data/vocab';

describe('data: token shards', () => {
  const texts = ['def mean(values):\n    return sum(values) / len(values)\n', 'naïve café — 🚀 emoji\n\tand tabs', ''];
  const tokenizer = Tokenizer.fromVocabulary(buildVocabulary(texts, { size: 400, version: 'test', sources: ['shards.test'] }));
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shards-test-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads back exactly the ids and offsets the tokenizer gave', () => {
    const writer = new ShardWriter(tmp);
    const encodings = texts.map((t) => tokenizer.encode(t));
    const entries = encodings.map((e, i) => writer.addDocument(`doc${i}`, e.ids, e.starts, e.ends));
    const q = tokenizer.encode('what is the mean?');
    const [qStart, qCount] = writer.addQuestion(q.ids);
    writer.addExample(entries[0], [qStart, qCount], [[5, 7]], [[1, 3, 0], [8, 9, 1]], [1, 3], 4);
    writer.close();

    const shards = readShards(tmp);
    assert.strictEqual(shards.tokens.length, encodings.reduce((n, e) => n + e.ids.length, 0));
    texts.forEach((text, i) => {
      const [start, count] = shards.index[`doc${i}`];
      const ids = shards.tokens.subarray(start, start + count);
      assert.deepStrictEqual(Array.from(ids), Array.from(encodings[i].ids));
      assert.strictEqual(tokenizer.decode(ids), text);
      for (let t = 0; t < count; t++) {
        assert.strictEqual(shards.offsets[2 * (start + t)], encodings[i].starts[t]);
        assert.strictEqual(shards.offsets[2 * (start + t) + 1], encodings[i].ends[t]);
      }
    });
    assert.deepStrictEqual(Array.from(shards.questions), Array.from(q.ids));
    assert.strictEqual(shards.examples.length, EXAMPLE_ROW_INTS);
    assert.deepStrictEqual(Array.from(shards.examples), [entries[0][0], entries[0][1], 0, q.ids.length, 0, 1, 0, 2, 1, 3]);
    assert.deepStrictEqual(Array.from(shards.cuts), [5, 7]);
    assert.deepStrictEqual(Array.from(shards.candidates), [1, 3, 0, 8, 9, 1]);
    assert.deepStrictEqual(Array.from(shards.lexicalRanks), [4]);
  });

  it('maps a character span to the tokens that overlap it', () => {
    const text = texts[0];
    const enc = tokenizer.encode(text);
    const start = text.indexOf('sum');
    const end = start + 'sum(values)'.length;
    const [first, stop] = overlappingTokens(enc, start, end);
    assert.ok(enc.starts[first] <= start && enc.ends[first] > start);
    assert.ok(enc.ends[stop - 1] >= end && enc.starts[stop - 1] < end);
    assert.ok(first === 0 || enc.ends[first - 1] <= start, 'no earlier token overlaps');
    assert.ok(stop === enc.ids.length || enc.starts[stop] >= end, 'no later token overlaps');
    assert.ok(tokenizer.decode(enc.ids.subarray(first, stop)).includes('sum(values)'));
    assert.deepStrictEqual(overlappingTokens(enc, 0, 0), [0, 0]);
  });
});
