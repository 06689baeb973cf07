// The ai.treeformer ops, run by ONNX Runtime through the project's native
// backend, against the float64 reference of test/support/treeReference.ts.
import * as assert from 'assert';
import { InferenceSession, Tensor } from 'onnxruntime-common';
import { openModel } from '../../src/engine/runtime';
import { TensorType, treeAttentionModel, treeRouteModel } from '../support/onnxModel';
import {
  randomAttentionInputs,
  referenceCoarse,
  referenceFine,
  referenceRoute,
  Rng,
  TreeAttentionArrays,
  treeAttentionShapes,
  TreeDims,
} from '../support/treeReference';

type AttentionOp = 'TreeFineAttention' | 'TreeCoarseAttention';
const ATTENTION_OPS: AttentionOp[] = ['TreeFineAttention', 'TreeCoarseAttention'];

interface Case {
  name: string;
  dims: TreeDims;
  lengths?: number[];
  numGlobal?: number;
  scale?: number;
  /** Every key and query routed to leaf 0 (W = 0, Wb = +1). */
  oneLeaf?: boolean;
}

const depthToM = (depth: number) => 2 ** depth - 1;

function randomCases(count: number, seed: number): Case[] {
  const rng = new Rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rng.uniform(0, xs.length))];
  const cases: Case[] = [];
  for (let c = 0; c < count; c++) {
    const B = pick([1, 2]);
    const N = pick([1, 2, 17, 64, 300, 1024, 2048]);
    const dims = { B, H: pick([1, 2, 3, 4]), N, D: pick([8, 16, 24, 32, 64]), M: depthToM(pick([1, 2, 3, 5, 8])) };
    const lengths = Array.from({ length: B }, () => Math.max(1, Math.floor(rng.uniform(0.5, 1) * N)));
    cases.push({ name: `random #${c}`, dims, lengths, numGlobal: pick([0, 0, 1, 3]) });
  }
  return cases;
}

const CASES: Case[] = [
  { name: 'N = 1', dims: { B: 1, H: 1, N: 1, D: 8, M: 1 } },
  { name: 'N = 1 with a global key', dims: { B: 2, H: 2, N: 1, D: 16, M: 3 }, numGlobal: 1 },
  { name: 'B 2, H 4, N 2048, D 32, depth 5, padding, globals', dims: { B: 2, H: 4, N: 2048, D: 32, M: 31 }, lengths: [2048, 1500], numGlobal: 4 },
  { name: 'depth 8, mostly empty leaves', dims: { B: 1, H: 2, N: 100, D: 64, M: 255 } },
  { name: 'all keys in one leaf', dims: { B: 1, H: 2, N: 700, D: 16, M: 15 }, oneLeaf: true, numGlobal: 2 },
  { name: 'num_global larger than N', dims: { B: 2, H: 3, N: 33, D: 8, M: 7 }, numGlobal: 50 },
  { name: 'a batch row that is all padding', dims: { B: 2, H: 1, N: 40, D: 8, M: 3 }, lengths: [0, 40], numGlobal: 2 },
  { name: 'explicit scale', dims: { B: 1, H: 2, N: 257, D: 24, M: 7 }, scale: 0.3 },
  // D off the kernel's vector width: leaf keys gathered one at a time, output tiles cut short.
  { name: 'D = 12, leaves of many keys', dims: { B: 1, H: 2, N: 600, D: 12, M: 7 }, numGlobal: 5 },
  ...randomCases(8, 7),
];

function inputsFor(c: Case, seed: number): TreeAttentionArrays {
  const x = randomAttentionInputs(c.dims, new Rng(seed), { lengths: c.lengths });
  if (c.oneLeaf) {
    x.W.fill(0);
    x.Wb.fill(1);
  }
  return x;
}

function feedsFor(x: TreeAttentionArrays, dims: TreeDims): Record<string, Tensor> {
  const shapes = treeAttentionShapes(dims);
  const feeds: Record<string, Tensor> = {};
  for (const name of Object.keys(shapes) as (keyof typeof shapes)[]) {
    feeds[name] = new Tensor(name === 'mask' ? 'int64' : 'float32', x[name], shapes[name]);
  }
  return feeds;
}

/** max |actual − expected| / max |expected| (0 when both are all zeros). */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.strictEqual(actual.length, expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

function assertSameLeaves(actual: Tensor, expected: Int32Array, what: string): void {
  const got = actual.data as BigInt64Array;
  assert.strictEqual(got.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Number(got[i]) !== expected[i]) assert.fail(`${what}[${i}] = ${got[i]}, expected ${expected[i]}`);
  }
}

describe('ai.treeformer ops vs the float64 reference', function () {
  this.timeout(300_000);

  for (const op of ATTENTION_OPS) {
    describe(op, () => {
      const sessions = new Map<string, InferenceSession>();
      const sessionFor = async (c: Case) => {
        const key = `${c.numGlobal ?? 0}/${c.scale ?? ''}`;
        if (!sessions.has(key)) {
          const model = treeAttentionModel(op, { num_global: c.numGlobal, scale: c.scale });
          sessions.set(key, (await openModel(model, { device: 'cpu' })).session);
        }
        return sessions.get(key)!;
      };
      after(async () => {
        for (const s of sessions.values()) await s.release();
      });

      CASES.forEach((c, index) => {
        it(`${c.name}: B${c.dims.B} H${c.dims.H} N${c.dims.N} D${c.dims.D} M${c.dims.M}`, async () => {
          const x = inputsFor(c, 1000 + index);
          const result = await (await sessionFor(c)).run(feedsFor(x, c.dims));
          const reference = op === 'TreeFineAttention' ? referenceFine : referenceCoarse;
          const expected = reference(x, c.dims, { numGlobal: c.numGlobal, scale: c.scale });
          assertSameLeaves(result.q_leaf, expected.qLeaf, 'q_leaf');
          assertSameLeaves(result.k_leaf, expected.kLeaf, 'k_leaf');
          assert.deepStrictEqual(result.out.dims, [c.dims.B, c.dims.H, c.dims.N, c.dims.D]);
          const err = relativeError(result.out.data as Float32Array, expected.out);
          assert.ok(err <= 1e-5, `relative error ${err.toExponential(2)} > 1e-5`);
          // Padded positions: output exactly 0.
          const out = result.out.data as Float32Array;
          for (let row = 0; row < expected.qLeaf.length; row++) {
            if (expected.qLeaf[row] >= 0) continue;
            for (let d = 0; d < c.dims.D; d++) assert.strictEqual(out[row * c.dims.D + d], 0);
          }
        });
      });

      // The kernel writes rows of whole cache lines (D % 16 == 0) into a 64-byte aligned output,
      // ORT's own, with streaming stores, and any other output with plain ones. An output
      // preallocated one float into a buffer is off a cache line: the same inputs there must give
      // the same bits, and both the reference.
      it('the same output into its own memory and into memory off a cache line', async () => {
        const c: Case = { name: 'aligned vs not', dims: { B: 1, H: 2, N: 1000, D: 32, M: 15 }, lengths: [900], numGlobal: 2 };
        const x = inputsFor(c, 77);
        const session = await sessionFor(c);
        const own = await session.run(feedsFor(x, c.dims));
        const { B, H, N, D } = c.dims;
        const shifted = new Float32Array(B * H * N * D + 1).fill(NaN).subarray(1);
        const fetches = {
          out: new Tensor('float32', shifted, [B, H, N, D]),
          q_leaf: new Tensor('int64', new BigInt64Array(B * H * N), [B, H, N]),
          k_leaf: new Tensor('int64', new BigInt64Array(B * H * N), [B, H, N]),
        };
        const placed = await session.run(feedsFor(x, c.dims), fetches);
        assert.strictEqual(placed.out.data, shifted);
        const ownOut = own.out.data as Float32Array;
        for (let i = 0; i < ownOut.length; i++) {
          if (!Object.is(shifted[i], ownOut[i])) assert.fail(`out[${i}]: ${shifted[i]} off a cache line, ${ownOut[i]} in ORT's memory`);
        }
        const reference = op === 'TreeFineAttention' ? referenceFine : referenceCoarse;
        const expected = reference(x, c.dims, { numGlobal: c.numGlobal });
        const err = relativeError(ownOut, expected.out);
        assert.ok(err <= 1e-5, `relative error ${err.toExponential(2)} > 1e-5`);
      });
    });
  }

  describe('TreeRoute', () => {
    let session: InferenceSession;
    before(async () => {
      session = (await openModel(treeRouteModel(), { device: 'cpu' })).session;
    });
    after(() => session.release());

    CASES.forEach((c, index) => {
      it(`${c.name}: B${c.dims.B} H${c.dims.H} N${c.dims.N} D${c.dims.D} M${c.dims.M}`, async () => {
        const { B, H, N, D, M } = c.dims;
        const x = inputsFor(c, 2000 + index);
        const result = await session.run({
          X: new Tensor('float32', x.Q, [B, H, N, D]),
          W: new Tensor('float32', x.W, [H, M, D]),
          Wb: new Tensor('float32', x.Wb, [H, M]),
        });
        assertSameLeaves(result.leaf, referenceRoute(x.Q, c.dims, x.W, x.Wb), 'leaf');
      });
    });

    // The kernel decides in float32 first and redoes a decision in double near a split. Odd rows
    // hold 1e8, −1e8 and thirty 1s: w·x + b = 30 − 29.5 = 0.5 exactly (left), but in float32 a 1 that
    // meets ±1e8 is lost (its ulp is 8) in any summation order, so the float margin is negative
    // (right). Even rows hold 28 ones (−1.5: right either way). Only the exact path gets both right.
    it('vectors a float32 sum would send the wrong way are routed by the exact margin', async () => {
      const D = 32, N = 64;
      const dims = { B: 1, H: 1, N, D, M: 1 };
      const X = new Float32Array(N * D);
      for (let n = 0; n < N; n++) {
        const at = (n * 3) % (D - 1); // the big values move across lanes and blocks
        for (let d = 0; d < D; d++) X[n * D + d] = 1;
        X[n * D + at] = 1e8;
        X[n * D + at + 1] = -1e8;
        if (n % 2 === 0) X[n * D + ((at + 2) % D)] = X[n * D + ((at + 3) % D)] = 0;
      }
      const W = new Float32Array(D).fill(1);
      const Wb = Float32Array.of(-29.5);
      const result = await session.run({
        X: new Tensor('float32', X, [1, 1, N, D]),
        W: new Tensor('float32', W, [1, 1, D]),
        Wb: new Tensor('float32', Wb, [1, 1]),
      });
      const expected = referenceRoute(X, dims, W, Wb);
      for (let n = 0; n < N; n++) assert.strictEqual(expected[n], n % 2 ? 0 : 1, `reference row ${n}`);
      assertSameLeaves(result.leaf, expected, 'leaf');
    });
  });
});

// ------------------------------------------------------------------ bad input

interface BadInput {
  name: string;
  op: AttentionOp | 'TreeRoute';
  /** Substrings the error must contain besides the op name. */
  mentions: string[];
  declaredTypes?: Partial<Record<string, TensorType>>;
  /** Graph inputs declared without a shape, so a wrong rank reaches the op. */
  unshaped?: string[];
  change: (feeds: Record<string, Tensor>) => void;
}

const GOOD: TreeDims = { B: 2, H: 2, N: 16, D: 8, M: 3 };
const f32 = (dims: number[]) => new Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);

const BAD_INPUTS: BadInput[] = [
  { name: 'Q of rank 3', op: 'TreeFineAttention', mentions: ["'Q'", 'rank 4'], unshaped: ['Q'], change: (f) => (f.Q = f32([2, 2, 16])) },
  { name: 'K shaped unlike Q', op: 'TreeFineAttention', mentions: ["'K'"], change: (f) => (f.K = f32([2, 2, 15, 8])) },
  { name: 'V with another head dim', op: 'TreeCoarseAttention', mentions: ["'V'"], change: (f) => (f.V = f32([2, 2, 16, 4])) },
  { name: 'M + 1 not a power of two', op: 'TreeFineAttention', mentions: ["'W'", 'power of two'], change: (f) => { f.W = f32([2, 6, 8]); f.Wb = f32([2, 6]); } },
  { name: 'W with another head dim', op: 'TreeCoarseAttention', mentions: ["'W'"], change: (f) => (f.W = f32([2, 3, 4])) },
  { name: 'W for another number of heads', op: 'TreeFineAttention', mentions: ["'W'"], change: (f) => (f.W = f32([3, 3, 8])) },
  { name: 'Wb of the wrong shape', op: 'TreeFineAttention', mentions: ["'Wb'"], change: (f) => (f.Wb = f32([2, 7])) },
  { name: 'sink_k of the wrong shape', op: 'TreeCoarseAttention', mentions: ["'sink_k'"], change: (f) => (f.sink_k = f32([1, 8])) },
  { name: 'mask of the wrong length', op: 'TreeFineAttention', mentions: ["'mask'"], change: (f) => (f.mask = new Tensor('int64', new BigInt64Array(2 * 15), [2, 15])) },
  { name: 'N = 0', op: 'TreeCoarseAttention', mentions: ['N = 0'], change: (f) => { for (const k of ['Q', 'K', 'V']) f[k] = f32([2, 2, 0, 8]); f.mask = new Tensor('int64', new BigInt64Array(0), [2, 0]); } },
  { name: 'Q as float64', op: 'TreeFineAttention', mentions: ["'Q'", 'float32', 'float64'], declaredTypes: { Q: TensorType.DOUBLE }, change: (f) => (f.Q = new Tensor('float64', new Float64Array(2 * 2 * 16 * 8), [2, 2, 16, 8])) },
  { name: 'mask as int32', op: 'TreeCoarseAttention', mentions: ["'mask'", 'int64'], declaredTypes: { mask: TensorType.INT32 }, change: (f) => (f.mask = new Tensor('int32', new Int32Array(2 * 16), [2, 16])) },
  { name: 'TreeRoute X of rank 2', op: 'TreeRoute', mentions: ["'X'"], unshaped: ['X'], change: (f) => (f.X = f32([16, 8])) },
  { name: 'TreeRoute with an empty tree (M = 0)', op: 'TreeRoute', mentions: ["'W'"], change: (f) => { f.W = f32([2, 0, 8]); f.Wb = f32([2, 0]); } },
];

describe('ai.treeformer ops reject malformed input', () => {
  const goodFeeds = (op: BadInput['op']): Record<string, Tensor> => {
    const x = randomAttentionInputs(GOOD, new Rng(5));
    if (op !== 'TreeRoute') return feedsFor(x, GOOD);
    const { B, H, N, D, M } = GOOD;
    return {
      X: new Tensor('float32', x.Q, [B, H, N, D]),
      W: new Tensor('float32', x.W, [H, M, D]),
      Wb: new Tensor('float32', x.Wb, [H, M]),
    };
  };
  const modelFor = (bad: BadInput) => {
    const declared = {
      inputTypes: bad.declaredTypes,
      inputShapes: Object.fromEntries((bad.unshaped ?? []).map((name) => [name, null])),
    };
    return bad.op === 'TreeRoute' ? treeRouteModel(declared) : treeAttentionModel(bad.op, { num_global: 1 }, declared);
  };

  for (const bad of BAD_INPUTS) {
    it(`${bad.name}: an error naming ${bad.op} and the input, and the session still works`, async () => {
      const { session } = await openModel(modelFor(bad), { device: 'cpu' });
      try {
        const feeds = goodFeeds(bad.op);
        bad.change(feeds);
        await assert.rejects(session.run(feeds), (err: Error) => {
          assert.ok(err.message.includes(bad.op), `error does not name the op: ${err.message}`);
          for (const m of bad.mentions) assert.ok(err.message.includes(m), `error does not mention ${m}: ${err.message}`);
          return true;
        });
        if (!bad.declaredTypes) {
          const ok = await session.run(goodFeeds(bad.op));
          assert.ok(Object.keys(ok).length > 0);
        }
      } finally {
        await session.release();
      }
    });
  }

  it('a negative num_global attribute is refused when the session is created', async () => {
    await assert.rejects(openModel(treeAttentionModel('TreeFineAttention', { num_global: -1 })), (err: Error) => {
      assert.match(err.message, /TreeFineAttention: attribute 'num_global' must be >= 0/);
      return true;
    });
  });

  it('a feed whose data does not match its dims is refused before ONNX Runtime sees it', async () => {
    const { session } = await openModel(treeRouteModel(), { device: 'cpu' });
    try {
      const feeds = goodFeeds('TreeRoute');
      // Tensor checks sizes itself, so forge one that lies about its dims.
      (feeds.X as { dims: readonly number[] }).dims = [2, 2, 16, 9];
      await assert.rejects(session.run(feeds), /input 'X' has \d+ bytes of data but its dims need/);
    } finally {
      await session.release();
    }
  });
});
