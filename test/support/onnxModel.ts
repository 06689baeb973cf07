/**
 * A small ONNX model writer for tests and benchmarks (no npm dependency).
 *
 * It contains a minimal protobuf encoder (`ProtoWriter`) and a `GraphBuilder`
 * that produces a serialized `ModelProto`. Only the parts of onnx.proto that
 * tests need are covered: typed graph inputs/outputs, nodes with attributes,
 * tensor initializers stored as little-endian `raw_data`, and opset imports.
 *
 * Field numbers follow onnx/onnx.proto (proto2; repeated scalars are written
 * unpacked, which every protobuf parser accepts).
 */

// ---------------------------------------------------------------------------
// Protobuf encoding
// ---------------------------------------------------------------------------

/** Protobuf wire types used here. */
const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const UTF8 = new TextEncoder();

/** Append-only protobuf message encoder. */
export class ProtoWriter {
  private chunks: number[] = [];

  /**
   * Unsigned varint for non-negative values; negative values (and any value
   * given as a bigint) are encoded as 64-bit two's complement, i.e. int64
   * semantics: a negative number takes 10 bytes.
   */
  varint(value: number | bigint): this {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) {
        throw new RangeError(`varint: ${value} is not a safe integer`);
      }
      if (value >= 0) {
        let v = value;
        while (v >= 0x80) {
          this.chunks.push((v % 0x80) | 0x80);
          v = Math.floor(v / 0x80);
        }
        this.chunks.push(v);
        return this;
      }
      value = BigInt(value);
    }
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.chunks.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.chunks.push(Number(v));
    return this;
  }

  /** Field key: (field number << 3) | wire type. */
  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** A varint field (int32/int64/enum/bool). */
  intField(field: number, value: number | bigint): this {
    return this.tag(field, WIRE_VARINT).varint(value);
  }

  /** A `float` field (fixed32, little-endian IEEE 754 single). */
  floatField(field: number, value: number): this {
    const buf = new DataView(new ArrayBuffer(4));
    buf.setFloat32(0, value, true);
    this.tag(field, WIRE_FIXED32);
    for (let i = 0; i < 4; i++) this.chunks.push(buf.getUint8(i));
    return this;
  }

  /** A length-delimited field holding raw bytes (bytes or embedded message). */
  bytesField(field: number, bytes: Uint8Array): this {
    this.tag(field, WIRE_LEN).varint(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.chunks.push(bytes[i]);
    return this;
  }

  /** A `string` field (UTF-8). */
  stringField(field: number, value: string): this {
    return this.bytesField(field, UTF8.encode(value));
  }

  /** An embedded message field; `build` fills the nested writer. */
  messageField(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytesField(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

// ---------------------------------------------------------------------------
// ONNX enums
// ---------------------------------------------------------------------------

/** TensorProto.DataType */
export enum TensorType {
  UNDEFINED = 0,
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  UINT16 = 4,
  INT16 = 5,
  INT32 = 6,
  INT64 = 7,
  STRING = 8,
  BOOL = 9,
  FLOAT16 = 10,
  DOUBLE = 11,
  UINT32 = 12,
  UINT64 = 13,
}

/** AttributeProto.AttributeType (the subset this writer emits). */
export enum AttrType {
  FLOAT = 1,
  INT = 2,
  STRING = 3,
  FLOATS = 6,
  INTS = 7,
}

/** One dimension: a fixed size, a symbolic name, or `null` (unknown, unnamed). */
export type Dim = number | string | null;
/** A tensor shape; `[]` is a scalar. Omit the shape entirely for unknown rank. */
export type Shape = readonly Dim[];

/** An explicitly typed attribute value. */
export type AttrValue =
  | { type: AttrType.FLOAT; value: number }
  | { type: AttrType.INT; value: number | bigint }
  | { type: AttrType.STRING; value: string }
  | { type: AttrType.FLOATS; value: readonly number[] }
  | { type: AttrType.INTS; value: readonly (number | bigint)[] };

/**
 * What `node()` accepts as an attribute. Plain values are inferred: an integer
 * number is INT, any other number FLOAT, a string STRING, an array of integers
 * INTS, other numeric arrays FLOATS (an empty array is INTS). Use the `attr.*`
 * helpers when inference would be wrong, e.g. `attr.float(1)`.
 */
export type AttrInput = AttrValue | number | bigint | string | readonly number[];

/** Explicit attribute constructors. */
export const attr = {
  float: (value: number): AttrValue => ({ type: AttrType.FLOAT, value }),
  int: (value: number | bigint): AttrValue => ({ type: AttrType.INT, value }),
  string: (value: string): AttrValue => ({ type: AttrType.STRING, value }),
  floats: (value: readonly number[]): AttrValue => ({ type: AttrType.FLOATS, value }),
  ints: (value: readonly (number | bigint)[]): AttrValue => ({ type: AttrType.INTS, value }),
};

function toAttrValue(name: string, v: AttrInput): AttrValue {
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'type' in v) {
    return v as AttrValue;
  }
  if (typeof v === 'bigint') return attr.int(v);
  if (typeof v === 'number') return Number.isInteger(v) ? attr.int(v) : attr.float(v);
  if (typeof v === 'string') return attr.string(v);
  if (Array.isArray(v)) {
    const arr = v as readonly number[];
    return arr.every((x) => Number.isInteger(x)) ? attr.ints(arr) : attr.floats(arr);
  }
  throw new TypeError(`attribute ${name}: unsupported value ${String(v)}`);
}

// ---------------------------------------------------------------------------
// Message encoders
// ---------------------------------------------------------------------------

/** ValueInfoProto: name=1, type=2. TypeProto.tensor_type=1; Tensor: elem_type=1, shape=2. */
function encodeValueInfo(w: ProtoWriter, name: string, type: TensorType, shape: Shape | undefined): void {
  w.stringField(1, name);
  w.messageField(2, (tp) =>
    tp.messageField(1, (tt) => {
      tt.intField(1, type);
      if (shape !== undefined) {
        // TensorShapeProto: dim=1; Dimension: dim_value=1, dim_param=2.
        tt.messageField(2, (sp) => {
          for (const d of shape) {
            sp.messageField(1, (dp) => {
              if (typeof d === 'number') dp.intField(1, d);
              else if (typeof d === 'string') dp.stringField(2, d);
            });
          }
        });
      }
    }),
  );
}

/** AttributeProto: name=1, f=2, i=3, s=4, floats=7, ints=8, type=20. */
function encodeAttribute(w: ProtoWriter, name: string, a: AttrValue): void {
  w.stringField(1, name);
  switch (a.type) {
    case AttrType.FLOAT:
      w.floatField(2, a.value);
      break;
    case AttrType.INT:
      w.intField(3, a.value);
      break;
    case AttrType.STRING:
      w.stringField(4, a.value);
      break;
    case AttrType.FLOATS:
      for (const f of a.value) w.floatField(7, f);
      break;
    case AttrType.INTS:
      for (const i of a.value) w.intField(8, i);
      break;
  }
  w.intField(20, a.type);
}

/** Tensor data accepted by `initializer()`. */
export type TensorData = ArrayLike<number> | BigInt64Array | readonly bigint[];

/** Little-endian raw bytes of `data` as `type`. */
function rawData(type: TensorType, data: TensorData): Uint8Array {
  const n = data.length;
  const get = (i: number): number | bigint => (data as ArrayLike<number | bigint>)[i];
  const num = (i: number): number => Number(get(i));
  const big = (i: number): bigint => {
    const v = get(i);
    return typeof v === 'bigint' ? v : BigInt(v);
  };
  let size: number;
  let put: (dv: DataView, i: number) => void;
  switch (type) {
    case TensorType.FLOAT:
      size = 4;
      put = (dv, i) => dv.setFloat32(i * 4, num(i), true);
      break;
    case TensorType.DOUBLE:
      size = 8;
      put = (dv, i) => dv.setFloat64(i * 8, num(i), true);
      break;
    case TensorType.INT32:
      size = 4;
      put = (dv, i) => dv.setInt32(i * 4, num(i), true);
      break;
    case TensorType.INT64:
      size = 8;
      put = (dv, i) => dv.setBigInt64(i * 8, big(i), true);
      break;
    case TensorType.UINT8:
    case TensorType.BOOL:
      size = 1;
      put = (dv, i) => dv.setUint8(i, num(i));
      break;
    default:
      throw new Error(`initializer: element type ${TensorType[type] ?? type} is not supported`);
  }
  const buf = new ArrayBuffer(n * size);
  const dv = new DataView(buf);
  for (let i = 0; i < n; i++) put(dv, i);
  return new Uint8Array(buf);
}

/** TensorProto: dims=1, data_type=2, name=8, raw_data=9. */
function encodeTensor(w: ProtoWriter, name: string, type: TensorType, dims: readonly number[], data: TensorData): void {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new Error(`initializer ${name}: dims [${dims.join(',')}] need ${count} values, got ${data.length}`);
  }
  for (const d of dims) w.intField(1, d);
  w.intField(2, type);
  w.stringField(8, name);
  w.bytesField(9, rawData(type, data));
}

// ---------------------------------------------------------------------------
// Graph builder
// ---------------------------------------------------------------------------

interface ValueDecl {
  name: string;
  type: TensorType;
  shape?: Shape | undefined;
}

interface NodeDecl {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs: [string, AttrValue][];
  domain: string;
  name: string;
}

interface InitDecl {
  name: string;
  type: TensorType;
  dims: readonly number[];
  data: TensorData;
}

export interface ModelOptions {
  /** Opset imports by domain ('' is the default ONNX domain). Default `{'': 17}`. */
  opsets?: Record<string, number>;
  /** ModelProto.ir_version, default 8. */
  irVersion?: number;
  /** ModelProto.producer_name, default 'treeformer-tests'. */
  producerName?: string;
}

/**
 * Builds one graph. Values are declared in the order they are added; nodes
 * must be added in topological order (ONNX requires it).
 */
export class GraphBuilder {
  private readonly inputs: ValueDecl[] = [];
  private readonly outputs: ValueDecl[] = [];
  private readonly nodes: NodeDecl[] = [];
  private readonly inits: InitDecl[] = [];

  constructor(readonly name: string) {}

  /** Declare a graph input. Omit `shape` for a tensor of unknown rank. */
  input(name: string, type: TensorType, shape?: Shape): this {
    this.inputs.push({ name, type, shape });
    return this;
  }

  /** Declare a graph output. Omit `shape` for a tensor of unknown rank. */
  output(name: string, type: TensorType, shape?: Shape): this {
    this.outputs.push({ name, type, shape });
    return this;
  }

  /**
   * Add a node. An empty string in `inputs` marks an omitted optional input.
   * The node name defaults to `<opType>_<index>`.
   */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, AttrInput | undefined> = {},
    domain = '',
    name?: string,
  ): this {
    const list: [string, AttrValue][] = [];
    for (const [k, v] of Object.entries(attrs)) {
      if (v !== undefined) list.push([k, toAttrValue(k, v)]);
    }
    this.nodes.push({
      opType,
      inputs: [...inputs],
      outputs: [...outputs],
      attrs: list,
      domain,
      name: name ?? `${opType}_${this.nodes.length}`,
    });
    return this;
  }

  /** Add a constant tensor (stored as little-endian raw_data). `dims` `[]` = scalar. */
  initializer(name: string, type: TensorType, dims: readonly number[], data: TensorData): this {
    this.inits.push({ name, type, dims: [...dims], data });
    return this;
  }

  /** Serialized GraphProto: node=1, name=2, initializer=5, input=11, output=12. */
  toGraphProto(): Uint8Array {
    const w = new ProtoWriter();
    for (const n of this.nodes) {
      // NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, domain=7.
      w.messageField(1, (nw) => {
        for (const i of n.inputs) nw.stringField(1, i);
        for (const o of n.outputs) nw.stringField(2, o);
        nw.stringField(3, n.name);
        nw.stringField(4, n.opType);
        for (const [k, v] of n.attrs) nw.messageField(5, (aw) => encodeAttribute(aw, k, v));
        if (n.domain !== '') nw.stringField(7, n.domain);
      });
    }
    w.stringField(2, this.name);
    for (const t of this.inits) w.messageField(5, (tw) => encodeTensor(tw, t.name, t.type, t.dims, t.data));
    for (const v of this.inputs) w.messageField(11, (vw) => encodeValueInfo(vw, v.name, v.type, v.shape));
    for (const v of this.outputs) w.messageField(12, (vw) => encodeValueInfo(vw, v.name, v.type, v.shape));
    return w.finish();
  }

  /** Serialized ModelProto: ir_version=1, producer_name=2, graph=7, opset_import=8. */
  toModel(options: ModelOptions = {}): Uint8Array {
    const opsets = options.opsets ?? { '': 17 };
    const w = new ProtoWriter();
    w.intField(1, options.irVersion ?? 8);
    w.stringField(2, options.producerName ?? 'treeformer-tests');
    w.bytesField(7, this.toGraphProto());
    for (const [domain, version] of Object.entries(opsets)) {
      // OperatorSetIdProto: domain=1, version=2.
      w.messageField(8, (ow) => {
        ow.stringField(1, domain);
        ow.intField(2, version);
      });
    }
    return w.finish();
  }
}

// ---------------------------------------------------------------------------
// Ready-made models
// ---------------------------------------------------------------------------

/** The custom-op domain and its version (DESIGN §4). */
export const TREEFORMER_DOMAIN = 'ai.treeformer';
export const TREEFORMER_OPSET = 1;

/** Options shared by the custom-op model factories. */
export interface OpModelOptions {
  /** Declared element type per graph input, e.g. `{ Q: TensorType.DOUBLE }`. */
  inputTypes?: Partial<Record<string, TensorType>>;
  /** Declared shape per graph input; `null` omits the shape (unknown rank). */
  inputShapes?: Partial<Record<string, Shape | null>>;
  /** Extra or overriding opset imports, e.g. `{ 'com.microsoft': 1 }`. */
  opsets?: Record<string, number>;
}

const BHND: Shape = ['B', 'H', 'N', 'D'];
const BHN: Shape = ['B', 'H', 'N'];

function declareInputs(g: GraphBuilder, defaults: [string, TensorType, Shape][], opts: OpModelOptions): void {
  for (const [name, type, shape] of defaults) {
    const t = opts.inputTypes?.[name] ?? type;
    const override = opts.inputShapes?.[name];
    const s = override === undefined ? shape : override;
    g.input(name, t, s === null ? undefined : s);
  }
}

function opOpsets(opts: OpModelOptions): Record<string, number> {
  return { '': 17, [TREEFORMER_DOMAIN]: TREEFORMER_OPSET, ...opts.opsets };
}

/**
 * One `TreeRoute` node: inputs X [B,H,N,D], W [H,M,D], Wb [H,M] (float32),
 * output `leaf` int64 [B,H,N].
 */
export function treeRouteModel(opts: OpModelOptions = {}): Uint8Array {
  const g = new GraphBuilder('tree_route');
  declareInputs(
    g,
    [
      ['X', TensorType.FLOAT, BHND],
      ['W', TensorType.FLOAT, ['H', 'M', 'D']],
      ['Wb', TensorType.FLOAT, ['H', 'M']],
    ],
    opts,
  );
  g.node('TreeRoute', ['X', 'W', 'Wb'], ['leaf'], {}, TREEFORMER_DOMAIN);
  g.output('leaf', TensorType.INT64, BHN);
  return g.toModel({ opsets: opOpsets(opts) });
}

/** Attributes of the attention ops. A plain number is written as INT for
 * `num_global` and FLOAT for `scale`; pass an `attr.*` value to force a type
 * (e.g. to test a malformed attribute). Omitted = attribute absent. */
export interface TreeAttentionAttrs {
  num_global?: number | AttrValue;
  scale?: number | AttrValue;
}

/** Graph input names of the attention ops, in op input order. */
export const TREE_ATTENTION_INPUTS = ['Q', 'K', 'V', 'W', 'Wb', 'sink_k', 'sink_v', 'mask'] as const;

/**
 * One `TreeFineAttention` or `TreeCoarseAttention` node. Inputs are named like
 * the op inputs (Q, K, V [B,H,N,D]; W [H,M,D]; Wb [H,M]; sink_k, sink_v [H,D];
 * float32; mask int64 [B,N]); outputs `out` float [B,H,N,D], `q_leaf` and
 * `k_leaf` int64 [B,H,N].
 */
export function treeAttentionModel(
  op: 'TreeFineAttention' | 'TreeCoarseAttention',
  attrs: TreeAttentionAttrs = {},
  opts: OpModelOptions = {},
): Uint8Array {
  const g = new GraphBuilder(op === 'TreeFineAttention' ? 'tree_fine_attention' : 'tree_coarse_attention');
  declareInputs(
    g,
    [
      ['Q', TensorType.FLOAT, BHND],
      ['K', TensorType.FLOAT, BHND],
      ['V', TensorType.FLOAT, BHND],
      ['W', TensorType.FLOAT, ['H', 'M', 'D']],
      ['Wb', TensorType.FLOAT, ['H', 'M']],
      ['sink_k', TensorType.FLOAT, ['H', 'D']],
      ['sink_v', TensorType.FLOAT, ['H', 'D']],
      ['mask', TensorType.INT64, ['B', 'N']],
    ],
    opts,
  );
  const a: Record<string, AttrInput | undefined> = {};
  if (attrs.num_global !== undefined) {
    a.num_global = typeof attrs.num_global === 'number' ? attr.int(attrs.num_global) : attrs.num_global;
  }
  if (attrs.scale !== undefined) {
    a.scale = typeof attrs.scale === 'number' ? attr.float(attrs.scale) : attrs.scale;
  }
  g.node(op, [...TREE_ATTENTION_INPUTS], ['out', 'q_leaf', 'k_leaf'], a, TREEFORMER_DOMAIN);
  g.output('out', TensorType.FLOAT, BHND);
  g.output('q_leaf', TensorType.INT64, BHN);
  g.output('k_leaf', TensorType.INT64, BHN);
  return g.toModel({ opsets: opOpsets(opts) });
}

/**
 * Exact dense attention with standard ONNX ops:
 * out = Softmax(MatMul(Q, Transpose(K)) * scale, axis=-1) · V,
 * Q [B,H,N,D], K and V [B,H,Nk,D] float32, output `out` [B,H,N,D].
 * With `scale` given it is a scalar initializer; otherwise `scale` is a
 * float32 scalar graph input (shape []).
 */
export function denseAttentionModel(options: { scale?: number } = {}): Uint8Array {
  const g = new GraphBuilder('dense_attention');
  g.input('Q', TensorType.FLOAT, BHND);
  g.input('K', TensorType.FLOAT, ['B', 'H', 'Nk', 'D']);
  g.input('V', TensorType.FLOAT, ['B', 'H', 'Nk', 'D']);
  if (options.scale === undefined) g.input('scale', TensorType.FLOAT, []);
  else g.initializer('scale', TensorType.FLOAT, [], [options.scale]);
  g.node('Transpose', ['K'], ['Kt'], { perm: [0, 1, 3, 2] });
  g.node('MatMul', ['Q', 'Kt'], ['scores']);
  g.node('Mul', ['scores', 'scale'], ['scaled']);
  g.node('Softmax', ['scaled'], ['probs'], { axis: -1 });
  g.node('MatMul', ['probs', 'V'], ['out']);
  g.output('out', TensorType.FLOAT, BHND);
  return g.toModel({ opsets: { '': 17 } });
}
