import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100kRanks from 'js-tiktoken/ranks/cl100k_base';
import {
  assertNotReserved,
  buildVocabulary,
  collectCorpusFiles,
  formatVocabularyFile,
  main,
  readTextFiles,
} from '../../src/data/vocab';
import { Tokenizer, VocabularyError, VocabularyFile } from '../../src/engine/tokenizer';

const TS_LIB = path.join(path.dirname(require.resolve('typescript/package.json')), 'lib');
const FIRST_TOKEN = 260;

/** Byte length of every cl100k token, read from the rank file here. */
function referenceTokenLengths(): number[] {
  const lengths: number[] = [];
  for (const line of cl100kRanks.bpe_ranks.split('\n').filter(Boolean)) {
    const [, first, ...tokens] = line.split(' ');
    tokens.forEach((b64, i) => (lengths[Number(first) + i] = Buffer.from(b64, 'base64').length));
  }
  return lengths;
}

/** Runs `fn` with stdout and stderr captured. */
function captured(fn: () => number): { code: number; out: string; err: string } {
  const saved = { out: process.stdout.write, err: process.stderr.write };
  let out = '';
  let err = '';
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { code: fn(), out, err };
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
}

describe('tokenizer vocabulary', function () {
  let cl100k: Tiktoken;
  let lengths: number[];
  // long runs of '*' are cut by the tokenizer (pieces.ts); without them plain cl100k is the reference
  const corpus = ['lib.es2015.core.d.ts', 'lib.es2015.iterable.d.ts', 'lib.es2020.intl.d.ts', 'lib.es2018.regexp.d.ts'].map((f) =>
    fs.readFileSync(path.join(TS_LIB, f), 'utf8').replace(/\*{20,}/g, '***'),
  );

  before(function () {
    cl100k = new Tiktoken(cl100kRanks);
    lengths = referenceTokenLengths();
  });

  describe('buildVocabulary', function () {
    it('keeps the most frequent multi-byte cl100k tokens, ties by rank', function () {
      const counts = new Map<number, number>();
      for (const text of corpus) for (const r of cl100k.encode(text, [], [])) counts.set(r, (counts.get(r) ?? 0) + 1);
      const ranked = [...counts.keys()].filter((r) => lengths[r] > 1).sort((a, b) => counts.get(b)! - counts.get(a)! || a - b);
      const v = buildVocabulary(corpus, { size: 700, version: 'v-test', sources: ['ts-lib'] });
      assert.deepStrictEqual(v.tokens, ranked.slice(0, 700 - FIRST_TOKEN));
      assert.ok(ranked.length > 700 - FIRST_TOKEN, 'the corpus has more distinct tokens than kept');
      const ties = v.tokens.filter((r, i) => i > 0 && counts.get(r) === counts.get(v.tokens[i - 1]));
      assert.ok(ties.length > 10, 'the check covers ties');
    });

    it('orders equally frequent tokens by cl100k rank', function () {
      const v = buildVocabulary(['alpha beta gamma delta'], { size: 1000, version: 'ties', sources: [] });
      const ranks = cl100k.encode('alpha beta gamma delta', [], []).filter((r) => lengths[r] > 1);
      assert.deepStrictEqual(v.tokens, [...new Set(ranks)].sort((a, b) => a - b));
    });

    it('is deterministic and records what it was built on', function () {
      const opts = { size: 2000, version: 'v-det', sources: ['a', 'b'] };
      const a = buildVocabulary(corpus, opts);
      const b = buildVocabulary((function* () {
        yield* corpus;
      })(), opts);
      assert.deepStrictEqual(a, b);
      assert.deepStrictEqual(a.trainedOn, { files: corpus.length, chars: corpus.reduce((s, t) => s + t.length, 0), sources: ['a', 'b'] });
      assert.strictEqual(a.format, 'treeformer-vocab');
      assert.strictEqual(a.base, 'cl100k_base');
      assert.strictEqual(a.version, 'v-det');
    });

    it('stays within the requested size and the 32000 bound', function () {
      const v = buildVocabulary(corpus, { size: 300, version: 'small', sources: [] });
      assert.strictEqual(v.size, 300);
      assert.strictEqual(v.tokens.length, 40);
      const big = buildVocabulary(corpus, { size: 32000, version: 'big', sources: [] });
      assert.ok(big.size <= 32000);
      assert.strictEqual(big.size, FIRST_TOKEN + big.tokens.length, 'a small corpus gives fewer ids than asked, exactly counted');
      assert.strictEqual(buildVocabulary(corpus, { size: 260, version: 'bytes', sources: [] }).tokens.length, 0);
      for (const size of [259, 32001, 1000.5, NaN]) {
        assert.throws(() => buildVocabulary(corpus, { size, version: 'bad', sources: [] }), RangeError);
      }
    });

    it('never keeps a single-byte token and ignores lone surrogates', function () {
      const v = buildVocabulary(['\ud800 abc \udc00 abc'], { size: 1000, version: 'x', sources: [] });
      assert.ok(v.tokens.length > 0);
      assert.ok(v.tokens.every((r) => lengths[r] > 1));
    });
  });

  describe('vocabulary files', function () {
    let tmp: string;
    beforeEach(function () {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-vocab-'));
    });
    afterEach(function () {
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('round-trip through the file format', function () {
      const v = buildVocabulary(corpus, { size: 900, version: 'vocab-t1', sources: ['ts-lib'] });
      const file = path.join(tmp, 'vocab.json');
      fs.writeFileSync(file, formatVocabularyFile(v));
      assert.deepStrictEqual(JSON.parse(fs.readFileSync(file, 'utf8')), v);
      const tok = Tokenizer.fromFile(file);
      assert.strictEqual(tok.version, 'vocab-t1');
      assert.strictEqual(tok.vocabSize, 900);
      assert.deepStrictEqual(Array.from(tok.encode(corpus[0]).ids), Array.from(Tokenizer.fromVocabulary(v).encode(corpus[0]).ids));
    });

    it('name the file when it cannot be read', function () {
      assert.throws(() => Tokenizer.fromFile(path.join(tmp, 'missing.json')), /missing\.json/);
      fs.writeFileSync(path.join(tmp, 'broken.json'), '{"format":');
      assert.throws(() => Tokenizer.fromFile(path.join(tmp, 'broken.json')), /broken\.json/);
    });

    it('are validated', function () {
      const good = buildVocabulary(corpus, { size: 400, version: 'good', sources: [] });
      const multiByte = lengths.map((n, r) => (n > 1 ? r : -1)).filter((r) => r >= 0);
      const singleByte = lengths.findIndex((n) => n === 1);
      const bad: Array<[string, unknown]> = [
        ['format', { ...good, format: 'other' }],
        ['base', { ...good, base: 'o200k_base' }],
        ['version', { ...good, version: '' }],
        ['size', { ...good, size: good.size + 1 }],
        ['twice', { ...good, tokens: [good.tokens[0], good.tokens[0]], size: FIRST_TOKEN + 2 }],
        ['single byte', { ...good, tokens: [singleByte], size: FIRST_TOKEN + 1 }],
        ['not a cl100k rank', { ...good, tokens: [lengths.length], size: FIRST_TOKEN + 1 }],
        ['not a cl100k rank', { ...good, tokens: [2.5], size: FIRST_TOKEN + 1 }],
        ['exceeds', { ...good, tokens: multiByte.slice(0, 31741), size: FIRST_TOKEN + 31741 }],
      ];
      for (const [why, v] of bad) {
        assert.throws(() => Tokenizer.fromVocabulary(v as VocabularyFile), (e: unknown) => e instanceof VocabularyError && e.message.includes(why), why);
      }
      const largest = Tokenizer.fromVocabulary({ ...good, tokens: multiByte.slice(0, 31740), size: 32000 });
      assert.strictEqual(largest.vocabSize, 32000);
    });
  });

  describe('reserved evaluation corpora', function () {
    it('refuses the Python standard library and @types/vscode', function () {
      const reserved = [
        '/usr/lib/python3.11/os.py',
        '/usr/lib/python3.11/json/decoder.py',
        '/usr/lib/python3.11',
        '/usr/lib/python3.11/',
        '/usr/local/lib/python3.12/asyncio/tasks.py',
        '/usr/lib64/python3.11/os.py',
        '/home/u/.pyenv/versions/3.11.9/lib/python3.11/collections/__init__.py',
        '/home/u/.pyenv/versions/3.11.9/lib/python3.11/site-packages-old/x.py',
        'C:\\Python\\venv\\lib\\python3.11\\os.py',
        '/repo/node_modules/@types/vscode/index.d.ts',
        '/repo/node_modules/@types/vscode',
        path.relative(process.cwd(), '/usr/lib/python3.11/os.py'),
      ];
      for (const p of reserved) assert.throws(() => assertNotReserved(p), /reserved for evaluation/, p);
    });

    it('accepts site-packages, dist-packages and other corpora', function () {
      const allowed = [
        '/usr/lib/python3.11/site-packages/numpy/core/numeric.py',
        '/home/u/.pyenv/versions/3.11.9/lib/python3.11/site-packages/scipy/linalg/_basic.py',
        '/usr/lib/python3/dist-packages/docutils/core.py',
        '/usr/lib/python3.11/dist-packages/sympy/core/expr.py',
        '/repo/node_modules/@types/node/fs.d.ts',
        '/repo/node_modules/typescript/lib/lib.es5.d.ts',
        '/usr/share/go-1.19/src/net/http/server.go',
      ];
      for (const p of allowed) assert.doesNotThrow(() => assertNotReserved(p), p);
    });

    describe('on disk', function () {
      let tmp: string;
      beforeEach(function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-corpus-'));
        const write = (rel: string, text: string | Buffer) => {
          fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
          fs.writeFileSync(path.join(tmp, rel), text);
        };
        write('env/lib/python3.11/os.py', 'def stdlib(): pass\n');
        write('env/lib/python3.11/site-packages/pkg/mod.py', 'def allowed(): pass\n');
        write('corpus/a.ts', 'export const alpha = 1;\n');
        write('corpus/sub/b.ts', 'export function beta(): number { return 2; }\n');
        write('corpus/blob.bin', Buffer.from([1, 0, 2, 3]));
      });
      afterEach(function () {
        fs.rmSync(tmp, { recursive: true, force: true });
      });

      it('walks folders in order and refuses a reserved file found inside one', function () {
        assert.deepStrictEqual(collectCorpusFiles([path.join(tmp, 'corpus')]).map((f) => path.relative(tmp, f)), [
          path.join('corpus', 'a.ts'),
          path.join('corpus', 'blob.bin'),
          path.join('corpus', 'sub', 'b.ts'),
        ]);
        assert.deepStrictEqual(collectCorpusFiles([path.join(tmp, 'env/lib/python3.11/site-packages')]).length, 1);
        assert.throws(() => collectCorpusFiles([path.join(tmp, 'env')]), /python3\.11 is in a corpus reserved/);
      });

      it('follows a symbolic link to where it really points', function () {
        fs.symlinkSync(path.join(tmp, 'env/lib/python3.11/os.py'), path.join(tmp, 'corpus/innocent.py'));
        assert.throws(() => assertNotReserved(path.join(tmp, 'corpus/innocent.py')), /reserved/);
        assert.throws(() => collectCorpusFiles([path.join(tmp, 'corpus')]), /innocent\.py/);
      });

      it('skips binary files when reading', function () {
        const texts = [...readTextFiles(collectCorpusFiles([path.join(tmp, 'corpus')]))];
        assert.deepStrictEqual(texts, ['export const alpha = 1;\n', 'export function beta(): number { return 2; }\n']);
      });

      it('the CLI writes a vocabulary, and refuses a reserved corpus without writing', function () {
        const out = path.join(tmp, 'models', 'vocab-t2.json');
        const ok = captured(() => main(['--out', out, '--size', '5000', '--source', 'test-corpus', path.join(tmp, 'corpus')]));
        assert.strictEqual(ok.code, 0, ok.err);
        const v = JSON.parse(fs.readFileSync(out, 'utf8')) as VocabularyFile;
        assert.strictEqual(v.version, 'vocab-t2');
        assert.deepStrictEqual(v.trainedOn, { files: 2, chars: 69, sources: ['test-corpus'] });
        assert.strictEqual(Tokenizer.fromFile(out).decode(Tokenizer.fromFile(out).encode('export const beta').ids), 'export const beta');
        assert.match(ok.out, /vocab-t2\.json: \d+ ids/);

        const refused = path.join(tmp, 'refused.json');
        const no = captured(() => main(['--out', refused, path.join(tmp, 'env')]));
        assert.strictEqual(no.code, 1);
        assert.match(no.err, /reserved for evaluation/);
        assert.ok(!fs.existsSync(refused));

        const usage = captured(() => main([path.join(tmp, 'corpus')]));
        assert.strictEqual(usage.code, 2);
        assert.match(usage.err, /--out/);
      });
    });
  });
});
