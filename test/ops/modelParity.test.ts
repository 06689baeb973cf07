// PyTorch vs the exported ONNX model run by the project's native backend:
// models/treeformer/parity_dump.py exports untrained tiny models (every
// attention kind) with fixed inputs and PyTorch's outputs; here each model
// runs through openModel() and must agree (logits within the tolerance, leaf
// ids identical).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor } from 'onnxruntime-common';
import { openModel } from '../../src/engine/runtime';

interface Dumped {
  shape: number[];
  data: number[];
}

interface ParityCase {
  name: string;
  model: string;
  inputs: Record<string, Dumped>;
  expected: Record<string, Dumped>;
}

const PYTHON = '/usr/bin/python3';
const REPO = path.resolve(__dirname, '..', '..', '..');

describe('model parity: PyTorch vs the ONNX export on the native backend', function () {
  this.timeout(300_000);
  let dir: string;
  let manifest: { tolerance: number; cases: ParityCase[] };

  before(function () {
    if (!fs.existsSync(PYTHON)) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-parity-'));
    execFileSync(PYTHON, ['-m', 'models.treeformer.parity_dump', '--out', dir], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' },
    });
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('every exported attention kind matches PyTorch', async () => {
    assert.ok(manifest.cases.length >= 5, 'expected a case per attention kind');
    for (const c of manifest.cases) {
      const { session } = await openModel(path.join(dir, c.model), { device: 'cpu' });
      try {
        const feeds: Record<string, Tensor> = {};
        for (const [name, t] of Object.entries(c.inputs)) {
          feeds[name] = new Tensor('int64', BigInt64Array.from(t.data, (x) => BigInt(x)), t.shape);
        }
        const out = await session.run(feeds);
        for (const [name, want] of Object.entries(c.expected)) {
          const got = out[name];
          assert.ok(got, `${c.name}: output ${name} missing`);
          assert.deepStrictEqual([...got.dims], want.shape, `${c.name}: ${name} shape`);
          if (name === 'leaf_ids') {
            const leaves = Array.from(got.data as BigInt64Array, Number);
            assert.deepStrictEqual(leaves, want.data, `${c.name}: leaf ids differ`);
          } else {
            const values = got.data as Float32Array;
            let worst = 0;
            for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(values[i] - want.data[i]));
            assert.ok(worst <= manifest.tolerance, `${c.name}: ${name} differs by ${worst.toExponential(2)}`);
          }
        }
      } finally {
        await session.release();
      }
    }
  });
});
