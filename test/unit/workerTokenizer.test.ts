// The engine's tokenizer in a worker thread: same tokens as in-process, errors
// that say why, no main-thread stall while it loads.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tokenizer, WorkerTokenizer } from '../../src/engine/tokenizer';
import { testVocabulary } from '../support/qaModel';

describe('WorkerTokenizer', () => {
  const vocabulary = testVocabulary(2000);
  let tokenizer: WorkerTokenizer;
  before(async () => {
    tokenizer = await WorkerTokenizer.open({ vocabulary });
  });
  after(() => tokenizer.dispose());

  it('encodes exactly like the in-process tokenizer, many requests in flight at once', async () => {
    const local = Tokenizer.fromVocabulary(vocabulary);
    const texts = ['', 'def parse(text):\n    return json.loads(text)\n', 'héllo 🌍 \uD800 wörld', 'x'.repeat(70_000)];
    const encoded = await Promise.all(texts.map((t) => tokenizer.encode(t)));
    encoded.forEach((e, i) => {
      const expected = local.encode(texts[i]);
      assert.deepStrictEqual([e.ids, e.starts, e.ends], [expected.ids, expected.starts, expected.ends], `text ${i}`);
    });
    assert.deepStrictEqual([tokenizer.version, tokenizer.vocabSize], [vocabulary.version, vocabulary.size]);
  });

  it('keeps the calling thread free while the vocabulary loads', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const second = await WorkerTokenizer.open({ vocabulary });
    clearInterval(timer);
    await second.dispose();
    assert.ok(ticks > 0, 'no timer ran while the tokenizer was being built');
  });

  it('rejects with the reason when the vocabulary cannot be loaded', async () => {
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tf-vocab-')), 'vocab.json');
    fs.writeFileSync(bad, '{"format": "treeformer-vocab", "version"');
    await assert.rejects(WorkerTokenizer.open({ vocabPath: bad }), /cannot read the vocabulary/);
    await assert.rejects(WorkerTokenizer.open({ vocabPath: bad + '.missing' }), /cannot read the vocabulary/);
  });

  it('fails pending and later requests once disposed, instead of hanging', async () => {
    const short = await WorkerTokenizer.open({ vocabulary });
    const pending = short.encode('a'.repeat(200_000));
    await short.dispose();
    await assert.rejects(pending);
    await assert.rejects(short.encode('after'), /disposed/);
  });
});
