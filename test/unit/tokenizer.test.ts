import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100kRanks from 'js-tiktoken/ranks/cl100k_base';
import { buildVocabulary } from '../../src/data/vocab';
import { repoRoot } from '../../src/data/repoRoot';
import { Encoding, SPECIAL, Tokenizer, VocabularyFile } from '../../src/engine/tokenizer';
import { mulberry32 } from '../support/treeReference';

// The vocabulary is built at test time from TypeScript's lib.*.d.ts, which
// are allowed training data (never from the reserved evaluation corpora).
const TS_LIB = path.join(path.dirname(require.resolve('typescript/package.json')), 'lib');
const TRAIN_FILES = ['lib.es5.d.ts', 'lib.es2015.core.d.ts', 'lib.es2015.collection.d.ts'];
const BYTE_BASE = 4;
const FIRST_TOKEN = 260;

function readLib(name: string): string {
  return fs.readFileSync(path.join(TS_LIB, name), 'utf8');
}

/** cl100k token bytes, read from js-tiktoken's rank file here, independently of the tokenizer. */
function referenceTokenBytes(): Uint8Array[] {
  const table: Uint8Array[] = [];
  for (const line of cl100kRanks.bpe_ranks.split('\n').filter(Boolean)) {
    const [, first, ...tokens] = line.split(' ');
    tokens.forEach((b64, i) => (table[Number(first) + i] = Uint8Array.from(Buffer.from(b64, 'base64'))));
  }
  return table;
}

/** WTF-8 bytes of `text`, and for each byte the [start, end) of the code point holding it. */
function referenceBytes(text: string): { bytes: number[]; charStart: number[]; charEnd: number[] } {
  const bytes: number[] = [];
  const charStart: number[] = [];
  const charEnd: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const enc: number[] =
      cp < 0x80
        ? [cp]
        : cp < 0x800
          ? [0xc0 | (cp >> 6), 0x80 | (cp & 63)]
          : cp < 0x10000
            ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)]
            : [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
    for (const b of enc) {
      bytes.push(b);
      charStart.push(i);
      charEnd.push(i + units);
    }
    i += units;
  }
  return { bytes, charStart, charEnd };
}

describe('tokenizer', function () {
  let vocab: VocabularyFile;
  let tok: Tokenizer;
  let cl100k: Tiktoken;
  let tokenBytes: Uint8Array[];

  before(function () {
    vocab = buildVocabulary(TRAIN_FILES.map(readLib), { size: 3000, version: 'test-v0', sources: TRAIN_FILES });
    tok = Tokenizer.fromVocabulary(vocab);
    cl100k = new Tiktoken(cl100kRanks);
    tokenBytes = referenceTokenBytes();
  });

  function bytesOfId(id: number): number[] {
    if (id < BYTE_BASE) return [];
    if (id < FIRST_TOKEN) return [id - BYTE_BASE];
    return Array.from(tokenBytes[vocab.tokens[id - FIRST_TOKEN]]);
  }

  /** Checks every property of an encoding against the reference byte map. */
  function checkEncoding(text: string, enc: Encoding): void {
    const n = enc.ids.length;
    assert.ok(enc.ids instanceof Int32Array && enc.starts instanceof Int32Array && enc.ends instanceof Int32Array);
    assert.strictEqual(enc.starts.length, n);
    assert.strictEqual(enc.ends.length, n);
    const ref = referenceBytes(text);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const id = enc.ids[i];
      assert.ok(id >= BYTE_BASE && id < tok.vocabSize, `id ${id} at ${i}`);
      const b = bytesOfId(id);
      assert.ok(b.length > 0);
      for (let k = 0; k < b.length; k++) assert.strictEqual(b[k], ref.bytes[at + k], `byte ${at + k} of ${JSON.stringify(text.slice(0, 40))}`);
      assert.strictEqual(enc.starts[i], ref.charStart[at], `start of token ${i}`);
      assert.strictEqual(enc.ends[i], ref.charEnd[at + b.length - 1], `end of token ${i}`);
      const whole = ref.charStart[at] !== ref.charStart[at - 1] && ref.charEnd[at + b.length - 1] !== ref.charEnd[at + b.length];
      if (whole) assert.strictEqual(text.slice(enc.starts[i], enc.ends[i]), tok.decode([id]));
      if (i > 0) {
        const shared = ref.charStart[at] === ref.charStart[at - 1]; // boundary inside one character
        const overlap = shared ? ref.charEnd[at] - ref.charStart[at] : 0; // the split character's units
        assert.strictEqual(enc.starts[i], enc.ends[i - 1] - overlap, `tokens ${i - 1} and ${i} tile`);
        assert.ok(enc.starts[i] >= enc.starts[i - 1] && enc.ends[i] >= enc.ends[i - 1]);
      }
      at += b.length;
    }
    assert.strictEqual(at, ref.bytes.length, 'tokens cover every byte');
    if (n > 0) {
      assert.strictEqual(enc.starts[0], 0);
      assert.strictEqual(enc.ends[n - 1], text.length);
    }
  }

  function roundTrip(text: string): Encoding {
    const enc = tok.encode(text);
    const back = tok.decode(enc.ids);
    assert.ok(back === text, `decode(encode(x)) !== x for ${JSON.stringify(text.slice(0, 80))}`);
    checkEncoding(text, enc);
    return enc;
  }

  describe('lossless round trip', function () {
    const rng = mulberry32(20261129);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
    const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
    const charIn = (lo: number, hi: number) => String.fromCharCode(int(lo, hi));
    const fromCodePoints = (n: number, cp: () => number) => Array.from({ length: n }, () => String.fromCodePoint(cp())).join('');

    const generators: Record<string, () => string> = {
      ascii: () => Array.from({ length: int(0, 200) }, () => charIn(0x20, 0x7e)).join(''),
      code: () => {
        const src = readLib('lib.es2016.array.include.d.ts');
        const a = int(0, src.length - 1);
        return src.slice(a, a + int(1, 2000));
      },
      cjk: () => fromCodePoints(int(1, 300), () => int(0x4e00, 0x9fff)) + pick(['', '，', '。', ' ']),
      emoji: () =>
        Array.from({ length: int(1, 60) }, () =>
          pick(['😀', '👍🏽', '👩‍👩‍👧‍👦', '🇫🇷', '🧑🏿‍🚀', String.fromCodePoint(int(0x1f300, 0x1faff)), '❤️', ' ']),
        ).join(''),
      combining: () => Array.from({ length: int(1, 120) }, () => pick(['e', 'a', 'न', 'ก', ' ']) + charIn(0x0300, 0x036f).repeat(int(0, 6))).join(''),
      control: () => Array.from({ length: int(1, 150) }, () => (rng() < 0.5 ? charIn(0, 0x1f) : pick(['\u007f', '\u0085', '\u2028', '\u00a0', '\ufeff', 'x']))).join(''),
      loneSurrogates: () =>
        Array.from({ length: int(1, 100) }, () =>
          pick([charIn(0xd800, 0xdbff), charIn(0xdc00, 0xdfff), '\udc00\ud800', 'a', ' ', '中', '😀', '\ud83d']),
        ).join(''),
      byteLookalikes: () =>
        Array.from({ length: int(1, 80) }, () =>
          pick(['\u00c3\u0028', '\u00ed\u00a0\u0080', '\u00ff\u00fe', '\ufffd', '\u00ef\u00bb\u00bf', '\\xE2\\x82', '%E2%82%AC', '\u00e2\u0082\u00ac', '\u0000']),
        ).join(''),
      anyCodeUnit: () => Array.from({ length: int(0, 300) }, () => String.fromCharCode(int(0, 0xffff))).join(''),
      anyCodePoint: () => fromCodePoints(int(0, 200), () => int(0, 0x10ffff)),
      runs: () => pick(['a', ' ', '\n', '=', '中', '😀', '\u0301', '\t', '0', 'ab', '\r\n']).repeat(int(1, 3000)),
      mixed: () => Array.from({ length: int(1, 8) }, () => pick(Object.keys(generators).filter((k) => k !== 'mixed'))).map((k) => generators[k]()).join(''),
    };

    for (const [name, gen] of Object.entries(generators)) {
      it(`round-trips random ${name} strings, offsets matching the bytes`, function () {
        for (let i = 0; i < 60; i++) roundTrip(gen());
      });
    }

    it('round-trips edge cases', function () {
      const cases = [
        '',
        'a',
        '\u0000',
        '\ud800',
        '\udfff',
        '\udbff\udfff', // U+10FFFF, a well-formed pair
        '\ud800\ud800\udc00', // a lone high surrogate, then a pair
        '\udc00\ud800', // a low before a high: two lone surrogates
        'x'.repeat(64),
        'x'.repeat(65),
        '😀'.repeat(40), // chunk cuts must not split a pair
        'a' + '\ud83d'.repeat(70) + 'b',
        '<|endoftext|> <|fim_prefix|><|endofprompt|>',
        "it's 'll 'VE",
        '\r\n\r\n   \n\t\t\n',
        ' '.repeat(10000) + 'x',
        '123456789012345',
      ];
      for (const text of cases) roundTrip(text);
    });

    it('encodes the empty string as no tokens', function () {
      const enc = tok.encode('');
      assert.strictEqual(enc.ids.length, 0);
      assert.strictEqual(enc.starts.length, 0);
      assert.strictEqual(tok.decode([]), '');
    });
  });

  describe('offsets', function () {
    it('give a split character to every token holding some of its bytes', function () {
      // '€' is E2 82 AC; with no kept token containing it, it becomes 3 byte ids sharing [1, 2).
      const text = 'a€b';
      const enc = roundTrip(text);
      const euro = Array.from(enc.ids).map((id, i) => ({ id, start: enc.starts[i], end: enc.ends[i] })).filter((t) => t.start === 1);
      assert.deepStrictEqual(euro.map((t) => t.id), [0xe2, 0x82, 0xac].map((b) => BYTE_BASE + b));
      assert.ok(euro.every((t) => t.end === 2));
    });

    it('count UTF-16 code units: a pair is 2 units, a lone surrogate 1', function () {
      const text = 'x😀y\udc00z';
      const enc = roundTrip(text);
      const ranges = new Set(Array.from(enc.ids).map((_, i) => `${enc.starts[i]}-${enc.ends[i]}`));
      assert.ok(ranges.has('1-3'), 'the emoji spans units 1..3');
      assert.ok(ranges.has('4-5'), 'the lone surrogate spans unit 4');
      const lone = Array.from(enc.ids).filter((_, i) => enc.starts[i] === 4);
      assert.deepStrictEqual(lone, [0xed, 0xb0, 0x80].map((b) => BYTE_BASE + b), 'U+DC00 as WTF-8 ED B0 80');
    });

    it('map whole tokens of real code back to their exact source text', function () {
      const text = readLib('lib.es2017.string.d.ts');
      const enc = roundTrip(text);
      let whole = 0;
      for (let i = 0; i < enc.ids.length; i++) {
        if (enc.ids[i] >= FIRST_TOKEN) {
          assert.strictEqual(text.slice(enc.starts[i], enc.ends[i]), tok.decode([enc.ids[i]]));
          whole++;
        }
      }
      assert.ok(whole > enc.ids.length / 2, `most tokens are vocabulary tokens (${whole}/${enc.ids.length})`);
    });
  });

  describe('cl100k and sub-piece fallback', function () {
    /**
     * Expected ids: each cl100k token's model id if kept; else, left to right,
     * the longest kept token matching its bytes there, or one byte.
     */
    function expectedIds(text: string, fallback: 'bytes' | 'subpieces' = 'subpieces'): number[] {
      const idOfRank = new Map(vocab.tokens.map((rank, i) => [rank, FIRST_TOKEN + i]));
      const idOfBytes = new Map(vocab.tokens.map((rank, i) => [Buffer.from(tokenBytes[rank]).toString('hex'), FIRST_TOKEN + i]));
      return cl100k.encode(text, [], []).flatMap((rank) => {
        const id = idOfRank.get(rank);
        if (id !== undefined) return [id];
        const bytes = tokenBytes[rank];
        if (fallback === 'bytes') return Array.from(bytes, (b) => BYTE_BASE + b);
        const ids: number[] = [];
        for (let i = 0; i < bytes.length; ) {
          let len = bytes.length - i;
          for (; len >= 2; len--) {
            const piece = idOfBytes.get(Buffer.from(bytes.subarray(i, i + len)).toString('hex'));
            if (piece !== undefined) {
              ids.push(piece);
              break;
            }
          }
          if (len < 2) {
            ids.push(BYTE_BASE + bytes[i]);
            len = 1;
          }
          i += len;
        }
        return ids;
      });
    }

    it('spells a token outside the vocabulary with kept sub-pieces, not 9 bytes', function () {
      const text = 'const digest = checksumOf(buffer);';
      const enc = roundTrip(text);
      assert.deepStrictEqual(Array.from(enc.ids), expectedIds(text));
      // With the shipped vocabulary (v1 spelled it as 9 single bytes and 'Of').
      const shipped = Tokenizer.fromFile(path.join(repoRoot(), 'models', 'tokenizer', 'vocab-v2.json'));
      const pieces = Array.from(shipped.encode('checksumOf').ids);
      assert.ok(pieces.length <= 3 && pieces.every((id) => id >= FIRST_TOKEN), `checksumOf as ${pieces.length} ids: ${pieces}`);
      const v1 = Tokenizer.fromVocabulary({ ...vocab, fallback: 'bytes' });
      assert.deepStrictEqual(Array.from(v1.encode(text).ids), expectedIds(text, 'bytes'), "fallback 'bytes' keeps the v1 ids");
    });

    it('keeps cl100k tokens that are in the vocabulary and spells the others from pieces and bytes', function () {
      const text = 'interface Schwarzschild { radius(): number } // 量子 Ω café\n';
      const enc = roundTrip(text);
      assert.deepStrictEqual(Array.from(enc.ids), expectedIds(text));
      const ids = Array.from(enc.ids);
      assert.ok(ids.some((id) => id >= FIRST_TOKEN), 'some vocabulary tokens');
      assert.ok(ids.some((id) => id >= BYTE_BASE + 0x80 && id < FIRST_TOKEN), 'non-ASCII bytes with no piece fall back to byte ids');
      const schwarz = cl100k.encode(' Schwarzschild', [], []);
      assert.ok(schwarz.some((r) => !vocab.tokens.includes(r)), 'the test needs an out-of-vocabulary token');
    });

    it('gives exactly cl100k tokens on ordinary code (no piece longer than 64 units)', function () {
      const text = readLib('lib.es2015.symbol.wellknown.d.ts').replace(/\*{20,}/g, '***');
      assert.deepStrictEqual(Array.from(tok.encode(text).ids), expectedIds(text));
    });

    it('cuts a run longer than 64 code units into 64-unit chunks', function () {
      const rng = mulberry32(7);
      const run = Array.from({ length: 150 }, () => String.fromCharCode(97 + Math.floor(rng() * 26))).join('');
      const expected = [run.slice(0, 64), run.slice(64, 128), run.slice(128)].flatMap((t) => expectedIds(t));
      assert.deepStrictEqual(Array.from(tok.encode(run).ids), expected);
    });

    it('treats special-token text as ordinary text', function () {
      const text = '<|endoftext|>';
      assert.deepStrictEqual(Array.from(tok.encode(text).ids), expectedIds(text));
    });

    it('encodes a 100k-character run of distinct letters in linear time', function () {
      // Uncut, js-tiktoken's quadratic merge would need many minutes for this.
      this.timeout(60000);
      const rng = mulberry32(11);
      const run = Array.from({ length: 100000 }, () => String.fromCharCode(97 + Math.floor(rng() * 26))).join('');
      const t0 = Date.now();
      const enc = tok.encode(run);
      assert.ok(Date.now() - t0 < 30000, `took ${Date.now() - t0} ms`);
      assert.strictEqual(tok.decode(enc.ids), run);
      assert.strictEqual(enc.ends[enc.ends.length - 1], run.length);
    });
  });

  describe('decode and tokenText', function () {
    it('decodes special ids to nothing', function () {
      const enc = tok.encode('hello world');
      const withSpecials = [SPECIAL.CLS, ...enc.ids, SPECIAL.SEP, SPECIAL.Q, SPECIAL.PAD, SPECIAL.PAD];
      assert.strictEqual(tok.decode(withSpecials), 'hello world');
      assert.deepStrictEqual(SPECIAL, { PAD: 0, CLS: 1, SEP: 2, Q: 3 });
    });

    it('decodes bytes that form no character to U+FFFD', function () {
      assert.strictEqual(tok.decode([BYTE_BASE + 0xe2, BYTE_BASE + 0x41]), '\ufffdA');
      assert.strictEqual(tok.decode([BYTE_BASE + 0xff]), '\ufffd');
      assert.strictEqual(tok.decode([BYTE_BASE + 0xf0, BYTE_BASE + 0x9f, BYTE_BASE + 0x98]), '\ufffd', 'one U+FFFD per maximal subpart');
    });

    it('refuses ids outside the vocabulary', function () {
      for (const bad of [-1, tok.vocabSize, 1.5, NaN]) {
        assert.throws(() => tok.decode([bad]), RangeError);
        assert.throws(() => tok.tokenText(bad), RangeError);
      }
    });

    it('shows specials, bytes and tokens for display', function () {
      assert.deepStrictEqual([0, 1, 2, 3].map((id) => tok.tokenText(id)), ['[PAD]', '[CLS]', '[SEP]', '[Q]']);
      assert.strictEqual(tok.tokenText(BYTE_BASE + 0xe2), '<0xE2>');
      assert.strictEqual(tok.tokenText(BYTE_BASE + 0x0a), '<0x0A>');
      assert.strictEqual(tok.tokenText(BYTE_BASE + 0x41), 'A');
      const id = tok.encode(' interface').ids[0];
      assert.ok(id >= FIRST_TOKEN);
      assert.strictEqual(tok.tokenText(id), ' interface');
    });

    it('shows a token that holds part of a character with <0xHH> for the loose bytes', function () {
      // a cl100k token made of the first two bytes of a 3-byte character
      const rank = tokenBytes.findIndex((b) => b.length === 2 && b[0] === 0xe4 && b[1] >= 0x80 && b[1] <= 0xbf);
      assert.ok(rank >= 0);
      const partial = Tokenizer.fromVocabulary({ ...vocab, version: 'partial', size: FIRST_TOKEN + 1, tokens: [rank] });
      assert.strictEqual(partial.tokenText(FIRST_TOKEN), `<0xE4><0x${tokenBytes[rank][1].toString(16).toUpperCase()}>`);
    });

    it('exposes the vocabulary version and size', function () {
      assert.strictEqual(tok.version, 'test-v0');
      assert.strictEqual(tok.vocabSize, FIRST_TOKEN + vocab.tokens.length);
    });
  });
});
