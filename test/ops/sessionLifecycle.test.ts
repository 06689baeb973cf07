// Creating and releasing sessions must not leak: the extension host opens a
// session per model load and lives for days.
import * as assert from 'assert';
import { Tensor } from 'onnxruntime-common';
import { openModel } from '../../src/engine/runtime';
import { treeAttentionModel } from '../support/onnxModel';
import { randomAttentionInputs, Rng, treeAttentionShapes, TreeDims } from '../support/treeReference';

describe('session lifecycle', function () {
  this.timeout(600_000);

  it('200 create/run/release cycles grow RSS by less than 50 MB', async () => {
    const model = treeAttentionModel('TreeFineAttention', { num_global: 1 });
    const dims: TreeDims = { B: 1, H: 2, N: 256, D: 16, M: 15 };
    const x = randomAttentionInputs(dims, new Rng(3));
    const shapes = treeAttentionShapes(dims);
    const feeds = Object.fromEntries(
      Object.entries(shapes).map(([name, shape]) => [
        name,
        new Tensor(name === 'mask' ? 'int64' : 'float32', x[name as keyof typeof shapes], shape),
      ]),
    );
    const cycle = async () => {
      const { session } = await openModel(model, { device: 'cpu' });
      const out = await session.run(feeds);
      assert.strictEqual((out.out.data as Float32Array).length, 1 * 2 * 256 * 16);
      await session.release();
    };
    for (let i = 0; i < 20; i++) await cycle(); // warm-up: allocator pools, thread pools
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 200; i++) await cycle();
    const growthMb = (process.memoryUsage().rss - before) / 2 ** 20;
    assert.ok(growthMb < 50, `RSS grew by ${growthMb.toFixed(1)} MB over 200 cycles`);
  });
});
