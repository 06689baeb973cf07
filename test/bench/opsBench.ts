// npm run bench:ops — TreeFineAttention and TreeCoarseAttention against exact
// dense attention (standard ONNX ops) run by the same ONNX Runtime, on the same
// random inputs and trees. Each measurement runs in its own child process so
// that its peak RSS is its own. Prints a table and one summary line:
//   ops: tf_speedup_16k=… tc_speedup_16k=… tf_flops_ratio_16k=… tf_ms_64k=… peak_rss_mb_64k=…
import { execFileSync } from 'child_process';
import * as os from 'os';
import { Tensor } from 'onnxruntime-common';
import { openModel } from '../../src/engine/runtime';
import { denseAttentionModel, treeAttentionModel } from '../support/onnxModel';
import {
  coarseAttentionFlops,
  denseAttentionFlops,
  fineAttentionFlops,
  randomAttentionInputs,
  Rng,
  treeAttentionShapes,
  TreeDims,
} from '../support/treeReference';

const H = 4;
const D = 32;
const LEAF_TARGET = 64; // keys per leaf the tree depth is chosen for
const SIZES = [1024, 4096, 16384, 65536];
const WARMUP = 2;
const RUNS = 7;
/** Dense runs one head at a time; it is skipped when that head's N×N scores and probabilities do not fit here. */
const DENSE_MEMORY_BUDGET = 0.6 * os.totalmem();

type Kind = 'tf' | 'tc' | 'dense';

interface Measurement {
  kind: Kind;
  n: number;
  threads: number;
  medianMs: number;
  flops: number;
  peakRssMb: number;
  leaves: number;
  maxLeaf: number;
}

const depthFor = (n: number) => Math.max(1, Math.round(Math.log2(n / LEAF_TARGET)));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const denseBytes = (n: number) => 3 * n * n * 4; // scores, scaled scores, probabilities of one head

async function timeRuns(run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

/** One measurement, in this (child) process. */
async function measure(kind: Kind, n: number, threads: number): Promise<Measurement> {
  const dims: TreeDims = { B: 1, H, N: n, D, M: 2 ** depthFor(n) - 1 };
  const x = randomAttentionInputs(dims, new Rng(n)); // same inputs and trees for every kind at this N
  const shapes = treeAttentionShapes(dims);
  const scale = 1 / Math.sqrt(D);
  let flops = 0;
  let leaves = 0;
  let maxLeaf = 0;
  let medianMs: number;

  if (kind === 'dense') {
    const { session } = await openModel(denseAttentionModel({ scale }), { device: 'cpu', intraOpThreads: threads });
    const headSize = n * D;
    const perHead = Array.from({ length: H }, (_, h) => ({
      Q: new Tensor('float32', x.Q.subarray(h * headSize, (h + 1) * headSize), [1, 1, n, D]),
      K: new Tensor('float32', x.K.subarray(h * headSize, (h + 1) * headSize), [1, 1, n, D]),
      V: new Tensor('float32', x.V.subarray(h * headSize, (h + 1) * headSize), [1, 1, n, D]),
    }));
    medianMs = await timeRuns(async () => {
      for (const feeds of perHead) await session.run(feeds);
    });
    flops = denseAttentionFlops({ B: 1, H, N: n, D });
    await session.release();
  } else {
    const op = kind === 'tf' ? 'TreeFineAttention' : 'TreeCoarseAttention';
    const { session } = await openModel(treeAttentionModel(op, { scale }), { device: 'cpu', intraOpThreads: threads });
    const feeds: Record<string, Tensor> = {};
    for (const name of Object.keys(shapes) as (keyof typeof shapes)[]) {
      feeds[name] = new Tensor(name === 'mask' ? 'int64' : 'float32', x[name], shapes[name]);
    }
    const out = await session.run(feeds);
    const qLeaf = Int32Array.from(out.q_leaf.data as BigInt64Array, Number);
    const kLeaf = Int32Array.from(out.k_leaf.data as BigInt64Array, Number);
    flops = kind === 'tf' ? fineAttentionFlops(qLeaf, kLeaf, dims) : coarseAttentionFlops(qLeaf, kLeaf, dims);
    const occupancy = new Map<number, number>();
    for (let i = 0; i < kLeaf.length; i++) {
      const key = Math.floor(i / n) * (dims.M + 1) + kLeaf[i];
      occupancy.set(key, (occupancy.get(key) ?? 0) + 1);
    }
    leaves = dims.M + 1;
    maxLeaf = Math.max(...occupancy.values());
    medianMs = await timeRuns(() => session.run(feeds));
    await session.release();
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  return { kind, n, threads, medianMs, flops, peakRssMb, leaves, maxLeaf };
}

function measureInChild(kind: Kind, n: number, threads = 0): Measurement {
  const stdout = execFileSync(process.execPath, [__filename, '--child', kind, String(n), String(threads)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Measurement;
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const gflop = (f: number) => (f / 1e9).toFixed(3);

function main(): void {
  console.log(`bench:ops — H=${H} D=${D} B=1, leaf target ${LEAF_TARGET} keys, median of ${RUNS} runs after ${WARMUP} warm-up, ${os.cpus().length} cores`);
  console.log('dense = exact softmax(QKᵀ/√D)V with ONNX MatMul/Softmax in the same ONNX Runtime, one head per run (4 runs per sample)\n');
  const header = ['N', 'depth', 'kind', 'median ms', 'dense/this time', 'attn GFLOP', 'dense/this FLOPs', 'peak RSS MB', 'max keys/leaf'];
  const rows: string[][] = [header];
  const results = new Map<string, Measurement>();
  for (const n of SIZES) {
    const tf = measureInChild('tf', n);
    const tc = measureInChild('tc', n);
    results.set(`tf${n}`, tf);
    results.set(`tc${n}`, tc);
    let dense: Measurement | undefined;
    if (denseBytes(n) <= DENSE_MEMORY_BUDGET) {
      dense = measureInChild('dense', n);
      results.set(`dense${n}`, dense);
    }
    const denseFlops = denseAttentionFlops({ B: 1, H, N: n, D });
    const depth = String(depthFor(n));
    if (dense) {
      rows.push([String(n), depth, 'dense', fmt(dense.medianMs), '1.0', gflop(dense.flops), '1.0', fmt(dense.peakRssMb, 0), '-']);
    } else {
      rows.push([String(n), depth, 'dense', `skipped (needs ${(denseBytes(n) / 2 ** 30).toFixed(0)} GB)`, '-', gflop(denseFlops), '1.0', '-', '-']);
    }
    for (const m of [tf, tc]) {
      rows.push([
        String(n), depth, m.kind.toUpperCase(), fmt(m.medianMs, 2),
        dense ? fmt(dense.medianMs / m.medianMs) : '-', gflop(m.flops), fmt(denseFlops / m.flops), fmt(m.peakRssMb, 0),
        String(m.maxLeaf),
      ]);
    }
  }
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c])).join('  '));

  // The CPU kernel spreads its work over ORT's intra-op threads: one thread vs all.
  const oneThread = measureInChild('tf', 16384, 1);
  const tf16 = results.get('tf16384')!;
  console.log(`\nTF at N=16384: ${fmt(oneThread.medianMs, 2)} ms on 1 thread, ${fmt(tf16.medianMs, 2)} ms on all cores (${fmt(oneThread.medianMs / tf16.medianMs, 2)}x)`);

  const dense16 = results.get('dense16384');
  const tc16 = results.get('tc16384')!;
  const tf64 = results.get('tf65536')!;
  const denseFlops16 = denseAttentionFlops({ B: 1, H, N: 16384, D });
  console.log(
    `ops: tf_speedup_16k=${dense16 ? fmt(dense16.medianMs / tf16.medianMs) : 'n/a'} ` +
      `tc_speedup_16k=${dense16 ? fmt(dense16.medianMs / tc16.medianMs) : 'n/a'} ` +
      `tf_flops_ratio_16k=${fmt(denseFlops16 / tf16.flops)} tf_ms_64k=${fmt(tf64.medianMs, 2)} ` +
      `peak_rss_mb_64k=${fmt(tf64.peakRssMb, 0)}`,
  );
}

if (process.argv[2] === '--child') {
  const [kind, n, threads] = process.argv.slice(3);
  measure(kind as Kind, Number(n), Number(threads)).then(
    (m) => console.log(JSON.stringify(m)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  main();
}
