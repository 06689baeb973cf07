// Child process of opGuards.test.ts ("an allocation that fails inside the op").
// It opens a TreeCoarseAttention session on a deep tree, warms it up, then
// reports its address-space size and waits: the parent caps the address space
// just above what the run's first allocations need (prlimit --as) and writes
// "go". The run must then fail with an ONNX Runtime error; before the op
// library caught exceptions inside ParallelFor tasks, a std::bad_alloc thrown
// on one of ORT's pool threads killed the whole process instead.
//
// Protocol on stdout, one JSON object a line: {"ready": true, "vmBytes": n},
// then {"ok": true} or {"ok": false, "error": message}.
import * as fs from 'fs';
import { Tensor } from 'onnxruntime-common';
import { openModel } from '../../src/engine/runtime';
import { treeAttentionModel } from '../support/onnxModel';
import { randomAttentionInputs, Rng, treeAttentionShapes, TreeDims } from '../support/treeReference';

/** Sizes shared with the parent, which derives the address-space cap from them. */
export const CHILD_DIMS: TreeDims = { B: 4, H: 1, N: 16, D: 128, M: 2 ** 16 - 1 };

function feedsFor(dims: TreeDims, seed: number): Record<string, Tensor> {
  const x = randomAttentionInputs(dims, new Rng(seed));
  const shapes = treeAttentionShapes(dims);
  const feeds: Record<string, Tensor> = {};
  for (const name of Object.keys(shapes) as (keyof typeof shapes)[]) {
    feeds[name] = new Tensor(name === 'mask' ? 'int64' : 'float32', x[name], shapes[name]);
  }
  return feeds;
}

function vmBytes(): number {
  const match = /^VmSize:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (!match) throw new Error('no VmSize in /proc/self/status');
  return Number(match[1]) * 1024;
}

async function main(): Promise<void> {
  const { session } = await openModel(treeAttentionModel('TreeCoarseAttention', { num_global: 1 }), {
    device: 'cpu',
    intraOpThreads: 2, // a pool thread besides the calling one, whatever the machine
  });
  // Warm-up on one batch row: thread pools, malloc arenas and allocator pools exist afterwards.
  await session.run(feedsFor({ ...CHILD_DIMS, B: 1 }, 1));
  const feeds = feedsFor(CHILD_DIMS, 2);
  const line = await new Promise<string>((resolve) => {
    let buffered = '';
    process.stdin.on('data', (chunk) => {
      buffered += chunk.toString();
      if (buffered.includes('\n')) resolve(buffered);
    });
    process.stdout.write(JSON.stringify({ ready: true, vmBytes: vmBytes() }) + '\n');
  });
  if (!line.startsWith('go')) throw new Error(`unexpected command ${line}`);
  try {
    await session.run(feeds);
    process.stdout.write(JSON.stringify({ ok: true }) + '\n');
  } catch (err) {
    process.stdout.write(JSON.stringify({ ok: false, error: err instanceof Error ? err.message : String(err) }) + '\n');
  }
  process.exit(0);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`child failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(3);
  });
}
