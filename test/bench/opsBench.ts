// npm run bench:ops — TreeFineAttention and TreeCoarseAttention against exact
// dense attention run by the same ONNX Runtime, on the same random inputs and
// trees, and against this machine's floor. Each measurement runs in its own
// child process so that its peak RSS is its own.
//
// Dense is the faster of two exact attentions, measured at every N:
//   matmul — softmax(QKᵀ/√D)V from ONNX MatMul/Softmax, one head per run
//            (skipped where one head's N×N scores cannot fit in memory);
//   mha    — ONNX Runtime's fused com.microsoft MultiHeadAttention, all heads
//            in one run, O(N) memory.
// A small case checks that the two compute the same function.
//
// The floor of a tree op is max(copy time, its attention FLOPs / MatMul GFLOP/s):
//   copy   — the faster of a memcpy moving as many bytes (read + written) as
//            Q, K, V and O hold, and an ORT Sum(Q, K, V) → O;
//   GFLOP/s — the best of two MatMul graphs in the same runtime.
//
// Prints a table and, as its last line:
//   ops: tf_speedup_16k=… tf_speedup_64k=… tf_floor_ratio_16k=… tc_speedup_16k=…
//        tf_flops_ratio_16k=… tf_ms_64k=… peak_rss_mb_64k=… dense=<mha|matmul>
import * as os from 'os';
import { InferenceSession, Tensor } from 'onnxruntime-common';
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
import { runInChild, serveChild } from './childRun';
import { bhndToBnhd, bnhdToBhnd, matMulModel, multiHeadAttentionModel, sumModel } from './denseModels';

const H = 4;
const D = 32;
const LEAF_TARGET = 64; // keys per leaf the tree depth is chosen for
const SIZES = [1024, 4096, 16384, 65536];
const WARMUP = 2;
const RUNS = 7;
/** A run slower than this gets one warm-up and SLOW_RUNS timed runs, so the bench stays within minutes. */
const SLOW_MS = 2000;
const SLOW_RUNS = 3;
/** A first run slower than this is the only sample. */
const ONCE_MS = 15000;
/** The MatMul/Softmax graph runs one head at a time; it is skipped when that head's N×N scores and probabilities do not fit here. */
const DENSE_MEMORY_BUDGET = 0.6 * os.totalmem();
/** Size of the MatMul/MultiHeadAttention agreement check. */
const CHECK_N = 512;
/** MatMul shapes [m, k, n] for GFLOP/s: dense attention's QKᵀ and PV of one head at N=4096, and square ones. */
const GEMM_SHAPES: [number, number, number][] = [
  [4096, D, 4096],
  [4096, 4096, D],
  [1024, 1024, 1024],
  [2048, 2048, 2048],
];

type Kind = 'tf' | 'tc' | 'matmul' | 'mha' | 'copy' | 'gemm' | 'check';

interface Measurement {
  kind: Kind;
  n: number;
  threads: number;
  medianMs: number;
  runs: number;
  flops: number;
  peakRssMb: number;
  leaves: number;
  maxLeaf: number;
  /** copy: memcpy and ORT Sum times. gemm: GFLOP/s per shape. check: max |diff| and max |out|. */
  extra: Record<string, number>;
}

const depthFor = (n: number) => Math.max(1, Math.round(Math.log2(n / LEAF_TARGET)));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const denseBytes = (n: number) => 3 * n * n * 4; // scores, scaled scores, probabilities of one head
/** Bytes of Q, K, V and O at N. */
const qkvoBytes = (n: number) => 4 * H * n * D * 4;
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

async function timeRuns(run: () => Promise<unknown> | unknown): Promise<{ ms: number; runs: number }> {
  let start = nowMs();
  await run();
  const first = nowMs() - start;
  // A run this long is its own sample: its first-run costs (arena growth, thread start) are a tiny part of it.
  if (first > ONCE_MS) return { ms: first, runs: 1 };
  const slow = first > SLOW_MS;
  for (let i = 1; i < (slow ? 1 : WARMUP); i++) await run();
  const runs = slow ? SLOW_RUNS : RUNS;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    start = nowMs();
    await run();
    times.push(nowMs() - start);
  }
  return { ms: median(times), runs };
}

/**
 * A timed run that writes into the outputs of a first, untimed run (ORT's
 * preallocated outputs): every kind, tree or dense, is timed without fresh
 * output memory to fault in, as a caller reading many inputs would run it.
 */
async function runReusingOutputs(session: InferenceSession, feeds: InferenceSession.FeedsType) {
  const outputs = await session.run(feeds);
  return { outputs, run: () => session.run(feeds, outputs) };
}

/** The per-N dims and inputs every kind shares (same seed, so the same Q, K, V and trees). */
function inputsAt(n: number) {
  const dims: TreeDims = { B: 1, H, N: n, D, M: 2 ** depthFor(n) - 1 };
  return { dims, x: randomAttentionInputs(dims, new Rng(n)) };
}

/** One measurement, in this (child) process. */
async function measure(kind: Kind, n: number, threads: number): Promise<Measurement> {
  const scale = 1 / Math.sqrt(D);
  const cpu = { device: 'cpu' as const, intraOpThreads: threads };
  const m: Measurement = { kind, n, threads, medianMs: NaN, runs: 0, flops: 0, peakRssMb: 0, leaves: 0, maxLeaf: 0, extra: {} };
  const take = (t: { ms: number; runs: number }) => {
    m.medianMs = t.ms;
    m.runs = t.runs;
  };

  if (kind === 'matmul') {
    const { x } = inputsAt(n);
    const { session } = await openModel(denseAttentionModel({ scale }), cpu);
    const headSize = n * D;
    const perHead = Array.from({ length: H }, (_, h) => ({
      Q: new Tensor('float32', x.Q.subarray(h * headSize, (h + 1) * headSize), [1, 1, n, D]),
      K: new Tensor('float32', x.K.subarray(h * headSize, (h + 1) * headSize), [1, 1, n, D]),
      V: new Tensor('float32', x.V.subarray(h * headSize, (h + 1) * headSize), [1, 1, n, D]),
    }));
    const runs = await Promise.all(perHead.map((feeds) => runReusingOutputs(session, feeds)));
    take(
      await timeRuns(async () => {
        for (const r of runs) await r.run();
      }),
    );
    m.flops = denseAttentionFlops({ B: 1, H, N: n, D });
    await session.release();
  } else if (kind === 'mha') {
    const { x } = inputsAt(n);
    const { session } = await openModel(multiHeadAttentionModel({ numHeads: H, scale }), cpu);
    const feeds = {
      query: new Tensor('float32', bhndToBnhd(x.Q, 1, H, n, D), [1, n, H * D]),
      key: new Tensor('float32', bhndToBnhd(x.K, 1, H, n, D), [1, n, H * D]),
      value: new Tensor('float32', bhndToBnhd(x.V, 1, H, n, D), [1, n, H * D]),
    };
    take(await timeRuns((await runReusingOutputs(session, feeds)).run));
    m.flops = denseAttentionFlops({ B: 1, H, N: n, D });
    await session.release();
  } else if (kind === 'check') {
    // Same function? Both dense attentions on one small input, all heads at once.
    const { x } = inputsAt(n);
    const dense = await openModel(denseAttentionModel({ scale }), cpu);
    const mha = await openModel(multiHeadAttentionModel({ numHeads: H, scale }), cpu);
    const shape = [1, H, n, D];
    const a = (
      await dense.session.run({
        Q: new Tensor('float32', x.Q, shape),
        K: new Tensor('float32', x.K, shape),
        V: new Tensor('float32', x.V, shape),
      })
    ).out.data as Float32Array;
    const mhaOut = (
      await mha.session.run({
        query: new Tensor('float32', bhndToBnhd(x.Q, 1, H, n, D), [1, n, H * D]),
        key: new Tensor('float32', bhndToBnhd(x.K, 1, H, n, D), [1, n, H * D]),
        value: new Tensor('float32', bhndToBnhd(x.V, 1, H, n, D), [1, n, H * D]),
      })
    ).out.data as Float32Array;
    const b = bnhdToBhnd(mhaOut, 1, H, n, D);
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      maxAbs = Math.max(maxAbs, Math.abs(a[i]));
    }
    m.extra = { maxAbsDiff: a.length === b.length ? maxDiff : NaN, maxAbsOut: maxAbs };
    await dense.session.release();
    await mha.session.release();
  } else if (kind === 'copy') {
    // (i) memcpy of half the Q+K+V+O bytes: it reads and writes as many bytes as the op must.
    const floats = qkvoBytes(n) / 4 / 2;
    const src = new Float32Array(floats).fill(1);
    const dst = new Float32Array(floats);
    const memcpy = await timeRuns(() => dst.set(src));
    // (ii) ORT Sum(Q, K, V) → O: reads Q, K, V once and writes O once, feeds and fetches included.
    const { session } = await openModel(sumModel(), cpu);
    const shape = [1, H, n, D];
    const feeds = {
      Q: new Tensor('float32', new Float32Array(H * n * D).fill(1), shape),
      K: new Tensor('float32', new Float32Array(H * n * D).fill(2), shape),
      V: new Tensor('float32', new Float32Array(H * n * D).fill(3), shape),
    };
    const sum = await timeRuns((await runReusingOutputs(session, feeds)).run);
    await session.release();
    take(memcpy.ms <= sum.ms ? memcpy : sum);
    m.extra = { memcpyMs: memcpy.ms, sumMs: sum.ms };
  } else if (kind === 'gemm') {
    const { session } = await openModel(matMulModel(), cpu);
    const rng = new Rng(7);
    let best = 0;
    for (const [rows, inner, cols] of GEMM_SHAPES) {
      const feeds = {
        A: new Tensor('float32', rng.normalArray(rows * inner), [rows, inner]),
        B: new Tensor('float32', rng.normalArray(inner * cols), [inner, cols]),
      };
      const t = await timeRuns((await runReusingOutputs(session, feeds)).run);
      const gflops = (2 * rows * inner * cols) / (t.ms * 1e6);
      m.extra[`${rows}x${inner}x${cols}`] = gflops;
      best = Math.max(best, gflops);
    }
    m.extra.best = best;
    await session.release();
  } else {
    const { dims, x } = inputsAt(n);
    const shapes = treeAttentionShapes(dims);
    const op = kind === 'tf' ? 'TreeFineAttention' : 'TreeCoarseAttention';
    const { session } = await openModel(treeAttentionModel(op, { scale }), cpu);
    const feeds: Record<string, Tensor> = {};
    for (const name of Object.keys(shapes) as (keyof typeof shapes)[]) {
      feeds[name] = new Tensor(name === 'mask' ? 'int64' : 'float32', x[name], shapes[name]);
    }
    const { outputs: out, run } = await runReusingOutputs(session, feeds);
    const qLeaf = Int32Array.from(out.q_leaf.data as BigInt64Array, Number);
    const kLeaf = Int32Array.from(out.k_leaf.data as BigInt64Array, Number);
    m.flops = kind === 'tf' ? fineAttentionFlops(qLeaf, kLeaf, dims) : coarseAttentionFlops(qLeaf, kLeaf, dims);
    const occupancy = new Map<number, number>();
    for (let i = 0; i < kLeaf.length; i++) {
      const key = Math.floor(i / n) * (dims.M + 1) + kLeaf[i];
      occupancy.set(key, (occupancy.get(key) ?? 0) + 1);
    }
    m.leaves = dims.M + 1;
    m.maxLeaf = Math.max(...occupancy.values());
    take(await timeRuns(run));
    await session.release();
  }
  m.peakRssMb = process.resourceUsage().maxRSS / 1024;
  return m;
}

function measureInChild(kind: Kind, n: number, threads = 0): Measurement {
  return runInChild<Measurement>(__filename, [kind, String(n), String(threads)]);
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const gflop = (f: number) => (f / 1e9).toFixed(3);
const gb = (bytes: number) => (bytes / 2 ** 30).toFixed(0);

function main(): void {
  const started = nowMs();
  const totalGb = os.totalmem() / 2 ** 30;
  console.log(
    `bench:ops — H=${H} D=${D} B=1, leaf target ${LEAF_TARGET} keys, median of ${RUNS} runs after ${WARMUP} warm-up ` +
      `(${SLOW_RUNS} after 1 when a run takes over ${SLOW_MS / 1000} s, the first run alone when it takes over ${ONCE_MS / 1000} s), ${os.cpus().length} cores, ${totalGb.toFixed(0)} GB`,
  );
  console.log('matmul = exact softmax(QKᵀ/√D)V from ONNX MatMul/Softmax, one head per run (4 runs per sample)');
  console.log('mha    = exact attention by ORT com.microsoft MultiHeadAttention, all heads in one run');
  console.log('dense  = the faster of the two at each N; "dense/this" columns divide by it');
  console.log('floor  = max(copy of Q,K,V,O bytes, attention FLOPs / best MatMul GFLOP/s)\n');

  // Machine floor, part 1: MatMul GFLOP/s (once), and the dense/dense agreement check.
  const gemm = measureInChild('gemm', 0);
  const gflops = gemm.extra.best;
  const check = measureInChild('check', CHECK_N);

  const header = ['N', 'depth', 'kind', 'median ms', 'runs', 'dense/this time', 'attn GFLOP', 'dense/this FLOPs', 'floor ms', 'this/floor', 'peak RSS MB', 'max keys/leaf'];
  const rows: string[][] = [header];
  const copyLines: string[] = [];
  const results = new Map<string, Measurement>();
  const denseKind = new Map<number, 'mha' | 'matmul'>();
  for (const n of SIZES) {
    const tf = measureInChild('tf', n);
    const tc = measureInChild('tc', n);
    const mha = measureInChild('mha', n);
    const matmul = denseBytes(n) <= DENSE_MEMORY_BUDGET ? measureInChild('matmul', n) : undefined;
    const copy = measureInChild('copy', n);
    for (const m of [tf, tc, mha, matmul, copy]) if (m) results.set(`${m.kind}${n}`, m);
    const dense = matmul && matmul.medianMs < mha.medianMs ? matmul : mha;
    denseKind.set(n, dense.kind as 'mha' | 'matmul');
    const denseFlops = denseAttentionFlops({ B: 1, H, N: n, D });
    const floorMs = (flops: number) => Math.max(copy.medianMs, flops / (gflops * 1e6));
    const depth = String(depthFor(n));
    copyLines.push(
      `  N=${String(n).padStart(5)}: ${(qkvoBytes(n) / 1e6).toFixed(1)} MB of Q,K,V,O — memcpy ${fmt(copy.extra.memcpyMs, 3)} ms ` +
        `(${fmt(qkvoBytes(n) / (copy.extra.memcpyMs * 1e6))} GB/s read+written), ORT Sum(Q,K,V)→O ${fmt(copy.extra.sumMs, 3)} ms ` +
        `(${fmt(qkvoBytes(n) / (copy.extra.sumMs * 1e6))} GB/s); copy floor ${fmt(copy.medianMs, 3)} ms`,
    );
    const denseRow = (m: Measurement | undefined, kind: 'matmul' | 'mha') => {
      const label = m === dense ? `${kind} (dense)` : kind;
      if (!m) {
        rows.push([String(n), depth, label, `skipped: N×N scores need ${gb(denseBytes(n))} GB > ${gb(DENSE_MEMORY_BUDGET)} GB budget`, '-', '-', gflop(denseFlops), '1.0', fmt(floorMs(denseFlops), 2), '-', '-', '-']);
        return;
      }
      rows.push([
        String(n), depth, label, fmt(m.medianMs, 2), String(m.runs), fmt(dense.medianMs / m.medianMs, 2), gflop(m.flops), '1.0',
        fmt(floorMs(m.flops), 2), fmt(m.medianMs / floorMs(m.flops)), fmt(m.peakRssMb, 0), '-',
      ]);
    };
    denseRow(matmul, 'matmul');
    denseRow(mha, 'mha');
    for (const m of [tf, tc]) {
      rows.push([
        String(n), depth, m.kind.toUpperCase(), fmt(m.medianMs, 2), String(m.runs), fmt(dense.medianMs / m.medianMs),
        gflop(m.flops), fmt(denseFlops / m.flops), fmt(floorMs(m.flops), 2), fmt(m.medianMs / floorMs(m.flops)),
        fmt(m.peakRssMb, 0), String(m.maxLeaf),
      ]);
    }
  }
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c])).join('  '));

  console.log(`\nfloor — MatMul in this runtime, all cores (FLOPs = 2·m·n·k):`);
  for (const [rows_, inner, cols] of GEMM_SHAPES) {
    console.log(`  [${rows_},${inner}]×[${inner},${cols}]: ${fmt(gemm.extra[`${rows_}x${inner}x${cols}`])} GFLOP/s`);
  }
  console.log(`  best ${fmt(gflops)} GFLOP/s is used for the FLOP floor`);
  console.log('floor — copy (memcpy moves half the Q,K,V,O bytes: as many bytes read + written as the op must; the faster of the two is used):');
  for (const line of copyLines) console.log(line);
  console.log(
    `check — MultiHeadAttention vs MatMul/Softmax at N=${CHECK_N}, H=${H}, D=${D}: max |diff| ${check.extra.maxAbsDiff.toExponential(2)} ` +
      `(max |out| ${fmt(check.extra.maxAbsOut, 3)}); TF/TC add a learned sink and trees, so they are not compared numerically`,
  );
  const matmul64 = results.get('matmul65536');
  if (!matmul64) {
    console.log(
      `matmul at N=65536 skipped: one head's N×N scores, scaled scores and probabilities take 3·N²·4 B = ${gb(denseBytes(65536))} GB, ` +
        `over the ${gb(DENSE_MEMORY_BUDGET)} GB budget (60% of ${totalGb.toFixed(0)} GB); even one N×N float32 matrix is ${gb(65536 * 65536 * 4)} GB`,
    );
  }

  // The CPU kernel spreads its work over ORT's intra-op threads: one thread vs all.
  const oneThread = measureInChild('tf', 16384, 1);
  const tf16 = results.get('tf16384')!;
  console.log(`TF at N=16384: ${fmt(oneThread.medianMs, 2)} ms on 1 thread, ${fmt(tf16.medianMs, 2)} ms on all cores (${fmt(oneThread.medianMs / tf16.medianMs, 2)}x)`);

  const strongest = (n: number) => results.get(`${denseKind.get(n)}${n}`)!;
  const tc16 = results.get('tc16384')!;
  const tf64 = results.get('tf65536')!;
  const copy16 = results.get('copy16384')!;
  const tfFloor16 = Math.max(copy16.medianMs, tf16.flops / (gflops * 1e6));
  const denseFlops16 = denseAttentionFlops({ B: 1, H, N: 16384, D });
  console.log(`bench took ${fmt((nowMs() - started) / 1000)} s`);
  console.log(
    `ops: tf_speedup_16k=${fmt(strongest(16384).medianMs / tf16.medianMs)} ` +
      `tf_speedup_64k=${fmt(strongest(65536).medianMs / tf64.medianMs)} ` +
      `tf_floor_ratio_16k=${fmt(tf16.medianMs / tfFloor16)} ` +
      `tc_speedup_16k=${fmt(strongest(16384).medianMs / tc16.medianMs)} ` +
      `tf_flops_ratio_16k=${fmt(denseFlops16 / tf16.flops)} tf_ms_64k=${fmt(tf64.medianMs, 2)} ` +
      `peak_rss_mb_64k=${fmt(tf64.peakRssMb, 0)} dense=${denseKind.get(16384)}`,
  );
}

if (!serveChild(([kind, n, threads]) => measure(kind as Kind, Number(n), Number(threads)))) main();
