/**
 * Models for bench:ops beside the tree ops and the MatMul/Softmax dense graph
 * of test/support/onnxModel.ts: ONNX Runtime's fused MultiHeadAttention, and
 * the two graphs that measure this machine's floor (a MatMul for GFLOP/s and a
 * Sum that reads Q, K, V once and writes O once), plus the layout helpers the
 * fused op needs.
 */
import { GraphBuilder, TensorType, attr } from '../support/onnxModel';

/** ONNX Runtime's contrib-op domain and the version its MultiHeadAttention is registered at. */
export const MICROSOFT_DOMAIN = 'com.microsoft';
export const MICROSOFT_OPSET = 1;

/**
 * One com.microsoft MultiHeadAttention node: exact softmax(QKᵀ·scale)V over
 * `numHeads` heads, with query, key and value [B, N, H·D] float32 (heads
 * interleaved in the last axis) and output `out` [B, N, H·D]. No mask, no
 * bias, no past: the same function as `denseAttentionModel` up to layout.
 */
export function multiHeadAttentionModel(options: { numHeads: number; scale?: number }): Uint8Array {
  const g = new GraphBuilder('multi_head_attention');
  g.input('query', TensorType.FLOAT, ['B', 'N', 'HD']);
  g.input('key', TensorType.FLOAT, ['B', 'Nk', 'HD']);
  g.input('value', TensorType.FLOAT, ['B', 'Nk', 'HD']);
  g.node(
    'MultiHeadAttention',
    ['query', 'key', 'value'],
    ['out'],
    {
      num_heads: attr.int(options.numHeads),
      scale: options.scale === undefined ? undefined : attr.float(options.scale),
    },
    MICROSOFT_DOMAIN,
  );
  g.output('out', TensorType.FLOAT, ['B', 'N', 'HD']);
  return g.toModel({ opsets: { '': 17, [MICROSOFT_DOMAIN]: MICROSOFT_OPSET } });
}

/** One MatMul: C [..., m, n] = A [..., m, k] · B [..., k, n], float32. FLOPs = 2·m·n·k per batch entry. */
export function matMulModel(): Uint8Array {
  const g = new GraphBuilder('matmul');
  g.input('A', TensorType.FLOAT, ['m', 'k']);
  g.input('B', TensorType.FLOAT, ['k', 'n']);
  g.node('MatMul', ['A', 'B'], ['C']);
  g.output('C', TensorType.FLOAT, ['m', 'n']);
  return g.toModel({ opsets: { '': 17 } });
}

/**
 * O = Sum(Q, K, V) elementwise over [B, H, N, D]: reads the bytes of Q, K and V
 * once and writes the bytes of O once, in the same runtime as the ops — the
 * least memory traffic any attention over these tensors must do.
 */
export function sumModel(): Uint8Array {
  const g = new GraphBuilder('sum_qkv');
  for (const name of ['Q', 'K', 'V']) g.input(name, TensorType.FLOAT, ['B', 'H', 'N', 'D']);
  g.node('Sum', ['Q', 'K', 'V'], ['O']);
  g.output('O', TensorType.FLOAT, ['B', 'H', 'N', 'D']);
  return g.toModel({ opsets: { '': 17 } });
}

/** [B, H, N, D] → [B, N, H·D] (the layout MultiHeadAttention takes). */
export function bhndToBnhd(x: Float32Array, B: number, H: number, N: number, D: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let n = 0; n < N; n++) {
        const src = ((b * H + h) * N + n) * D;
        out.set(x.subarray(src, src + D), ((b * N + n) * H + h) * D);
      }
    }
  }
  return out;
}

/** [B, N, H·D] → [B, H, N, D]. */
export function bnhdToBhnd(x: Float32Array, B: number, H: number, N: number, D: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) {
      for (let h = 0; h < H; h++) {
        const src = ((b * N + n) * H + h) * D;
        out.set(x.subarray(src, src + D), ((b * H + h) * N + n) * D);
      }
    }
  }
  return out;
}
