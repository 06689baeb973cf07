import * as assert from 'assert';
import * as ort from 'onnxruntime-node';
import {
  AttrType,
  GraphBuilder,
  ProtoWriter,
  TensorType,
  attr,
  denseAttentionModel,
  treeAttentionModel,
  treeRouteModel,
} from '../support/onnxModel';
import { Rng, referenceDense } from '../support/treeReference';

// --- a tiny protobuf reader, only to inspect what the writer produced ------

interface Field {
  field: number;
  wire: number;
  /** varint value (wire 0), raw bytes (wire 2) or the 4 bytes (wire 5). */
  int?: bigint;
  bytes?: Uint8Array;
}

function decode(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const byte = buf[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ field, wire, int: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new Error('truncated bytes');
      fields.push({ field, wire, bytes: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 5) {
      fields.push({ field, wire, bytes: buf.subarray(pos, pos + 4) });
      pos += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return fields;
}

const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);
const sub = (fs: Field[], n: number): Field[] => fs.filter((f) => f.field === n);
const one = (fs: Field[], n: number): Field => {
  const all = sub(fs, n);
  assert.strictEqual(all.length, 1, `expected exactly one field ${n}`);
  return all[0];
};

/** Graph inputs of a model as {name, elemType, dims (undefined = no shape)}. */
function graphValues(model: Uint8Array, field: 11 | 12): { name: string; elemType: number; dims?: (number | string)[] | undefined }[] {
  const graph = decode(one(decode(model), 7).bytes!);
  return sub(graph, field).map((vi) => {
    const v = decode(vi.bytes!);
    const tensorType = decode(one(decode(one(v, 2).bytes!), 1).bytes!);
    const shape = sub(tensorType, 2);
    const dims = shape.length
      ? sub(decode(shape[0].bytes!), 1).map((d) => {
          const df = decode(d.bytes!);
          return df[0].field === 1 ? Number(df[0].int) : text(df[0].bytes);
        })
      : undefined;
    return { name: text(one(v, 1).bytes), elemType: Number(one(tensorType, 1).int), dims };
  });
}

function opsetImports(model: Uint8Array): Record<string, number> {
  const res: Record<string, number> = {};
  for (const f of sub(decode(model), 8)) {
    const o = decode(f.bytes!);
    res[text(sub(o, 1)[0]?.bytes)] = Number(one(o, 2).int);
  }
  return res;
}

/** The single node's domain, op type and attributes {name: {type, value}}. */
function onlyNode(model: Uint8Array): { opType: string; domain: string; attrs: Record<string, { type: number; f?: number | undefined; i?: bigint | undefined }> } {
  const graph = decode(one(decode(model), 7).bytes!);
  const node = decode(one(graph, 1).bytes!);
  const attrs: Record<string, { type: number; f?: number | undefined; i?: bigint | undefined }> = {};
  for (const a of sub(node, 5)) {
    const af = decode(a.bytes!);
    const f = sub(af, 2)[0];
    attrs[text(one(af, 1).bytes)] = {
      type: Number(one(af, 20).int),
      f: f ? new DataView(f.bytes!.buffer, f.bytes!.byteOffset, 4).getFloat32(0, true) : undefined,
      i: sub(af, 3)[0]?.int,
    };
  }
  return { opType: text(one(node, 4).bytes), domain: text(sub(node, 7)[0]?.bytes), attrs };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  assert.strictEqual(actual.length, expected.length, 'length');
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= tol * (1 + Math.abs(expected[i])), `element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('onnxModel writer', () => {
  describe('ProtoWriter', () => {
    it('encodes varints, including negative int64 as 10 bytes', () => {
      const enc = (v: number | bigint): number[] => Array.from(new ProtoWriter().varint(v).finish());
      assert.deepStrictEqual(enc(0), [0]);
      assert.deepStrictEqual(enc(1), [1]);
      assert.deepStrictEqual(enc(127), [0x7f]);
      assert.deepStrictEqual(enc(300), [0xac, 0x02]);
      assert.deepStrictEqual(enc(2 ** 32), [0x80, 0x80, 0x80, 0x80, 0x10]);
      assert.deepStrictEqual(enc(-1), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
      assert.deepStrictEqual(enc(-2), [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
      assert.deepStrictEqual(enc(-1n), enc(-1));
      assert.deepStrictEqual(enc(Number.MAX_SAFE_INTEGER), enc(BigInt(Number.MAX_SAFE_INTEGER)));
      assert.throws(() => new ProtoWriter().varint(0.5));
    });

    it('encodes fixed32 floats, strings and nested messages', () => {
      const bytes = new ProtoWriter()
        .floatField(2, 1)
        .stringField(1, 'ab')
        .messageField(3, (w) => w.intField(1, 150))
        .finish();
      assert.deepStrictEqual(Array.from(bytes), [0x15, 0, 0, 0x80, 0x3f, 0x0a, 2, 0x61, 0x62, 0x1a, 3, 0x08, 0x96, 0x01]);
    });
  });

  describe('models run in onnxruntime-node', () => {
    it('Add with a broadcast float initializer', async () => {
      const g = new GraphBuilder('add');
      g.input('A', TensorType.FLOAT, ['N', 3]);
      g.initializer('B', TensorType.FLOAT, [3], [0.5, -1.25, 1e6]);
      g.node('Add', ['A', 'B'], ['C']);
      g.output('C', TensorType.FLOAT, ['N', 3]);
      const session = await ort.InferenceSession.create(g.toModel());
      const a = Float32Array.from([1, 2, 3, -4, -5, -6]);
      const res = await session.run({ A: new ort.Tensor('float32', a, [2, 3]) });
      assert.deepStrictEqual(res.C.dims, [2, 3]);
      assert.deepStrictEqual(Array.from(res.C.data as Float32Array), [1.5, 0.75, 1e6 + 3, -3.5, -6.25, 1e6 - 6]);
    });

    it('int64 initializers with negative values, ints/float/string attributes, unknown-rank input', async () => {
      // Y = LeakyRelu(Pad(Reshape(X, [-1, 2]), pads, mode='reflect'), alpha=0.25) + Constant(value_floats)
      const g = new GraphBuilder('mixed');
      g.input('X', TensorType.FLOAT); // no shape: unknown rank
      g.initializer('shape', TensorType.INT64, [2], [-1n, 2n]);
      g.initializer('pads', TensorType.INT64, [4], [0, 1, 0, 1]);
      g.node('Reshape', ['X', 'shape'], ['R']);
      g.node('Pad', ['R', 'pads'], ['P'], { mode: 'reflect' });
      g.node('LeakyRelu', ['P'], ['L'], { alpha: attr.float(0.25) });
      g.node('Constant', [], ['C'], { value_floats: [10.5, 20.5, 30.5, 40.5] });
      g.node('Add', ['L', 'C'], ['Y']);
      g.output('Y', TensorType.FLOAT, [null, 4]);
      const session = await ort.InferenceSession.create(g.toModel({ opsets: { '': 17 } }));
      const x = Float32Array.from([1, -2, 3, -4]);
      const res = await session.run({ X: new ort.Tensor('float32', x, [4]) });
      // Reshape → [[1,-2],[3,-4]]; reflect pad by 1 on both sides of the last axis →
      // [[-2,1,-2,1],[-4,3,-4,3]]; LeakyRelu(0.25); + [10.5,20.5,30.5,40.5].
      assert.deepStrictEqual(res.Y.dims, [2, 4]);
      assert.deepStrictEqual(Array.from(res.Y.data as Float32Array), [10, 21.5, 30, 41.5, 9.5, 23.5, 29.5, 43.5]);
    });

    for (const withInitializer of [false, true]) {
      it(`dense attention matches a float64 JS computation (scale as ${withInitializer ? 'initializer' : 'input'})`, async () => {
        const rng = new Rng(7);
        const B = 2, H = 3, N = 5, Nk = 7, D = 4;
        const scale = 1 / Math.sqrt(D) + 0.1;
        const q = rng.normalArray(B * H * N * D);
        const k = rng.normalArray(B * H * Nk * D);
        const v = rng.normalArray(B * H * Nk * D);
        const model = denseAttentionModel(withInitializer ? { scale } : {});
        const session = await ort.InferenceSession.create(model);
        const feeds: Record<string, ort.Tensor> = {
          Q: new ort.Tensor('float32', q, [B, H, N, D]),
          K: new ort.Tensor('float32', k, [B, H, Nk, D]),
          V: new ort.Tensor('float32', v, [B, H, Nk, D]),
        };
        if (!withInitializer) feeds.scale = new ort.Tensor('float32', Float32Array.of(scale), []);
        const res = await session.run(feeds);
        assert.deepStrictEqual(res.out.dims, [B, H, N, D]);
        const expected = referenceDense(q, k, v, { B, H, N, D, Nk }, Math.fround(scale));
        assertClose(res.out.data as Float32Array, expected, 1e-5);
        // Guard against a trivially passing comparison: the output is not uniform.
        const spread = Math.max(...expected) - Math.min(...expected);
        assert.ok(spread > 0.1);
      });
    }
  });

  describe('custom-op model factories', () => {
    it('TreeRoute model: inputs, outputs, domain and opsets', async () => {
      const model = treeRouteModel();
      assert.deepStrictEqual(graphValues(model, 11), [
        { name: 'X', elemType: TensorType.FLOAT, dims: ['B', 'H', 'N', 'D'] },
        { name: 'W', elemType: TensorType.FLOAT, dims: ['H', 'M', 'D'] },
        { name: 'Wb', elemType: TensorType.FLOAT, dims: ['H', 'M'] },
      ]);
      assert.deepStrictEqual(graphValues(model, 12), [{ name: 'leaf', elemType: TensorType.INT64, dims: ['B', 'H', 'N'] }]);
      assert.deepStrictEqual(opsetImports(model), { '': 17, 'ai.treeformer': 1 });
      const node = onlyNode(model);
      assert.strictEqual(node.opType, 'TreeRoute');
      assert.strictEqual(node.domain, 'ai.treeformer');
      assert.deepStrictEqual(node.attrs, {});
      // Plain onnxruntime-node parses the model and stops at the unregistered op.
      await assert.rejects(ort.InferenceSession.create(model), (e: Error) => /TreeRoute/.test(e.message) && !/protobuf|pars/i.test(e.message));
    });

    for (const op of ['TreeFineAttention', 'TreeCoarseAttention'] as const) {
      it(`${op} model: typed inputs, attributes, overrides`, async () => {
        const model = treeAttentionModel(op, { num_global: 2, scale: 1 });
        const inputs = graphValues(model, 11);
        assert.deepStrictEqual(
          inputs.map((i) => [i.name, i.elemType]),
          [
            ['Q', 1],
            ['K', 1],
            ['V', 1],
            ['W', 1],
            ['Wb', 1],
            ['sink_k', 1],
            ['sink_v', 1],
            ['mask', 7],
          ],
        );
        assert.deepStrictEqual(inputs[7].dims, ['B', 'N']);
        assert.deepStrictEqual(
          graphValues(model, 12).map((o) => [o.name, o.elemType]),
          [
            ['out', 1],
            ['q_leaf', 7],
            ['k_leaf', 7],
          ],
        );
        const node = onlyNode(model);
        assert.strictEqual(node.opType, op);
        assert.strictEqual(node.domain, 'ai.treeformer');
        // scale: 1 must still be a FLOAT attribute, num_global an INT.
        assert.deepStrictEqual(node.attrs, {
          num_global: { type: AttrType.INT, f: undefined, i: 2n },
          scale: { type: AttrType.FLOAT, f: 1, i: undefined },
        });
        assert.deepStrictEqual(onlyNode(treeAttentionModel(op)).attrs, {});
        assert.deepStrictEqual(onlyNode(treeAttentionModel(op, { num_global: attr.int(-3) })).attrs, {
          num_global: { type: AttrType.INT, f: undefined, i: 2n ** 64n - 3n },
        });

        const odd = treeAttentionModel(op, {}, {
          inputTypes: { Q: TensorType.DOUBLE, mask: TensorType.INT32 },
          inputShapes: { K: null, V: [1, 2, 'N', 4] },
          opsets: { 'com.microsoft': 1 },
        });
        const oddInputs = graphValues(odd, 11);
        assert.deepStrictEqual(oddInputs[0], { name: 'Q', elemType: TensorType.DOUBLE, dims: ['B', 'H', 'N', 'D'] });
        assert.deepStrictEqual(oddInputs[1], { name: 'K', elemType: TensorType.FLOAT, dims: undefined });
        assert.deepStrictEqual(oddInputs[2].dims, [1, 2, 'N', 4]);
        assert.deepStrictEqual(oddInputs[7].elemType, TensorType.INT32);
        assert.deepStrictEqual(opsetImports(odd), { '': 17, 'ai.treeformer': 1, 'com.microsoft': 1 });

        await assert.rejects(ort.InferenceSession.create(model), (e: Error) => e.message.includes(op) && !/protobuf|pars/i.test(e.message));
      });
    }
  });
});
