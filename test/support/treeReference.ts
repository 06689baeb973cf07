/**
 * Float64 reference implementation of the ai.treeformer ops (DESIGN §3/§4),
 * written for clarity, not speed. Op tests compare the C++/CUDA kernels with
 * these functions.
 *
 * Layouts (row-major, as the ops take them):
 *   X, Q, K, V [B,H,N,D]   W [H,M,D]   Wb [H,M]   sink_k, sink_v [H,D]   mask [B,N]
 * Outputs: out [B,H,N,D] (Float64Array), leaves [B,H,N] (Int32Array, −1 = padded).
 */
import { mulberry32 } from '../../src/data/random';

/** mulberry32 (src/data/random.ts): uniform numbers in [0, 1). */
export { mulberry32 };

/** Float input: Float32Array, Float64Array or number[]. */
export type Floats = ArrayLike<number>;
/** Mask input: BigInt64Array (as fed to the op) or plain numbers. Nonzero = real token. */
export type MaskData = ArrayLike<number | bigint>;

export interface TreeDims {
  B: number;
  H: number;
  N: number;
  D: number;
  /** Internal nodes per tree, M = 2^h − 1. */
  M: number;
}

/** The inputs of TreeFineAttention / TreeCoarseAttention, named like the op inputs. */
export interface TreeAttentionInputs {
  Q: Floats;
  K: Floats;
  V: Floats;
  W: Floats;
  Wb: Floats;
  sink_k: Floats;
  sink_v: Floats;
  mask: MaskData;
}

export interface TreeAttentionOptions {
  /** Attribute `num_global` (default 0). */
  numGlobal?: number;
  /** Attribute `scale` (default 1/√D). */
  scale?: number;
}

export interface TreeAttentionResult {
  /** [B,H,N,D]; zeros at padded positions. */
  out: Float64Array;
  /** [B,H,N] query leaves; −1 at padded positions. */
  qLeaf: Int32Array;
  /** [B,H,N] key leaves; −1 at padded positions. */
  kLeaf: Int32Array;
}

// ---------------------------------------------------------------------------
// Trees and routing
// ---------------------------------------------------------------------------

/** Depth h of a tree with M = 2^h − 1 internal nodes; throws unless M+1 is a power of two and M ≥ 1. */
export function treeDepth(M: number): number {
  if (!Number.isInteger(M) || M < 1) throw new RangeError(`tree: M must be a positive integer, got ${M}`);
  let h = 0;
  while (2 ** h - 1 < M) h++;
  if (2 ** h - 1 !== M) throw new RangeError(`tree: M + 1 = ${M + 1} is not a power of two`);
  return h;
}

/**
 * The decision value at `node` of `head`'s tree for the vector at `x[xOff .. xOff+D)`:
 * b + Σ_{d=0..D−1} w[d]·x[d], accumulated in float64 in that order.
 */
export function nodeMargin(
  x: Floats,
  xOff: number,
  W: Floats,
  Wb: Floats,
  head: number,
  node: number,
  M: number,
  D: number,
): number {
  const wOff = (head * M + node) * D;
  let z = Wb[head * M + node];
  for (let d = 0; d < D; d++) z += W[wOff + d] * x[xOff + d];
  return z;
}

/**
 * Root-to-leaf path of one vector: h+1 node ids, starting at the root 0 and
 * ending at the leaf node M + leaf (nodes M..2M are the leaves). At node n
 * the vector goes to 2n+1 (left) when its margin is ≥ 0, else to 2n+2.
 */
export function routePath(x: Floats, xOff: number, W: Floats, Wb: Floats, head: number, M: number, D: number): number[] {
  const h = treeDepth(M);
  const path = [0];
  let node = 0;
  for (let level = 0; level < h; level++) {
    node = nodeMargin(x, xOff, W, Wb, head, node, M, D) >= 0 ? 2 * node + 1 : 2 * node + 2;
    path.push(node);
  }
  return path;
}

/** The leaf ∈ [0, 2^h) of one vector. */
export function routeLeaf(x: Floats, xOff: number, W: Floats, Wb: Floats, head: number, M: number, D: number): number {
  const path = routePath(x, xOff, W, Wb, head, M, D);
  return path[path.length - 1] - M;
}

function checkDims(dims: TreeDims): number {
  for (const k of ['B', 'H', 'N', 'D', 'M'] as const) {
    if (!Number.isInteger(dims[k]) || dims[k] < 1) throw new RangeError(`dims.${k} must be a positive integer, got ${dims[k]}`);
  }
  return treeDepth(dims.M);
}

function checkLength(name: string, a: ArrayLike<unknown>, want: number): void {
  if (a.length !== want) throw new RangeError(`${name}: expected ${want} elements, got ${a.length}`);
}

/** TreeRoute: the leaf of every position of X [B,H,N,D] (no mask). Returns [B,H,N]. */
export function referenceRoute(X: Floats, dims: TreeDims, W: Floats, Wb: Floats): Int32Array {
  checkDims(dims);
  const { B, H, N, D, M } = dims;
  checkLength('X', X, B * H * N * D);
  checkLength('W', W, H * M * D);
  checkLength('Wb', Wb, H * M);
  const leaves = new Int32Array(B * H * N);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let n = 0; n < N; n++) {
        const row = (b * H + h) * N + n;
        leaves[row] = routeLeaf(X, row * D, W, Wb, h, M, D);
      }
    }
  }
  return leaves;
}

/**
 * The smallest |margin| over every decision taken while routing all positions
 * of X. Random tests can require it to exceed a tolerance so a float32 kernel
 * cannot legitimately take the other branch.
 */
export function minRouteMargin(X: Floats, dims: TreeDims, W: Floats, Wb: Floats): number {
  const h = checkDims(dims);
  const { B, H, N, D, M } = dims;
  let min = Infinity;
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < H; hd++) {
      for (let n = 0; n < N; n++) {
        const off = ((b * H + hd) * N + n) * D;
        let node = 0;
        for (let level = 0; level < h; level++) {
          const z = nodeMargin(X, off, W, Wb, hd, node, M, D);
          min = Math.min(min, Math.abs(z));
          node = z >= 0 ? 2 * node + 1 : 2 * node + 2;
        }
      }
    }
  }
  return min;
}

// ---------------------------------------------------------------------------
// Attention
// ---------------------------------------------------------------------------

/** One softmax candidate: a key vector and its value vector, each at an offset. */
interface Candidate {
  k: Floats;
  kOff: number;
  v: Floats;
  vOff: number;
}

/**
 * out[outOff..+D) = Σ_c softmax_c(scale · q·k_c) · v_c, with the maximum
 * logit subtracted before exponentiating.
 */
function attend(q: Floats, qOff: number, cands: Candidate[], scale: number, D: number, out: Float64Array, outOff: number): void {
  const logits = cands.map((c) => {
    let s = 0;
    for (let d = 0; d < D; d++) s += q[qOff + d] * c.k[c.kOff + d];
    return scale * s;
  });
  const max = Math.max(...logits);
  const weights = logits.map((l) => Math.exp(l - max));
  const total = weights.reduce((a, b) => a + b, 0);
  for (let d = 0; d < D; d++) {
    let acc = 0;
    for (let c = 0; c < cands.length; c++) acc += weights[c] * cands[c].v[cands[c].vOff + d];
    out[outOff + d] = acc / total;
  }
}

interface Prepared {
  dims: TreeDims;
  h: number;
  G: number;
  scale: number;
  valid: (b: number, n: number) => boolean;
}

function prepare(x: TreeAttentionInputs, dims: TreeDims, opts: TreeAttentionOptions): Prepared {
  const h = checkDims(dims);
  const { B, H, N, D, M } = dims;
  for (const name of ['Q', 'K', 'V'] as const) checkLength(name, x[name], B * H * N * D);
  checkLength('W', x.W, H * M * D);
  checkLength('Wb', x.Wb, H * M);
  checkLength('sink_k', x.sink_k, H * D);
  checkLength('sink_v', x.sink_v, H * D);
  checkLength('mask', x.mask, B * N);
  const numGlobal = opts.numGlobal ?? 0;
  if (!Number.isInteger(numGlobal) || numGlobal < 0) throw new RangeError(`numGlobal must be a non-negative integer, got ${numGlobal}`);
  const scale = opts.scale ?? 1 / Math.sqrt(D);
  const mask = x.mask;
  const valid = (b: number, n: number): boolean => {
    const m = mask[b * N + n];
    return typeof m === 'bigint' ? m !== 0n : m !== 0;
  };
  return { dims, h, G: Math.min(numGlobal, N), scale, valid };
}

/** Query and key leaves of every position (−1 where padded). */
function routeQueriesAndKeys(x: TreeAttentionInputs, p: Prepared): { qLeaf: Int32Array; kLeaf: Int32Array } {
  const { B, H, N, D, M } = p.dims;
  const qLeaf = new Int32Array(B * H * N).fill(-1);
  const kLeaf = new Int32Array(B * H * N).fill(-1);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let n = 0; n < N; n++) {
        if (!p.valid(b, n)) continue;
        const row = (b * H + h) * N + n;
        qLeaf[row] = routeLeaf(x.Q, row * D, x.W, x.Wb, h, M, D);
        kLeaf[row] = routeLeaf(x.K, row * D, x.W, x.Wb, h, M, D);
      }
    }
  }
  return { qLeaf, kLeaf };
}

/**
 * TreeFineAttention. Valid query i attends over the set
 * {valid j : kLeaf[j] = qLeaf[i]} ∪ {sink} ∪ {valid g < min(G, N)}
 * (a global key already in the leaf counts once).
 */
export function referenceFine(x: TreeAttentionInputs, dims: TreeDims, opts: TreeAttentionOptions = {}): TreeAttentionResult {
  const p = prepare(x, dims, opts);
  const { B, H, N, D } = dims;
  const { qLeaf, kLeaf } = routeQueriesAndKeys(x, p);
  const out = new Float64Array(B * H * N * D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const base = (b * H + h) * N;
      const sink: Candidate = { k: x.sink_k, kOff: h * D, v: x.sink_v, vOff: h * D };
      for (let i = 0; i < N; i++) {
        if (!p.valid(b, i)) continue;
        const keys = new Set<number>();
        for (let j = 0; j < N; j++) {
          if (p.valid(b, j) && kLeaf[base + j] === qLeaf[base + i]) keys.add(j);
        }
        for (let g = 0; g < p.G; g++) {
          if (p.valid(b, g)) keys.add(g);
        }
        const cands: Candidate[] = [sink];
        for (const j of keys) cands.push({ k: x.K, kOff: (base + j) * D, v: x.V, vOff: (base + j) * D });
        attend(x.Q, (base + i) * D, cands, p.scale, D, out, (base + i) * D);
      }
    }
  }
  return { out, qLeaf, kLeaf };
}

/**
 * TreeCoarseAttention. Every tree node n (0..2M; M..2M are leaves) gets the
 * mean key K̄_n and mean value V̄_n of the valid keys whose path passes through
 * n. Valid query i attends over the summaries of the nodes on its own path
 * that at least one key reaches, plus the sink, plus the valid global keys.
 */
export function referenceCoarse(x: TreeAttentionInputs, dims: TreeDims, opts: TreeAttentionOptions = {}): TreeAttentionResult {
  const p = prepare(x, dims, opts);
  const { B, H, N, D, M } = dims;
  const { qLeaf, kLeaf } = routeQueriesAndKeys(x, p);
  const out = new Float64Array(B * H * N * D);
  const nodes = 2 * M + 1;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const base = (b * H + h) * N;
      // Node summaries: sums, then means.
      const meanK = new Float64Array(nodes * D);
      const meanV = new Float64Array(nodes * D);
      const count = new Int32Array(nodes);
      for (let j = 0; j < N; j++) {
        if (!p.valid(b, j)) continue;
        const off = (base + j) * D;
        for (const n of routePath(x.K, off, x.W, x.Wb, h, M, D)) {
          count[n]++;
          for (let d = 0; d < D; d++) {
            meanK[n * D + d] += x.K[off + d];
            meanV[n * D + d] += x.V[off + d];
          }
        }
      }
      for (let n = 0; n < nodes; n++) {
        if (count[n] === 0) continue;
        for (let d = 0; d < D; d++) {
          meanK[n * D + d] /= count[n];
          meanV[n * D + d] /= count[n];
        }
      }
      const sink: Candidate = { k: x.sink_k, kOff: h * D, v: x.sink_v, vOff: h * D };
      for (let i = 0; i < N; i++) {
        if (!p.valid(b, i)) continue;
        const qOff = (base + i) * D;
        const cands: Candidate[] = [sink];
        for (const n of routePath(x.Q, qOff, x.W, x.Wb, h, M, D)) {
          if (count[n] > 0) cands.push({ k: meanK, kOff: n * D, v: meanV, vOff: n * D });
        }
        for (let g = 0; g < p.G; g++) {
          if (p.valid(b, g)) cands.push({ k: x.K, kOff: (base + g) * D, v: x.V, vOff: (base + g) * D });
        }
        attend(x.Q, qOff, cands, p.scale, D, out, qOff);
      }
    }
  }
  return { out, qLeaf, kLeaf };
}

/**
 * Plain dense attention for reference: out = softmax(scale·Q·Kᵀ)·V per (b,h),
 * Q [B,H,N,D], K and V [B,H,Nk,D]. No sink, no mask.
 */
export function referenceDense(
  Q: Floats,
  K: Floats,
  V: Floats,
  dims: { B: number; H: number; N: number; D: number; Nk?: number },
  scale = 1 / Math.sqrt(dims.D),
): Float64Array {
  const { B, H, N, D } = dims;
  const Nk = dims.Nk ?? N;
  checkLength('Q', Q, B * H * N * D);
  checkLength('K', K, B * H * Nk * D);
  checkLength('V', V, B * H * Nk * D);
  const out = new Float64Array(B * H * N * D);
  for (let bh = 0; bh < B * H; bh++) {
    const cands: Candidate[] = [];
    for (let j = 0; j < Nk; j++) cands.push({ k: K, kOff: (bh * Nk + j) * D, v: V, vOff: (bh * Nk + j) * D });
    for (let i = 0; i < N; i++) attend(Q, (bh * N + i) * D, cands, scale, D, out, (bh * N + i) * D);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Attention FLOPs (DESIGN §3 "Counting attention FLOPs"), summed over B and H
// ---------------------------------------------------------------------------

type Leaves = ArrayLike<number | bigint>;

/** Dense: 4·N·N_k·D per head. */
export function denseAttentionFlops(dims: { B: number; H: number; N: number; D: number; Nk?: number }): number {
  return dims.B * dims.H * 4 * dims.N * (dims.Nk ?? dims.N) * dims.D;
}

/** Linformer with projection length k: 4·N·k·D + projections 4·N·k·D per head. */
export function linformerAttentionFlops(dims: { B: number; H: number; N: number; D: number; k: number }): number {
  return dims.B * dims.H * 8 * dims.N * dims.k * dims.D;
}

interface HeadCounts {
  /** Valid (routed) queries and keys. */
  nq: number;
  nk: number;
  /** Valid global keys: g < min(numGlobal, N) with kLeaf ≥ 0. */
  g: number;
  /** Per leaf: queries and keys. */
  qPerLeaf: Map<number, number>;
  kPerLeaf: Map<number, number>;
}

function headCounts(qLeaf: Leaves, kLeaf: Leaves, dims: TreeDims, numGlobal: number): HeadCounts[] {
  const { B, H, N } = dims;
  checkLength('qLeaf', qLeaf, B * H * N);
  checkLength('kLeaf', kLeaf, B * H * N);
  const res: HeadCounts[] = [];
  for (let bh = 0; bh < B * H; bh++) {
    const c: HeadCounts = { nq: 0, nk: 0, g: 0, qPerLeaf: new Map(), kPerLeaf: new Map() };
    for (let n = 0; n < N; n++) {
      const ql = Number(qLeaf[bh * N + n]);
      const kl = Number(kLeaf[bh * N + n]);
      if (ql >= 0) {
        c.nq++;
        c.qPerLeaf.set(ql, (c.qPerLeaf.get(ql) ?? 0) + 1);
      }
      if (kl >= 0) {
        c.nk++;
        c.kPerLeaf.set(kl, (c.kPerLeaf.get(kl) ?? 0) + 1);
        if (n < numGlobal) c.g++;
      }
    }
    res.push(c);
  }
  return res;
}

/**
 * TF: Σ_leaves 4·|Q_l|·(|K_l| + 1 + G)·D + routing 2·(N_q + N_k)·h·D per head,
 * with leaf occupancy, N_q, N_k (valid positions, leaf ≥ 0) and G (valid
 * global positions) counted from the actual q/k leaf arrays [B,H,N].
 */
export function fineAttentionFlops(qLeaf: Leaves, kLeaf: Leaves, dims: TreeDims, numGlobal = 0): number {
  const h = checkDims(dims);
  const D = dims.D;
  let total = 0;
  for (const c of headCounts(qLeaf, kLeaf, dims, numGlobal)) {
    for (const [leaf, nq] of c.qPerLeaf) total += 4 * nq * ((c.kPerLeaf.get(leaf) ?? 0) + 1 + c.g) * D;
    total += 2 * (c.nq + c.nk) * h * D;
  }
  return total;
}

/**
 * TC: 4·N_q·(h + 2 + G)·D + routing 2·(N_q + N_k)·h·D + summaries
 * 2·N_k·(h+1)·D per head, counts taken from the q/k leaf arrays as for TF.
 */
export function coarseAttentionFlops(qLeaf: Leaves, kLeaf: Leaves, dims: TreeDims, numGlobal = 0): number {
  const h = checkDims(dims);
  const D = dims.D;
  let total = 0;
  for (const c of headCounts(qLeaf, kLeaf, dims, numGlobal)) {
    total += 4 * c.nq * (h + 2 + c.g) * D + 2 * (c.nq + c.nk) * h * D + 2 * c.nk * (h + 1) * D;
  }
  return total;
}

// ---------------------------------------------------------------------------
// Seeded random numbers and inputs
// ---------------------------------------------------------------------------


/** Seeded random source: uniform, normal (Box–Muller), integers, arrays. */
export class Rng {
  private readonly u: () => number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.u = mulberry32(seed);
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.u();
  }

  /** Integer uniform in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.u() * (hi - lo));
  }

  /** Normal(mean, std) by Box–Muller (the second value of each pair is kept for the next call). */
  normal(mean = 0, std = 1): number {
    let z: number;
    if (this.spare !== undefined) {
      z = this.spare;
      this.spare = undefined;
    } else {
      const u1 = 1 - this.u(); // (0, 1], so log is finite
      const u2 = this.u();
      const r = Math.sqrt(-2 * Math.log(u1));
      z = r * Math.cos(2 * Math.PI * u2);
      this.spare = r * Math.sin(2 * Math.PI * u2);
    }
    return mean + std * z;
  }

  /** n normal samples as float32. */
  normalArray(n: number, std = 1): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.normal(0, std);
    return a;
  }

  /** n uniform samples in [lo, hi) as float32. */
  uniformArray(n: number, lo = 0, hi = 1): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.uniform(lo, hi);
    return a;
  }
}

/** The op input shapes for `dims` (for building ORT tensors). */
export function treeAttentionShapes(dims: TreeDims): Record<keyof TreeAttentionInputs, number[]> {
  const { B, H, N, D, M } = dims;
  return {
    Q: [B, H, N, D],
    K: [B, H, N, D],
    V: [B, H, N, D],
    W: [H, M, D],
    Wb: [H, M],
    sink_k: [H, D],
    sink_v: [H, D],
    mask: [B, N],
  };
}

/** Float32/int64 arrays as fed to the ops. */
export interface TreeAttentionArrays extends TreeAttentionInputs {
  Q: Float32Array;
  K: Float32Array;
  V: Float32Array;
  W: Float32Array;
  Wb: Float32Array;
  sink_k: Float32Array;
  sink_v: Float32Array;
  mask: BigInt64Array;
}

/**
 * Random op inputs: Q, K, V, W, sink_k, sink_v standard normal, Wb normal
 * with std `biasStd` (default 0.1). `lengths[b]` real tokens then padding in
 * batch row b (default: all N real).
 */
export function randomAttentionInputs(
  dims: TreeDims,
  rng: Rng,
  options: { lengths?: readonly number[]; biasStd?: number } = {},
): TreeAttentionArrays {
  const { B, H, N, D, M } = dims;
  const mask = new BigInt64Array(B * N);
  for (let b = 0; b < B; b++) {
    const len = options.lengths?.[b] ?? N;
    for (let n = 0; n < N; n++) mask[b * N + n] = n < len ? 1n : 0n;
  }
  return {
    Q: rng.normalArray(B * H * N * D),
    K: rng.normalArray(B * H * N * D),
    V: rng.normalArray(B * H * N * D),
    W: rng.normalArray(H * M * D),
    Wb: rng.normalArray(H * M, options.biasStd ?? 0.1),
    sink_k: rng.normalArray(H * D),
    sink_v: rng.normalArray(H * D),
    mask,
  };
}
