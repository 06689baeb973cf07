// Loading the native runtime and models: every failure says what went wrong.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor } from 'onnxruntime-common';
import { loadRuntime, ModelLoadError, openModel } from '../../src/engine/runtime';
import { ADDON_FILE, NativeRuntime, NativeRuntimeError, OPS_LIBRARY_FILE, ORT_LIBRARY_FILE } from '../../src/engine/runtime/native';
import { GraphBuilder, TensorType, treeRouteModel } from '../support/onnxModel';

describe('native runtime loading', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-native-'));
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('names the missing file when the native folder is empty', () => {
    assert.throws(
      () => NativeRuntime.load(scratch),
      (err: NativeRuntimeError) => err.reason === 'missing' && err.message.includes(ADDON_FILE) && err.message.includes('npm run build:native'),
    );
  });

  it('reports an addon that is not a loadable library', () => {
    for (const file of [ADDON_FILE, OPS_LIBRARY_FILE, ORT_LIBRARY_FILE]) fs.writeFileSync(path.join(scratch, file), 'not an ELF file');
    assert.throws(
      () => NativeRuntime.load(scratch),
      (err: NativeRuntimeError) => err.reason === 'load-failed' && /failed to load/.test(err.message),
    );
  });

  it('loads the built runtime and lists the CPU provider', () => {
    const runtime = loadRuntime();
    assert.match(runtime.ortVersion, /^1\.\d+\.\d+/);
    assert.ok(runtime.providers.includes('CPUExecutionProvider'));
  });
});

describe('opening models', () => {
  it('a missing model file', async () => {
    await assert.rejects(openModel(path.join(os.tmpdir(), 'no-such-model.onnx')), (err: Error) => {
      assert.ok(err instanceof ModelLoadError);
      assert.match(err.message, /model file not found/);
      return true;
    });
  });

  it('a corrupt model', async () => {
    const bytes = treeRouteModel().slice(0, 40);
    await assert.rejects(openModel(bytes, { device: 'cpu' }), (err: Error) => err instanceof ModelLoadError && /cannot open/.test(err.message));
  });

  it('an empty model buffer', async () => {
    await assert.rejects(openModel(new Uint8Array(0), { device: 'cpu' }), /empty|cannot open/);
  });

  it("device 'cuda' without ONNX Runtime's CUDA provider is a clear error, 'auto' falls back to the CPU", async function () {
    if (loadRuntime().cudaAvailable) this.skip();
    await assert.rejects(openModel(treeRouteModel(), { device: 'cuda' }), /CUDA execution provider is not installed/);
    const opened = await openModel(treeRouteModel(), { device: 'auto' });
    assert.strictEqual(opened.device, 'cpu');
    await opened.session.release();
  });

  it('exposes input and output metadata and runs with ordinary Tensors', async () => {
    const { session } = await openModel(treeRouteModel(), { device: 'cpu' });
    assert.deepStrictEqual(session.inputNames, ['X', 'W', 'Wb']);
    assert.deepStrictEqual(session.outputNames, ['leaf']);
    // One vector, depth-1 tree with w = (1, 0): x = (-1, 5) goes right (leaf 1).
    const feeds = {
      X: new Tensor('float32', new Float32Array([-1, 5]), [1, 1, 1, 2]),
      W: new Tensor('float32', new Float32Array([1, 0]), [1, 1, 2]),
      Wb: new Tensor('float32', new Float32Array([0]), [1, 1]),
    };
    const out = await session.run(feeds);
    assert.deepStrictEqual(Array.from(out.leaf.data as BigInt64Array), [1n]);
    await session.release();
    await assert.rejects(session.run(feeds), /released/);
  });

  // The addon reads feeds in place and hands outputs over without a copy where
  // it can; neither may let one run's tensors show through another's.
  it('reads subarray feeds at their offset, and outputs stay independent of the feeds and of later runs', async () => {
    // A graph output that is a graph input: ORT returns the feed's own tensor.
    const g = new GraphBuilder('passthrough_and_neg');
    g.input('x', TensorType.FLOAT, ['n']);
    g.node('Neg', ['x'], ['neg']);
    g.output('x', TensorType.FLOAT, ['n']);
    g.output('neg', TensorType.FLOAT, ['n']);
    const { session } = await openModel(g.toModel({ opsets: { '': 17 } }), { device: 'cpu' });
    const backing = new Float32Array([9, 1, 2, 3, 9]);
    const first = await session.run({ x: new Tensor('float32', backing.subarray(1, 4), [3]) });
    assert.deepStrictEqual(Array.from(first.x.data as Float32Array), [1, 2, 3]);
    assert.deepStrictEqual(Array.from(first.neg.data as Float32Array), [-1, -2, -3]);
    backing.fill(7); // the feed changes after its run: the outputs must not
    const second = await session.run({ x: new Tensor('float32', new Float32Array([4, 5, 6]), [3]) });
    assert.deepStrictEqual(Array.from(first.x.data as Float32Array), [1, 2, 3]);
    assert.deepStrictEqual(Array.from(first.neg.data as Float32Array), [-1, -2, -3]);
    assert.deepStrictEqual(Array.from(second.neg.data as Float32Array), [-4, -5, -6]);
    await session.release();
    // Outputs outlive their session.
    assert.deepStrictEqual(Array.from(second.x.data as Float32Array), [4, 5, 6]);
  });

  it('writes preallocated outputs in place, and refuses ones of the wrong shape or that share memory with an input', async () => {
    const g = new GraphBuilder('neg');
    g.input('x', TensorType.FLOAT, ['n']);
    g.node('Neg', ['x'], ['neg']);
    g.output('neg', TensorType.FLOAT, ['n']);
    const { session } = await openModel(g.toModel({ opsets: { '': 17 } }), { device: 'cpu' });
    const x = new Float32Array([1, 2, 3]);
    const out = new Tensor('float32', new Float32Array(3), [3]);
    for (const scale of [1, 10]) {
      const result = await session.run({ x: new Tensor('float32', x.map((v) => v * scale), [3]) }, { neg: out });
      assert.strictEqual(result.neg, out);
      assert.deepStrictEqual(Array.from(out.data as Float32Array), [-1, -2, -3].map((v) => v * scale));
    }
    await assert.rejects(
      session.run({ x: new Tensor('float32', x, [3]) }, { neg: new Tensor('float32', new Float32Array(2), [2]) }),
      /shape|dimension/i,
    );
    await assert.rejects(session.run({ x: new Tensor('float32', x, [3]) }, { neg: new Tensor('float32', x, [3]) }), /shares memory/);
    await session.release();
  });
});
