// How the rankers combine the features (src/engine/fusion.ts).
import * as assert from 'assert';
import { fusedScore, FusionWeights } from '../../src/engine/fusion';

const W: FusionWeights = { lexical: 1, relevance: 0.1, span: 0.5, leaves: 0, candidates: 10 };

describe('fusion', () => {
  it('ranks by the lexical score alone for bm25', () => {
    assert.strictEqual(fusedScore('bm25', W, { lexical: 0.7, relevance: 9, span: -1 }), 0.7);
  });

  it("ranks the model alone by the chunk's relevance, not by lexical or span", () => {
    const a = { lexical: 1, relevance: -2, span: -0.1 };
    const b = { lexical: 0.1, relevance: -1, span: -9 };
    assert.ok(fusedScore('model', W, b) > fusedScore('model', W, a));
    assert.strictEqual(fusedScore('model', W, b), -1);
  });

  it('weighs all three for hybrid, an unscorable chunk counting as very unlikely', () => {
    assert.ok(Math.abs(fusedScore('hybrid', W, { lexical: 0.5, relevance: -2, span: -4 }) - (0.5 - 0.2 - 2)) < 1e-12);
    const lost = fusedScore('hybrid', W, { lexical: 0.5, relevance: -Infinity, span: -Infinity });
    assert.ok(Number.isFinite(lost) && lost < -20);
  });
});
