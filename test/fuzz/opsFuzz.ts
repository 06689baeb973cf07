// npm run fuzz:js — a structured fuzzer of the ai.treeformer ops through the
// real runtime (the N-API addon and ONNX Runtime): random shapes, element
// types, attributes, NaN/Inf, masks, forged dims and typed-array kinds. Every
// case must end in outputs or a clean error; a crash or a hang is a finding.
// Cases run in child processes, a batch each: a child that dies of a signal
// (or by abort) counts a crash for the case it was running, one that goes
// quiet for HANG_MS a hang; the parent respawns after the bad case.
// Prints `fuzz: inputs=<n> crashes=<n> hangs=<n>` and exits 1 on any finding.
//
//   node out/test/fuzz/opsFuzz.js [--cases N] [--seed S] [--batch B]
import { spawn } from 'child_process';
import { loadRuntime } from '../../src/engine/runtime';
import type { NativeSession, NativeTensor } from '../../src/engine/runtime/native';
import { attr, AttrValue, TensorType, treeAttentionModel, treeRouteModel } from '../support/onnxModel';
import { mulberry32 } from '../support/treeReference';

const HANG_MS = 20_000;
type Op = 'TreeRoute' | 'TreeFineAttention' | 'TreeCoarseAttention';
const OPS: Op[] = ['TreeRoute', 'TreeFineAttention', 'TreeCoarseAttention'];

interface Case {
  op: Op;
  /** Model variant: attributes and declared input types. */
  model: { numGlobal?: AttrValue; scale?: AttrValue; doubleQ?: boolean };
  feeds: Record<string, NativeTensor>;
}

/** One random case from `seed` (the same seed always gives the same case). */
export function makeCase(seed: number): Case {
  const r = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const op = pick(OPS);
  const B = int(1, 3);
  const H = int(1, 4);
  const N = r() < 0.04 ? 0 : pick([1, 2, 7, 33, 64, 130, 300]);
  const D = pick([1, 3, 8, 16, 32]);
  const depth = pick([1, 2, 3, 5, 7, 9]);
  // Usually a complete tree; sometimes an M that is not 2^h - 1, or zero.
  const M = r() < 0.9 ? 2 ** depth - 1 : pick([0, 2, 5, 6, 10]);
  const special = () => pick([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e38, -1e38, 0, 1e-45]);
  const weird = r() < 0.25;
  const floats = (shape: number[]): NativeTensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = weird && r() < 0.05 ? special() : r() * 2 - 1;
    return forge({ type: 'float32', dims: shape, data });
  };
  const forge = (t: NativeTensor): NativeTensor => {
    const roll = r();
    if (roll < 0.01) return { ...t, dims: t.dims.map((d, i) => (i === 0 ? d + 1 : d)) }; // dims that do not match the data
    if (roll < 0.02) return { ...t, dims: [...t.dims, 1].slice(0, Math.max(1, t.dims.length - 1)) }; // wrong rank
    if (roll < 0.03 && t.data instanceof Float32Array) return { ...t, data: new Int32Array(t.data.length) }; // another typed-array kind
    if (roll < 0.04) return { ...t, type: pick(['float64', 'int32', 'uint8', 'bool']) };
    return t;
  };
  const maskValues = () => {
    const data = new BigInt64Array(B * N);
    const style = pick(['ones', 'random', 'zeros', 'odd']);
    for (let i = 0; i < data.length; i++) {
      data[i] = style === 'ones' ? 1n : style === 'zeros' ? 0n : style === 'random' ? BigInt(int(0, 1)) : BigInt(pick([-1, 2, 7, 1]));
    }
    return forge({ type: 'int64', dims: [B, N], data });
  };
  const qShape = [B, H, N, D];
  if (op === 'TreeRoute') {
    return { op, model: {}, feeds: { X: floats(qShape), W: floats([H, M, D]), Wb: floats([H, M]) } };
  }
  const model: Case['model'] = {};
  if (r() < 0.3) model.numGlobal = pick([attr.int(0), attr.int(int(1, 8)), attr.int(-1), attr.int(1 << 30), attr.float(2), attr.string('3')]);
  if (r() < 0.05) model.doubleQ = true; // Q declared float64: the op must refuse the type
  if (r() < 0.3) model.scale = pick([attr.float(0.1), attr.float(0), attr.float(1e38), attr.float(Number.NaN), attr.float(-1), attr.string('x'), attr.int(1)]);
  const feeds: Record<string, NativeTensor> = {
    Q: floats(qShape),
    K: floats(r() < 0.05 ? [B, H, N + 1, D] : qShape),
    V: floats(qShape),
    W: floats([H, M, D]),
    Wb: floats([H, M]),
    sink_k: floats([H, D]),
    sink_v: floats([H, D]),
    mask: maskValues(),
  };
  if (r() < 0.03) delete feeds[pick(Object.keys(feeds))]; // a missing input
  return { op, model, feeds };
}

function modelBytes(c: Case): Uint8Array {
  if (c.op === 'TreeRoute') return treeRouteModel();
  return treeAttentionModel(
    c.op,
    { num_global: c.model.numGlobal, scale: c.model.scale },
    c.model.doubleQ ? { inputTypes: { Q: TensorType.DOUBLE } } : {},
  );
}

/** Child: runs cases [from, to) of `seed`, printing "ok <i>" after each; aborts at case `crashAt` (the harness's own test). */
async function child(seed: number, from: number, to: number, crashAt = -1): Promise<void> {
  const runtime = loadRuntime();
  const sessions = new Map<string, NativeSession | Error>();
  for (let i = from; i < to; i++) {
    process.stdout.write(`start ${i}\n`);
    if (i === crashAt) process.abort();
    const c = makeCase(seed * 1_000_003 + i);
    const key = JSON.stringify([c.op, c.model]);
    let session = sessions.get(key);
    if (session === undefined) {
      session = await runtime.createSession(modelBytes(c), 'cpu', 1).catch((err: Error) => err);
      sessions.set(key, session);
    }
    if (!(session instanceof Error)) {
      const outputs = c.op === 'TreeRoute' ? ['leaf'] : ['out', 'q_leaf', 'k_leaf'];
      try {
        await session.run(c.feeds, outputs);
      } catch {
        // a clean error is the expected outcome for most malformed cases
      }
    }
    process.stdout.write(`ok ${i}\n`);
  }
  for (const s of sessions.values()) if (!(s instanceof Error)) s.release();
}

interface Findings {
  inputs: number;
  crashes: number[];
  hangs: number[];
}

/** Parent: runs cases [0, total) in batches of child processes; returns the cases that crashed or hung. */
export async function fuzz(total: number, seed: number, batch: number, crashAt = -1): Promise<Findings> {
  const findings: Findings = { inputs: 0, crashes: [], hangs: [] };
  let next = 0;
  while (next < total) {
    const from = next;
    const to = Math.min(total, from + batch);
    const result = await new Promise<{ last: number; started: number; hung: boolean; crashed: boolean }>((resolve) => {
      const p = spawn(process.execPath, [__filename, '--child', String(seed), String(from), String(to), String(crashAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let last = from - 1;
      let started = from;
      let hung = false;
      let timer = setTimeout(() => ((hung = true), p.kill('SIGKILL')), HANG_MS);
      let buffer = '';
      p.stdout.on('data', (d) => {
        buffer += d;
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) {
          const [what, n] = line.split(' ');
          if (what === 'start') started = Number(n);
          if (what === 'ok') last = Number(n);
        }
        clearTimeout(timer);
        timer = setTimeout(() => ((hung = true), p.kill('SIGKILL')), HANG_MS);
      });
      p.stderr.on('data', () => undefined);
      p.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ last, started, hung, crashed: !hung && (code !== 0 || signal !== null) });
      });
    });
    findings.inputs += result.last - from + 1;
    if (result.hung || result.crashed) {
      const bad = result.started;
      (result.hung ? findings.hangs : findings.crashes).push(bad);
      findings.inputs += 1;
      next = bad + 1;
    } else {
      next = to;
    }
  }
  return findings;
}

async function main(argv: string[]): Promise<number> {
  const value = (flag: string, fallback: number) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const total = value('--cases', 2000);
  const seed = value('--seed', Math.floor(Date.now() / 86_400_000)); // a new seed each day, printed to rerun
  const batch = value('--batch', 250);
  const started = Date.now();
  const f = await fuzz(total, seed, batch);
  for (const i of f.crashes) console.log(`crash: case ${i} (seed ${seed}); rerun with node ${__filename} --child ${seed} ${i} ${i + 1}`);
  for (const i of f.hangs) console.log(`hang: case ${i} (seed ${seed})`);
  console.log(`fuzz: inputs=${f.inputs} crashes=${f.crashes.length} hangs=${f.hangs.length} (js, seed ${seed}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return f.crashes.length + f.hangs.length > 0 ? 1 : 0;
}

if (process.argv[2] === '--child') {
  const [seed, from, to, crashAt] = process.argv.slice(3).map(Number);
  child(seed, from, to, crashAt).then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(2);
    },
  );
} else if (require.main === module) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
