// The JS fuzzer's harness (opsFuzz.ts): a short clean run finds nothing, and a
// case that kills its child is counted as a crash while the run goes on.
import * as assert from 'assert';
import { fuzz } from './opsFuzz';

describe('ops fuzzer harness', function () {
  this.timeout(120000);

  it('runs cases in children and finds no crash in a short run', async () => {
    const f = await fuzz(120, 7, 50);
    assert.deepStrictEqual(f, { inputs: 120, crashes: [], hangs: [] });
  });

  it('counts a child that dies as a crash of its case, and runs the rest', async () => {
    const f = await fuzz(60, 7, 50, 17);
    assert.deepStrictEqual(f.crashes, [17]);
    assert.strictEqual(f.inputs, 60);
  });
});
