import * as assert from 'assert';
import { findDuplicates, shingleSketch, sketchSimilarity } from '../../src/data/dedupe';
import { splitOfPackage } from '../../src/data/split';
import { Split } from '../../src/data/types';

function words(n: number, seed: number): string {
  const out: string[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push(`w${x % 5000}`);
  }
  return out.join(' ');
}

describe('data: dedupe and split', () => {
  const base = words(3000, 1);

  it('drops exact copies up to whitespace, keeping the first', () => {
    const docs = [
      { docId: 'a', path: 'x/one.go', text: base },
      { docId: 'b', path: 'y/other.go', text: base.replace(/ /g, '\n  ') },
    ];
    assert.deepStrictEqual([...findDuplicates(docs)], [['b', 'a']]);
  });

  it('drops near copies with the same file name, not different files', () => {
    const edited = base.replace('w', 'edited w').slice(0, base.length - 40);
    const docs = [
      { docId: 'a', path: 'v1/server.go', text: base },
      { docId: 'b', path: 'v2/server.go', text: edited },
      { docId: 'c', path: 'v3/server.go', text: words(3000, 2) },
      { docId: 'd', path: 'v4/client.go', text: edited + ' tail' },
    ];
    assert.deepStrictEqual([...findDuplicates(docs)], [['b', 'a']]);
    assert.ok(sketchSimilarity(shingleSketch(base), shingleSketch(edited)) > 0.9);
    assert.ok(sketchSimilarity(shingleSketch(base), shingleSketch(words(3000, 2))) < 0.1);
  });

  it('splits by package deterministically, about 80/10/10', () => {
    const counts: Record<Split, number> = { train: 0, dev: 0, test: 0 };
    for (let i = 0; i < 10000; i++) counts[splitOfPackage(`go:pkg${i}`)]++;
    assert.ok(counts.train > 7700 && counts.train < 8300, JSON.stringify(counts));
    assert.ok(counts.dev > 850 && counts.dev < 1150, JSON.stringify(counts));
    assert.ok(counts.test > 850 && counts.test < 1150, JSON.stringify(counts));
    assert.strictEqual(splitOfPackage('npm:@types/node'), splitOfPackage('npm:@types/node'));
  });
});
