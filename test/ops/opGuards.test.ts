// Guards of the ai.treeformer ops and of the native addon: a failed
// allocation inside the op's parallel work is an error, not a crash; deep
// trees and calls whose scratch memory would be huge are refused up front;
// attributes of the wrong type or with absurd values are refused; typed arrays
// must match the tensor's element type.
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { InferenceSession, Tensor } from 'onnxruntime-common';
import { loadRuntime, openModel } from '../../src/engine/runtime';
import type { NativeSession, NativeTensor } from '../../src/engine/runtime/native';
import { attr, AttrValue, treeAttentionModel, treeRouteModel } from '../support/onnxModel';
import {
  randomAttentionInputs,
  referenceCoarse,
  referenceFine,
  Rng,
  TreeAttentionArrays,
  treeAttentionShapes,
  TreeDims,
} from '../support/treeReference';
import { CHILD_DIMS } from './allocationFailureChild';

type AttentionOp = 'TreeFineAttention' | 'TreeCoarseAttention';
const ATTENTION_OPS: AttentionOp[] = ['TreeFineAttention', 'TreeCoarseAttention'];
const MAX_DEPTH = 16;

function attentionFeeds(x: TreeAttentionArrays, dims: TreeDims): Record<string, Tensor> {
  const shapes = treeAttentionShapes(dims);
  const feeds: Record<string, Tensor> = {};
  for (const name of Object.keys(shapes) as (keyof typeof shapes)[]) {
    feeds[name] = new Tensor(name === 'mask' ? 'int64' : 'float32', x[name], shapes[name]);
  }
  return feeds;
}

/** Inputs with a cheap deep tree: only W's shape matters to the checks, so W and Wb are zeros. */
function zeroTreeFeeds(dims: TreeDims): Record<string, Tensor> {
  const { B, H, N, D, M } = dims;
  const f32 = (shape: number[]) => new Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
  return {
    Q: f32([B, H, N, D]),
    K: f32([B, H, N, D]),
    V: f32([B, H, N, D]),
    W: f32([H, M, D]),
    Wb: f32([H, M]),
    sink_k: f32([H, D]),
    sink_v: f32([H, D]),
    mask: new Tensor('int64', new BigInt64Array(B * N).fill(1n), [B, N]),
  };
}

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

async function withSession<T>(model: Uint8Array, body: (s: InferenceSession) => Promise<T>): Promise<T> {
  const { session } = await openModel(model, { device: 'cpu' });
  try {
    return await body(session);
  } finally {
    await session.release();
  }
}

// ------------------------------------------------------- allocation failures

interface ChildOutcome {
  /** The child's answer, or undefined when it died or hung before giving one. */
  answer?: { ok: boolean; error?: string };
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs allocationFailureChild.js, caps its address space at its size when
 * ready plus `headroom(vmBytes)`, and lets it run the deep-tree call. A child
 * that does not answer within `limitMs` is killed (a hang counts as a failure).
 */
async function runCappedChild(headroom: number, limitMs = 120_000): Promise<ChildOutcome> {
  const child = spawn(process.execPath, [path.join(__dirname, 'allocationFailureChild.js')], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  child.stdout.on('data', (c) => {
    stdout += c.toString();
    for (let nl = stdout.indexOf('\n'); nl >= 0; nl = stdout.indexOf('\n')) {
      lines.push(stdout.slice(0, nl));
      stdout = stdout.slice(nl + 1);
    }
    wake?.();
  });
  child.stderr.on('data', (c) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
      wake?.();
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const nextLine = async (): Promise<string | undefined> => {
    while (lines.length === 0 && !gone) await new Promise<void>((r) => (wake = r));
    return lines.shift();
  };
  try {
    const readyLine = await nextLine();
    if (readyLine === undefined) return { ...(await exited), stderr };
    const ready = JSON.parse(readyLine) as { ready: boolean; vmBytes: number };
    const limited = spawnSync('prlimit', ['--pid', String(child.pid), `--as=${ready.vmBytes + headroom}`]);
    assert.strictEqual(limited.status, 0, `prlimit failed: ${limited.stderr}`);
    child.stdin.write('go\n');
    const answerLine = await nextLine();
    const outcome = await exited;
    return { ...outcome, stderr, answer: answerLine === undefined ? undefined : JSON.parse(answerLine) };
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL');
  }
}

describe('ai.treeformer ops: a failed allocation inside the op is an error, not a crash', function () {
  this.timeout(300_000);
  before(function () {
    if (process.platform !== 'linux' || spawnSync('prlimit', ['--version']).status !== 0) this.skip();
  });

  // The child's TreeCoarseAttention call (depth 16, D = 128, B*H = 4) first
  // allocates, on the calling thread, a copy of W and the node means and
  // counts; then the per-(b, h) key and value sums in double, ~268 MB each
  // time, which used to be allocated inside the ParallelFor tasks.
  const { B, H, D, M } = CHILD_DIMS;
  const nodes = 2 * M + 1;
  const firstAllocations = H * M * D * 4 + B * H * nodes * (2 * D * 4 + 8);
  const sums = nodes * D * 16;
  const slack = 96 * 2 ** 20;
  const survived = (o: ChildOutcome) => {
    assert.ok(o.answer, `the child hung or died (code ${o.code}, signal ${o.signal}) instead of answering; stderr: ${o.stderr.slice(-2000)}`);
    assert.strictEqual(o.signal, null, `the child died of ${o.signal}; stderr: ${o.stderr.slice(-2000)}`);
    assert.strictEqual(o.code, 0, `the child exited with ${o.code}; stderr: ${o.stderr.slice(-2000)}`);
  };

  it('no room for the key sums: the run rejects with the op\'s own out-of-memory error', async () => {
    const outcome = await runCappedChild(firstAllocations + slack);
    survived(outcome);
    assert.strictEqual(outcome.answer!.ok, false, 'the run succeeded under the cap; the test no longer exercises a failed allocation');
    // The op's own message: the std::bad_alloc did not travel through ONNX Runtime's thread pool.
    assert.match(outcome.answer!.error ?? '', /TreeCoarseAttention: out of memory/);
  });

  it('room for one task\'s key sums but not two at once: the run ends (result or the op\'s error), no crash or hang', async () => {
    const outcome = await runCappedChild(firstAllocations + sums + slack);
    survived(outcome);
    if (!outcome.answer!.ok) assert.match(outcome.answer!.error ?? '', /TreeCoarseAttention: out of memory/);
  });
});

// ------------------------------------------------------- depth and memory

describe('ai.treeformer ops: tree depth and scratch memory are bounded', function () {
  this.timeout(300_000);

  const deep: TreeDims = { B: 4, H: 1, N: 8, D: 4, M: 2 ** 20 - 1 }; // W is 16 MB

  for (const op of [...ATTENTION_OPS, 'TreeRoute'] as const) {
    it(`${op} with M = 2^20 - 1 (depth 20) fails at once with an error naming the depth limit`, async () => {
      const model = op === 'TreeRoute' ? treeRouteModel() : treeAttentionModel(op, { num_global: 1 });
      await withSession(model, async (session) => {
        const feeds = zeroTreeFeeds(deep);
        const run =
          op === 'TreeRoute' ? session.run({ X: feeds.Q, W: feeds.W, Wb: feeds.Wb }) : session.run(feeds);
        const started = Date.now();
        await assert.rejects(run, (err: Error) => {
          assert.ok(err.message.includes(`${op}:`), `error does not name the op: ${err.message}`);
          assert.match(err.message, /input 'W' has M = 1048575 tree nodes \(depth 20\)/);
          assert.match(err.message, new RegExp(`the maximum tree depth is ${MAX_DEPTH} \\(M = 65535\\)`));
          return true;
        });
        assert.ok(Date.now() - started < 10_000, `refusing took ${Date.now() - started} ms`);
      });
    });
  }

  it('TreeCoarseAttention at the depth limit with many batch rows is refused by the scratch-memory estimate', async () => {
    // Node summaries alone: 64 x 131071 x 64 x 8 bytes = 4.3 GB, from 16 MB of weights.
    const dims: TreeDims = { B: 64, H: 1, N: 1, D: 64, M: 2 ** 16 - 1 };
    await withSession(treeAttentionModel('TreeCoarseAttention'), async (session) => {
      const started = Date.now();
      await assert.rejects(session.run(zeroTreeFeeds(dims)), (err: Error) => {
        assert.match(err.message, /TreeCoarseAttention: this call needs about [\d.]+ GiB of scratch memory/);
        assert.match(err.message, /over the per-call limit of 4 GiB/);
        assert.match(err.message, /B=64, H=1, N=1, D=64, tree depth 16/);
        return true;
      });
      assert.ok(Date.now() - started < 10_000, `refusing took ${Date.now() - started} ms`);
      // The session still works for a call that fits.
      const ok = await session.run(zeroTreeFeeds({ ...dims, B: 1 }));
      assert.deepStrictEqual(ok.out.dims, [1, 1, 1, 64]);
    });
  });

  for (const op of ATTENTION_OPS) {
    it(`${op} at the depth limit (M = 65535) still matches the float64 reference`, async () => {
      const dims: TreeDims = { B: 2, H: 2, N: 300, D: 8, M: 2 ** MAX_DEPTH - 1 };
      const x = randomAttentionInputs(dims, new Rng(77), { lengths: [300, 211] });
      await withSession(treeAttentionModel(op, { num_global: 2 }), async (session) => {
        const result = await session.run(attentionFeeds(x, dims));
        const expected = (op === 'TreeFineAttention' ? referenceFine : referenceCoarse)(x, dims, { numGlobal: 2 });
        const qLeaf = result.q_leaf.data as BigInt64Array;
        for (let i = 0; i < expected.qLeaf.length; i++) assert.strictEqual(Number(qLeaf[i]), expected.qLeaf[i]);
        const err = relativeError(result.out.data as Float32Array, expected.out);
        assert.ok(err <= 1e-5, `relative error ${err.toExponential(2)} > 1e-5`);
      });
    });
  }
});

// ------------------------------------------------------------- attributes

interface BadAttribute {
  name: string;
  num_global?: number | AttrValue;
  scale?: number | AttrValue;
  /** What the error must say after "<op>: ". */
  message: RegExp;
}

const BAD_ATTRIBUTES: BadAttribute[] = [
  { name: 'num_global given as a float', num_global: attr.float(2), message: /attribute 'num_global' must be an int, got a float/ },
  { name: 'num_global given as a string', num_global: attr.string('3'), message: /attribute 'num_global' must be an int, got a string/ },
  { name: 'num_global given as a list of ints', num_global: attr.ints([1, 2]), message: /attribute 'num_global' must be an int, got a list of ints/ },
  { name: 'negative num_global', num_global: -2, message: /attribute 'num_global' must be >= 0, got -2/ },
  { name: 'scale given as a string', scale: attr.string('0.125'), message: /attribute 'scale' must be a float, got a string/ },
  { name: 'scale given as an int', scale: attr.int(1), message: /attribute 'scale' must be a float, got an int/ },
  { name: 'scale given as a list of floats', scale: attr.floats([0.5, 0.25]), message: /attribute 'scale' must be a float, got a list of floats/ },
  { name: 'infinite scale', scale: Infinity, message: /attribute 'scale' must be a finite number in \(0, 1000\], got inf/ },
  { name: 'NaN scale', scale: NaN, message: /attribute 'scale' must be a finite number in \(0, 1000\], got nan/ },
  { name: 'absurd scale 1e38', scale: 1e38, message: /attribute 'scale' must be a finite number in \(0, 1000\], got 1e\+38/ },
  { name: 'zero scale', scale: 0, message: /attribute 'scale' must be a finite number in \(0, 1000\], got 0/ },
  { name: 'negative scale', scale: -0.5, message: /attribute 'scale' must be a finite number in \(0, 1000\], got -0.5/ },
];

describe('ai.treeformer ops: attributes of the wrong type or value are refused', function () {
  this.timeout(300_000);

  for (const op of ATTENTION_OPS) {
    for (const bad of BAD_ATTRIBUTES) {
      it(`${op}: ${bad.name} is refused when the session is created`, async () => {
        const model = treeAttentionModel(op, { num_global: bad.num_global, scale: bad.scale });
        await assert.rejects(openModel(model, { device: 'cpu' }), (err: Error) => {
          assert.ok(err.message.includes(`${op}: `), `error does not name the op: ${err.message}`);
          assert.match(err.message, bad.message);
          return true;
        });
      });
    }

    it(`${op}: absent attributes keep their defaults, valid ones are used`, async () => {
      const dims: TreeDims = { B: 1, H: 2, N: 50, D: 16, M: 7 };
      const x = randomAttentionInputs(dims, new Rng(11));
      const reference = op === 'TreeFineAttention' ? referenceFine : referenceCoarse;
      for (const attrs of [{}, { num_global: 3 }, { scale: 0.2 }, { num_global: 0, scale: 1000 }]) {
        await withSession(treeAttentionModel(op, attrs), async (session) => {
          const result = await session.run(attentionFeeds(x, dims));
          const expected = reference(x, dims, { numGlobal: attrs.num_global, scale: attrs.scale });
          const err = relativeError(result.out.data as Float32Array, expected.out);
          assert.ok(err <= 1e-5, `${JSON.stringify(attrs)}: relative error ${err.toExponential(2)} > 1e-5`);
        });
      }
    });
  }
});

// ------------------------------------------------------ addon typed arrays

describe('native addon: typed arrays must match the tensor element type', function () {
  this.timeout(300_000);
  const dims: TreeDims = { B: 1, H: 2, N: 16, D: 8, M: 3 };
  let route: NativeSession;
  let fine: NativeSession;
  const x = randomAttentionInputs(dims, new Rng(21));
  const routeFeeds = (): Record<string, NativeTensor> => ({
    X: { type: 'float32', dims: [1, 2, 16, 8], data: x.Q },
    W: { type: 'float32', dims: [2, 3, 8], data: x.W },
    Wb: { type: 'float32', dims: [2, 3], data: x.Wb },
  });
  const fineFeeds = (): Record<string, NativeTensor> => {
    const shapes = treeAttentionShapes(dims);
    const feeds: Record<string, NativeTensor> = {};
    for (const name of Object.keys(shapes) as (keyof typeof shapes)[]) {
      feeds[name] = { type: name === 'mask' ? 'int64' : 'float32', dims: shapes[name], data: x[name] };
    }
    return feeds;
  };

  before(async () => {
    const runtime = loadRuntime();
    route = await runtime.createSession(treeRouteModel(), 'cpu');
    fine = await runtime.createSession(treeAttentionModel('TreeFineAttention', { num_global: 1 }), 'cpu');
  });
  after(() => {
    route?.release();
    fine?.release();
  });

  const cases: { name: string; session: () => NativeSession; feeds: () => Record<string, NativeTensor>; message: RegExp }[] = [
    {
      name: 'a float32 input given an Int32Array of the same byte length',
      session: () => route,
      feeds: () => ({ ...routeFeeds(), X: { type: 'float32', dims: [1, 2, 16, 8], data: new Int32Array(x.Q.buffer) } }),
      message: /input 'X' is float32, so its data must be a Float32Array, got an Int32Array/,
    },
    {
      name: 'a float32 input given a Uint8Array of the same byte length',
      session: () => route,
      feeds: () => ({ ...routeFeeds(), Wb: { type: 'float32', dims: [2, 3], data: new Uint8Array(x.Wb.buffer) } }),
      message: /input 'Wb' is float32, so its data must be a Float32Array, got a Uint8Array/,
    },
    {
      name: 'an int64 input given a Float64Array of the same byte length',
      session: () => fine,
      feeds: () => ({ ...fineFeeds(), mask: { type: 'int64', dims: [1, 16], data: new Float64Array(16).fill(1) } }),
      message: /input 'mask' is int64, so its data must be a BigInt64Array, got a Float64Array/,
    },
    {
      name: 'an int32 input given a Float32Array',
      session: () => fine,
      feeds: () => ({ ...fineFeeds(), mask: { type: 'int32', dims: [1, 16], data: new Float32Array(16) } }),
      message: /input 'mask' is int32, so its data must be an Int32Array, got a Float32Array/,
    },
  ];

  for (const c of cases) {
    it(`${c.name} is refused with a TypeError`, async () => {
      await assert.rejects(
        async () => c.session().run(c.feeds(), []),
        (err: Error) => {
          assert.strictEqual(err.name, 'TypeError', `${err.name}: ${err.message}`);
          assert.match(err.message, c.message);
          return true;
        },
      );
    });
  }

  it('matching typed arrays still run, through the addon and through the backend', async () => {
    const direct = await route.run(routeFeeds(), ['leaf']);
    assert.ok(direct.leaf.data instanceof BigInt64Array);
    const out = await fine.run(fineFeeds(), ['out']);
    assert.ok(out.out.data instanceof Float32Array);
    await withSession(treeRouteModel(), async (session) => {
      const viaBackend = await session.run({
        X: new Tensor('float32', x.Q, [1, 2, 16, 8]),
        W: new Tensor('float32', x.W, [2, 3, 8]),
        Wb: new Tensor('float32', x.Wb, [2, 3]),
      });
      assert.deepStrictEqual(Array.from(viaBackend.leaf.data as BigInt64Array), Array.from(direct.leaf.data as BigInt64Array));
    });
  });

  it('a forged onnxruntime-common Tensor whose data is an Int32Array is refused through the backend', async () => {
    await withSession(treeRouteModel(), async (session) => {
      const X = new Tensor('float32', x.Q, [1, 2, 16, 8]);
      // Tensor checks the data kind itself, so swap the data after construction.
      Object.defineProperty(X, 'data', { value: new Int32Array(x.Q.buffer) });
      await assert.rejects(
        session.run({ X, W: new Tensor('float32', x.W, [2, 3, 8]), Wb: new Tensor('float32', x.Wb, [2, 3]) }),
        /input 'X' is float32, so its data must be a Float32Array, got an Int32Array/,
      );
    });
  });
});
