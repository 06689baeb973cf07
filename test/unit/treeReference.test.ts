import * as assert from 'assert';
import {
  Rng,
  TreeAttentionInputs,
  TreeDims,
  coarseAttentionFlops,
  denseAttentionFlops,
  fineAttentionFlops,
  linformerAttentionFlops,
  minRouteMargin,
  mulberry32,
  randomAttentionInputs,
  referenceCoarse,
  referenceDense,
  referenceFine,
  referenceRoute,
  routePath,
  treeAttentionShapes,
  treeDepth,
} from '../support/treeReference';

const E = Math.exp;

function close(actual: number, expected: number, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol * (1 + Math.abs(expected)), `${actual} vs ${expected}`);
}

function allClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  assert.strictEqual(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) close(actual[i], expected[i], tol);
}

/** softmax-weighted mean of `values` with `logits` (computed independently of the module). */
function wmean(logits: number[], values: number[]): number {
  const w = logits.map((l) => E(l));
  return w.reduce((s, wi, i) => s + wi * values[i], 0) / w.reduce((s, wi) => s + wi, 0);
}

describe('treeReference', () => {
  describe('routing', () => {
    it('treeDepth accepts M = 2^h − 1 only', () => {
      assert.strictEqual(treeDepth(1), 1);
      assert.strictEqual(treeDepth(3), 2);
      assert.strictEqual(treeDepth(7), 3);
      for (const bad of [0, 2, 4, 6, -1, 1.5]) assert.throws(() => treeDepth(bad), RangeError);
    });

    it('depth-1 trees with known hyperplanes; a tie (w·x+b = 0) goes left', () => {
      // B=1, H=2, N=3, D=2, M=1.
      // head 0: w=[1,0], b=0 → left iff x0 >= 0. head 1: w=[1,1], b=−1 → left iff x0+x1 >= 1.
      const dims: TreeDims = { B: 1, H: 2, N: 3, D: 2, M: 1 };
      const X = Float32Array.from([1, 5, -1, 3, 0, 7, /* head 1 */ 0.5, 0.5, 0.25, 0.5, 3, -1]);
      const W = Float32Array.from([1, 0, 1, 1]);
      const Wb = Float32Array.from([0, -1]);
      assert.deepStrictEqual(Array.from(referenceRoute(X, dims, W, Wb)), [0, 1, 0, 0, 1, 0]);
      assert.strictEqual(minRouteMargin(X, dims, W, Wb), 0);
    });

    it('depth-2 tree: children 2n+1 / 2n+2, leaf = node − M', () => {
      // D=1; root: x >= 0; node 1: x >= 2; node 2: x >= −2.
      const dims: TreeDims = { B: 1, H: 1, N: 6, D: 1, M: 3 };
      const X = Float64Array.from([3, 1, -1, -3, 2, 0]);
      const W = [1, 1, 1];
      const Wb = [0, -2, 2];
      assert.deepStrictEqual(Array.from(referenceRoute(X, dims, W, Wb)), [0, 1, 2, 3, 0, 1]);
      assert.deepStrictEqual(routePath([-1], 0, W, Wb, 0, 3, 1), [0, 2, 5]);
      assert.deepStrictEqual(routePath([3], 0, W, Wb, 0, 3, 1), [0, 1, 3]);
      close(minRouteMargin(Float64Array.from([3, -3]), { ...dims, N: 2 }, W, Wb), 1);
    });

    it('margin is b + w[0]·x[0] + w[1]·x[1] accumulated in float64 in that order', () => {
      // ((−1 + 1e16) − 1e16) = 0 in float64 (the −1 is lost): a tie, so left (leaf 0).
      // Summing the dot product first would give (1e16 − 1e16) − 1 = −1: right.
      const one: TreeDims = { B: 1, H: 1, N: 1, D: 2, M: 1 };
      assert.deepStrictEqual(Array.from(referenceRoute([1e16, -1e16], one, [1, 1], [-1])), [0]);
      assert.strictEqual(minRouteMargin([1e16, -1e16], one, [1, 1], [-1]), 0);
    });

    it('rejects inconsistent lengths and bad M', () => {
      assert.throws(() => referenceRoute([1, 2], { B: 1, H: 1, N: 1, D: 2, M: 1 }, [1, 1, 1], [0]), RangeError);
      assert.throws(() => referenceRoute([1, 2], { B: 1, H: 1, N: 1, D: 2, M: 2 }, [1, 1, 1, 1], [0, 0]), /power of two/);
      assert.throws(() => referenceRoute([], { B: 1, H: 1, N: 0, D: 2, M: 1 }, [1, 1], [0]), RangeError);
    });
  });

  // One head, D=1, depth 1: leaf 0 iff x >= 0. scale = 1.
  const dims: TreeDims = { B: 1, H: 1, N: 3, D: 1, M: 1 };
  const base = (over: Partial<TreeAttentionInputs> = {}): TreeAttentionInputs => ({
    Q: [2, -1, 0.5],
    K: [-1, -2, 3],
    V: [10, 20, 30],
    W: [1],
    Wb: [0],
    sink_k: [0],
    sink_v: [5],
    mask: BigInt64Array.from([1n, 1n, 1n]),
    ...over,
  });

  describe('TreeFineAttention', () => {
    it('attends over the query leaf plus the sink', () => {
      const r = referenceFine(base(), dims, { scale: 1 });
      assert.deepStrictEqual(Array.from(r.qLeaf), [0, 1, 0]);
      assert.deepStrictEqual(Array.from(r.kLeaf), [1, 1, 0]);
      close(r.out[0], wmean([6, 0], [30, 5])); // key 2 + sink
      close(r.out[1], wmean([1, 2, 0], [10, 20, 5])); // keys 0, 1 + sink
      close(r.out[2], wmean([1.5, 0], [30, 5]));
    });

    it('default scale is 1/√D', () => {
      const x = base({ Q: [2, -1, 0.5, 1, 1, 1], K: [-1, -2, 3, 1, 1, 1], V: [10, 20, 30, 1, 1, 1], W: [1, 0], sink_k: [0, 0], sink_v: [5, 5] });
      const d2: TreeDims = { ...dims, N: 3, D: 2 };
      // Q rows (2,-1), (0.5,1), (1,1); K rows (-1,-2), (3,1), (1,1); all leaves by first coordinate.
      const a = referenceFine(x, d2);
      const b = referenceFine(x, d2, { scale: 1 / Math.SQRT2 });
      const c = referenceFine(x, d2, { scale: 1 });
      allClose(a.out, b.out, 0);
      assert.ok(a.out.some((v, i) => Math.abs(v - c.out[i]) > 1e-3));
    });

    it('a query whose leaf holds no key returns sink_v', () => {
      const r = referenceFine(base({ K: [-1, -2, -3] }), dims, { scale: 1 });
      assert.deepStrictEqual(Array.from(r.kLeaf), [1, 1, 1]);
      assert.strictEqual(r.out[0], 5);
      assert.strictEqual(r.out[2], 5);
      close(r.out[1], wmean([1, 2, 3, 0], [10, 20, 30, 5]));
    });

    it('all positions masked: zeros and leaf −1', () => {
      for (const ref of [referenceFine, referenceCoarse]) {
        const r = ref(base({ mask: [0, 0, 0] }), dims, { scale: 1, numGlobal: 2 });
        assert.deepStrictEqual(Array.from(r.out), [0, 0, 0]);
        assert.deepStrictEqual(Array.from(r.qLeaf), [-1, -1, -1]);
        assert.deepStrictEqual(Array.from(r.kLeaf), [-1, -1, -1]);
      }
    });

    it('masked keys are never attended to; masked queries output 0', () => {
      const r = referenceFine(base({ mask: BigInt64Array.from([0n, 1n, 1n]) }), dims, { scale: 1 });
      assert.deepStrictEqual(Array.from(r.qLeaf), [-1, 1, 0]);
      assert.deepStrictEqual(Array.from(r.kLeaf), [-1, 1, 0]);
      assert.strictEqual(r.out[0], 0);
      close(r.out[1], wmean([2, 0], [20, 5])); // key 0 (same leaf) is padded
      close(r.out[2], wmean([1.5, 0], [30, 5]));
    });

    it('a global key joins every query once, even when it is already in the leaf', () => {
      const r = referenceFine(base(), dims, { scale: 1, numGlobal: 1 });
      close(r.out[0], wmean([6, -2, 0], [30, 10, 5])); // global key 0 added to leaf 0
      close(r.out[1], wmean([1, 2, 0], [10, 20, 5])); // key 0 already in leaf 1: counted once
      close(r.out[2], wmean([1.5, -0.5, 0], [30, 10, 5]));
      // numGlobal beyond N is clamped; a padded global position is not a key.
      const all = referenceFine(base(), dims, { scale: 1, numGlobal: 10 });
      close(all.out[0], wmean([-2, -4, 6, 0], [10, 20, 30, 5]));
      const padded = referenceFine(base({ mask: [0, 1, 1] }), dims, { scale: 1, numGlobal: 1 });
      close(padded.out[2], wmean([1.5, 0], [30, 5]));
      assert.throws(() => referenceFine(base(), dims, { numGlobal: -1 }), RangeError);
    });

    it('with a single leaf for everything it is dense attention over keys + sink', () => {
      const rng = new Rng(11);
      const d: TreeDims = { B: 2, H: 2, N: 6, D: 3, M: 1 };
      const x = randomAttentionInputs(d, rng);
      x.Wb.fill(1e6); // everything goes left
      const r = referenceFine(x, d);
      assert.ok(r.qLeaf.every((l) => l === 0) && r.kLeaf.every((l) => l === 0));
      // Dense over N+1 keys: the head's own keys followed by its sink.
      const Nk = d.N + 1;
      const K = new Float64Array(d.B * d.H * Nk * d.D);
      const V = new Float64Array(d.B * d.H * Nk * d.D);
      for (let b = 0; b < d.B; b++) {
        for (let h = 0; h < d.H; h++) {
          const bh = b * d.H + h;
          K.set(x.K.subarray(bh * d.N * d.D, (bh + 1) * d.N * d.D), bh * Nk * d.D);
          V.set(x.V.subarray(bh * d.N * d.D, (bh + 1) * d.N * d.D), bh * Nk * d.D);
          K.set(x.sink_k.subarray(h * d.D, (h + 1) * d.D), (bh * Nk + d.N) * d.D);
          V.set(x.sink_v.subarray(h * d.D, (h + 1) * d.D), (bh * Nk + d.N) * d.D);
        }
      }
      allClose(r.out, referenceDense(x.Q, K, V, { B: d.B, H: d.H, N: d.N, D: d.D, Nk }), 1e-12);
    });
  });

  describe('TreeCoarseAttention', () => {
    // Keys 1 and 3 share leaf 0 (node 1); key −2 is in leaf 1 (node 2).
    const tc = (over: Partial<TreeAttentionInputs> = {}): TreeAttentionInputs =>
      base({ Q: [1, -0.5, 0], K: [1, 3, -2], V: [10, 20, 40], ...over });

    it('attends over the mean key/value of each node on the query path, plus the sink', () => {
      const r = referenceCoarse(tc(), dims, { scale: 1 });
      assert.deepStrictEqual(Array.from(r.qLeaf), [0, 1, 0]);
      assert.deepStrictEqual(Array.from(r.kLeaf), [0, 0, 1]);
      // root: mean K = 2/3, mean V = 70/3; node 1 (two keys): K 2, V 15; node 2: K −2, V 40.
      close(r.out[0], wmean([0, 2 / 3, 2], [5, 70 / 3, 15]));
      close(r.out[1], wmean([0, -1 / 3, 1], [5, 70 / 3, 40]));
      close(r.out[2], wmean([0, 0, 0], [5, 70 / 3, 15]));
    });

    it('skips nodes that no key reaches; adds global keys individually', () => {
      const r = referenceCoarse(tc({ K: [1, 3, 2] }), dims, { scale: 1 });
      // Query 1 is in leaf 1, which no key reaches: root + sink only.
      close(r.out[1], wmean([0, -0.5 * 2], [5, 70 / 3]));
      const g = referenceCoarse(tc(), dims, { scale: 1, numGlobal: 1 });
      close(g.out[1], wmean([0, -1 / 3, 1, -0.5], [5, 70 / 3, 40, 10]));
    });

    it('padded keys do not enter the summaries', () => {
      const r = referenceCoarse(tc({ mask: [1, 0, 1] }), dims, { scale: 1 });
      // root: keys 1, −2 → K −0.5, V 25; node 1: key 1 → K 1, V 10.
      close(r.out[0], wmean([0, -0.5, 1], [5, 25, 10]));
      assert.strictEqual(r.out[1], 0);
    });
  });

  it('padding never changes the outputs at real positions', () => {
    const rng = new Rng(3);
    const d: TreeDims = { B: 2, H: 2, N: 9, D: 4, M: 3 };
    const x = randomAttentionInputs(d, rng, { lengths: [9, 5] });
    const y = { ...x, Q: x.Q.slice(), K: x.K.slice(), V: x.V.slice() };
    for (let h = 0; h < d.H; h++) {
      for (let n = 5; n < d.N; n++) {
        for (let k = 0; k < d.D; k++) {
          const i = ((1 * d.H + h) * d.N + n) * d.D + k;
          y.Q[i] += 7;
          y.K[i] -= 3;
          y.V[i] *= 100;
        }
      }
    }
    for (const ref of [referenceFine, referenceCoarse]) {
      const a = ref(x, d, { numGlobal: 2 });
      const b = ref(y, d, { numGlobal: 2 });
      allClose(a.out, b.out, 0);
      assert.deepStrictEqual(a.qLeaf, b.qLeaf);
      assert.deepStrictEqual(a.kLeaf, b.kLeaf);
      const padded = Array.from(a.qLeaf).filter((l) => l === -1).length;
      assert.strictEqual(padded, d.H * 4);
      assert.ok(a.out.some((v) => v !== 0));
    }
  });

  describe('attention FLOPs', () => {
    const d: TreeDims = { B: 1, H: 1, N: 3, D: 1, M: 1 };
    it('dense and Linformer', () => {
      assert.strictEqual(denseAttentionFlops({ B: 2, H: 3, N: 4, D: 5 }), 6 * 4 * 4 * 4 * 5);
      assert.strictEqual(denseAttentionFlops({ B: 1, H: 1, N: 4, D: 5, Nk: 7 }), 4 * 4 * 7 * 5);
      assert.strictEqual(linformerAttentionFlops({ B: 1, H: 2, N: 10, D: 4, k: 3 }), 2 * 8 * 10 * 3 * 4);
    });
    it('TF counts the actual leaf occupancy', () => {
      // leaf 0: 2 queries, 1 key; leaf 1: 1 query, 2 keys; h = 1.
      assert.strictEqual(fineAttentionFlops([0, 1, 0], [1, 1, 0], d), 4 * 2 * 2 + 4 * 1 * 3 + 2 * 6);
      assert.strictEqual(fineAttentionFlops(BigInt64Array.from([0n, 1n, 0n]), [1, 1, 0], d, 1), 4 * 2 * 3 + 4 * 1 * 4 + 2 * 6);
      // padded position 1: 2 queries, 2 keys.
      assert.strictEqual(fineAttentionFlops([0, -1, 0], [1, -1, 0], d), 4 * 2 * 2 + 2 * 4);
    });
    it('TC', () => {
      assert.strictEqual(coarseAttentionFlops([0, 1, 0], [1, 1, 0], d), 4 * 3 * 3 + 2 * 6 + 2 * 3 * 2);
      assert.strictEqual(coarseAttentionFlops([0, 1, 0], [1, 1, 0], d, 2), 4 * 3 * 5 + 2 * 6 + 2 * 3 * 2);
    });
  });

  describe('Rng', () => {
    it('is deterministic per seed', () => {
      const a = mulberry32(42);
      const b = mulberry32(42);
      const c = mulberry32(43);
      const sa = [a(), a(), a()];
      assert.deepStrictEqual(sa, [b(), b(), b()]);
      assert.notDeepStrictEqual(sa, [c(), c(), c()]);
      assert.deepStrictEqual(new Rng(5).normalArray(5), new Rng(5).normalArray(5));
    });
    it('uniform in [0,1), normal with mean ≈ 0 and variance ≈ 1', () => {
      const rng = new Rng(1);
      let sum = 0;
      let sq = 0;
      const n = 20000;
      for (let i = 0; i < n; i++) {
        const u = rng.uniform();
        assert.ok(u >= 0 && u < 1);
        const z = rng.normal();
        sum += z;
        sq += z * z;
      }
      assert.ok(Math.abs(sum / n) < 0.05, `mean ${sum / n}`);
      assert.ok(Math.abs(sq / n - 1) < 0.05, `variance ${sq / n}`);
      for (let i = 0; i < 100; i++) {
        const k = rng.int(2, 5);
        assert.ok(Number.isInteger(k) && k >= 2 && k < 5);
      }
    });
    it('randomAttentionInputs matches treeAttentionShapes', () => {
      const d: TreeDims = { B: 2, H: 3, N: 4, D: 5, M: 7 };
      const x = randomAttentionInputs(d, new Rng(9), { lengths: [4, 1] });
      const shapes = treeAttentionShapes(d);
      for (const [name, shape] of Object.entries(shapes)) {
        assert.strictEqual(x[name as keyof TreeAttentionInputs].length, shape.reduce((p, s) => p * s, 1), name);
      }
      assert.deepStrictEqual(Array.from(x.mask), [1n, 1n, 1n, 1n, 1n, 0n, 0n, 0n]);
    });
  });
});
