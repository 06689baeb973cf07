// libFuzzer target for the ai.treeformer CPU kernels and the ops' input checks,
// built with ASan + UBSan by custom-ops/fuzz/run.sh (npm run fuzz:native).
//
// The first byte of an input picks a mode:
//   0  kernels called directly (tree_route / tree_fine_attention /
//      tree_coarse_attention) on small shapes, NaN/Inf data, masks, num_global
//      and any scale; checked for leaf ranges, padding, value bounds and
//      independence from the order the parallel tasks run in.
//   1  a whole op call through ops.cc (attribute reading, CreateKernelV2,
//      ComputeV2 with every input check, then the CPU kernel), against a fake
//      OrtApi that serves tensors decoded from the input: wrong dtypes, ranks,
//      shapes, missing / non-tensor inputs, attributes of every kind. The op
//      must succeed exactly when the inputs are well formed, and every error
//      must be ORT_INVALID_ARGUMENT with a message starting with the op name.
//   2  the shape checks of ops.cc (check_sizes, check_tree, depth_of,
//      check_scratch with both scratch estimates) on arbitrary int64 dims,
//      including ones too large to back with real tensors.
// ops.cc is included whole so that its internal functions can be called; it
// is compiled unchanged. Nothing of ONNX Runtime is linked.
#include "../ort/ops.cc"

#include <cfloat>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

// ------------------------------------------------------------ input decoding

namespace {

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {
    for (size_t i = 0; i < size; ++i) rng_ = (rng_ ^ data[i]) * 0x100000001b3ull;
  }
  bool exhausted() const { return p_ >= end_; }
  // Next input byte, or (input exhausted) a pseudo-random one fixed by the input.
  uint8_t byte() {
    if (p_ < end_) return *p_++;
    rng_ ^= rng_ << 13, rng_ ^= rng_ >> 7, rng_ ^= rng_ << 17;
    return static_cast<uint8_t>(rng_ >> 24);
  }
  int64_t i64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | byte();
    return static_cast<int64_t>(v);
  }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | byte();
    return v;
  }
  // A float: mostly small values, sometimes a special one or raw bits.
  float f32() {
    const uint8_t b = byte();
    if (b < 208) return (static_cast<int>(b) - 104) / 26.0f;  // [-4, 4]
    static const float special[] = {std::numeric_limits<float>::quiet_NaN(),
                                    -std::numeric_limits<float>::quiet_NaN(),
                                    std::numeric_limits<float>::infinity(),
                                    -std::numeric_limits<float>::infinity(),
                                    0.0f, -0.0f, FLT_MAX, -FLT_MAX, FLT_MIN, -FLT_MIN,
                                    std::numeric_limits<float>::denorm_min(), 1e30f, -1e30f, 1e-30f, 65504.f};
    const size_t n = sizeof special / sizeof special[0];
    if (b - 208u < n) return special[b - 208];
    const uint32_t bits = u32();
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  uint64_t rng_ = 0xcbf29ce484222325ull;
};

// Outcome counts, printed at exit when OPS_FUZZ_STATS is set (to see what a run reached).
enum Stat { kKernelRuns, kOpAccepted, kOpRefused, kAttrRefused, kChecksAccepted, kChecksRefused, kStats };
long stats[kStats];
const char* const stat_names[kStats] = {"kernel_calls", "op_accepted", "op_refused", "op_attr_refused",
                                        "checks_accepted", "checks_refused"};
void print_stats() {
  for (int i = 0; i < kStats; ++i) std::fprintf(stderr, "ops_fuzz: %s=%ld\n", stat_names[i], stats[i]);
}

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
  std::abort();
}

bool small_finite(float x) { return std::isfinite(x) && std::fabs(x) <= 4.0f; }

// Kernel data: floats, and a mask whose nonzero entries are not always 1.
void fill_floats(Reader& r, std::vector<float>& v) {
  for (float& x : v) x = r.f32();
}
void fill_mask(Reader& r, std::vector<int64_t>& m) {
  for (int64_t& x : m) {
    const uint8_t b = r.byte();
    x = (b & 3) == 0 ? 0 : (b & 3) == 1 ? 1 : (b & 3) == 2 ? -1 : static_cast<int64_t>(b) << 40;
  }
}

// ------------------------------------------------------------ mode 0: kernels

void reversed_order(size_t count, const std::function<void(size_t)>& task) {
  for (size_t i = count; i-- > 0;) task(i);
}

void fuzz_kernels(Reader& r) {
  const int kind = r.byte() % 3;
  treeformer::Dims d;
  d.B = 1 + r.byte() % 3;
  d.H = 1 + r.byte() % 3;
  d.N = 1 + r.byte() % 48;
  d.D = 1 + r.byte() % 40;
  d.depth = 1 + r.byte() % 7;
  d.M = (int64_t{1} << d.depth) - 1;
  const int64_t BHND = d.B * d.H * d.N * d.D, BHN = d.B * d.H * d.N;
  std::vector<float> Q(BHND), K(BHND), V(BHND), W(d.H * d.M * d.D), Wb(d.H * d.M), sk(d.H * d.D), sv(d.H * d.D);
  std::vector<int64_t> mask(d.B * d.N);
  treeformer::AttentionInputs in;
  in.num_global = r.byte() % (d.N + 3);
  const uint8_t sb = r.byte();
  in.scale = sb < 128 ? 1.0f / std::sqrt(static_cast<float>(d.D)) : sb < 192 ? (sb - 127) / 8.0f : r.f32();
  fill_mask(r, mask);
  for (auto* v : {&W, &Wb, &Q, &K, &V, &sk, &sv}) fill_floats(r, *v);
  in.Q = Q.data(), in.K = K.data(), in.V = V.data(), in.W = W.data(), in.Wb = Wb.data();
  in.sink_k = sk.data(), in.sink_v = sv.data(), in.mask = mask.data();

  ++stats[kKernelRuns];
  if (kind == 0) {
    std::vector<int64_t> leaf(BHN, -7), leaf2(BHN, -7);
    treeformer::tree_route(d, Q.data(), W.data(), Wb.data(), leaf.data(), treeformer::run_serially);
    treeformer::tree_route(d, Q.data(), W.data(), Wb.data(), leaf2.data(), reversed_order);
    for (int64_t i = 0; i < BHN; ++i)
      if (leaf[i] < 0 || leaf[i] > d.M) finding("tree_route: leaf out of range");
    if (leaf != leaf2) finding("tree_route: result depends on task order");
    return;
  }

  auto run = [&](const treeformer::ParallelFor& pf, std::vector<float>& out, std::vector<int64_t>& ql,
                 std::vector<int64_t>& kl) {
    out.assign(BHND, -12345.f);
    ql.assign(BHN, -7);
    kl.assign(BHN, -7);
    treeformer::AttentionOutputs o{out.data(), ql.data(), kl.data()};
    if (kind == 1)
      treeformer::tree_fine_attention(d, in, o, pf);
    else
      treeformer::tree_coarse_attention(d, in, o, pf);
  };
  std::vector<float> out, out2;
  std::vector<int64_t> ql, kl, ql2, kl2;
  run(treeformer::run_serially, out, ql, kl);
  run(reversed_order, out2, ql2, kl2);
  const char* name = kind == 1 ? "tree_fine_attention" : "tree_coarse_attention";
  if (ql != ql2 || kl != kl2 || std::memcmp(out.data(), out2.data(), out.size() * sizeof(float)) != 0)
    finding(std::string(name) + ": result depends on task order");

  bool tame = small_finite(in.scale) && in.scale > 0;  // then outputs are finite and bounded by the values
  float vmax = 0.f;
  for (auto* v : {&Q, &K, &V, &sk, &sv})
    for (float x : *v) tame = tame && small_finite(x);
  for (auto* v : {&V, &sv})
    for (float x : *v) vmax = std::max(vmax, std::fabs(x));
  for (int64_t row = 0; row < BHN; ++row) {
    const int64_t b = row / (d.H * d.N), n = row % d.N;
    const bool valid = mask[b * d.N + n] != 0;
    if (valid != (ql[row] >= 0) || valid != (kl[row] >= 0)) finding(std::string(name) + ": leaf vs mask");
    if (ql[row] < -1 || ql[row] > d.M || kl[row] < -1 || kl[row] > d.M) finding(std::string(name) + ": leaf out of range");
    for (int64_t k = 0; k < d.D; ++k) {
      const float y = out[row * d.D + k];
      if (!valid && y != 0.f) finding(std::string(name) + ": padded output is not 0");
      if (valid && tame && !(std::fabs(y) <= vmax * 1.001f + 1e-5f))
        finding(std::string(name) + ": output " + std::to_string(y) + " outside the values' range " +
                std::to_string(vmax));
    }
  }
}

}  // namespace

// ------------------------------------------------------------ fake ONNX Runtime

// The C API's opaque types, defined here for the fake.
struct OrtStatus {
  OrtErrorCode code;
  std::string message;
};
struct OrtTensorTypeAndShapeInfo {
  ONNXTensorElementDataType type;
  std::vector<int64_t> shape;
};
struct OrtValue {
  bool is_tensor = true;
  OrtTensorTypeAndShapeInfo info;
  std::vector<unsigned char> data;
};
struct OrtKernelContext {
  std::vector<std::unique_ptr<OrtValue>> inputs;  // null entry: an absent input
  std::vector<std::unique_ptr<OrtValue>> outputs;
};
enum class AttrKind { Absent, Int, Float, String, Ints, Floats, EmptyList, Tensor, Graph };
struct FakeAttr {
  AttrKind kind = AttrKind::Absent;
  int64_t i = 0;
  float f = 0.f;
};
struct OrtKernelInfo {
  FakeAttr num_global, scale;
  const FakeAttr& get(const char* name) const {
    static const FakeAttr absent;
    return std::strcmp(name, "num_global") == 0 ? num_global : std::strcmp(name, "scale") == 0 ? scale : absent;
  }
};

namespace {

size_t element_size(ONNXTensorElementDataType t) {
  switch (t) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return 8;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return 2;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL: return 1;
    default: return 4;
  }
}

int64_t element_count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

OrtStatus* status(OrtErrorCode code, const char* msg) { return new OrtStatus{code, msg}; }

// What ORT says when an attribute is missing or has another type.
OrtStatus* attr_missing(const char* name) {
  return status(ORT_FAIL, (std::string("No attribute with name:'") + name + "'is defined.").c_str());
}
OrtStatus* attr_mismatch() { return status(ORT_FAIL, "Attribute name and type don't match"); }

const OrtApi& fake_api() {
  static const OrtApi api = [] {
    OrtApi a{};
    a.CreateStatus = [](OrtErrorCode code, const char* msg) noexcept { return status(code, msg); };
    a.GetErrorCode = [](const OrtStatus* s) noexcept { return s->code; };
    a.GetErrorMessage = [](const OrtStatus* s) noexcept { return s->message.c_str(); };
    a.ReleaseStatus = [](OrtStatus* s) noexcept { delete s; };
    a.KernelContext_GetInputCount = [](const OrtKernelContext* c, size_t* out) noexcept -> OrtStatus* {
      *out = c->inputs.size();
      return nullptr;
    };
    a.KernelContext_GetInput = [](const OrtKernelContext* c, size_t i, const OrtValue** out) noexcept -> OrtStatus* {
      if (i >= c->inputs.size()) return status(ORT_INVALID_ARGUMENT, "input index out of range");
      *out = c->inputs[i].get();
      return nullptr;
    };
    a.KernelContext_GetOutput = [](OrtKernelContext* c, size_t i, const int64_t* dims, size_t count,
                                   OrtValue** out) noexcept -> OrtStatus* {
      if (i > 2) finding("output index " + std::to_string(i));
      std::vector<int64_t> shape(dims, dims + count);
      for (int64_t s : shape)
        if (s < 0 || s > (1 << 20)) finding("output " + std::to_string(i) + " requested with dim " + std::to_string(s));
      if (element_count(shape) > (1 << 22)) finding("output " + std::to_string(i) + " too large");
      if (c->outputs.size() <= i) c->outputs.resize(i + 1);
      auto v = std::make_unique<OrtValue>();
      v->info.shape = shape;
      v->data.assign(static_cast<size_t>(element_count(shape)) * 8, 0xCD);  // unwritten outputs stand out
      *out = v.get();
      c->outputs[i] = std::move(v);
      return nullptr;
    };
    a.KernelContext_ParallelFor = [](const OrtKernelContext*, void (*fn)(void*, size_t), size_t total, size_t,
                                     void* user) noexcept -> OrtStatus* {
      for (size_t i = 0; i < total; ++i) fn(user, i);
      return nullptr;
    };
    a.IsTensor = [](const OrtValue* v, int* out) noexcept -> OrtStatus* {
      *out = v->is_tensor;
      return nullptr;
    };
    a.GetTensorTypeAndShape = [](const OrtValue* v, OrtTensorTypeAndShapeInfo** out) noexcept -> OrtStatus* {
      if (!v->is_tensor) return status(ORT_INVALID_ARGUMENT, "not a tensor");
      *out = new OrtTensorTypeAndShapeInfo(v->info);
      return nullptr;
    };
    a.ReleaseTensorTypeAndShapeInfo = [](OrtTensorTypeAndShapeInfo* p) noexcept { delete p; };
    a.GetTensorElementType = [](const OrtTensorTypeAndShapeInfo* p, ONNXTensorElementDataType* out) noexcept
        -> OrtStatus* {
      *out = p->type;
      return nullptr;
    };
    a.GetDimensionsCount = [](const OrtTensorTypeAndShapeInfo* p, size_t* out) noexcept -> OrtStatus* {
      *out = p->shape.size();
      return nullptr;
    };
    a.GetDimensions = [](const OrtTensorTypeAndShapeInfo* p, int64_t* dims, size_t n) noexcept -> OrtStatus* {
      for (size_t i = 0; i < n && i < p->shape.size(); ++i) dims[i] = p->shape[i];
      return nullptr;
    };
    a.GetTensorData = [](const OrtValue* v, const void** out) noexcept -> OrtStatus* {
      *out = v->data.data();
      return nullptr;
    };
    a.GetTensorMutableData = [](OrtValue* v, void** out) noexcept -> OrtStatus* {
      *out = v->data.data();
      return nullptr;
    };
    a.KernelInfoGetAttribute_int64 = [](const OrtKernelInfo* k, const char* name, int64_t* out) noexcept
        -> OrtStatus* {
      const FakeAttr& at = k->get(name);
      if (at.kind == AttrKind::Absent) return attr_missing(name);
      if (at.kind != AttrKind::Int) return attr_mismatch();
      *out = at.i;
      return nullptr;
    };
    a.KernelInfoGetAttribute_float = [](const OrtKernelInfo* k, const char* name, float* out) noexcept
        -> OrtStatus* {
      const FakeAttr& at = k->get(name);
      if (at.kind == AttrKind::Absent) return attr_missing(name);
      if (at.kind != AttrKind::Float) return attr_mismatch();
      *out = at.f;
      return nullptr;
    };
    a.KernelInfoGetAttribute_string = [](const OrtKernelInfo* k, const char* name, char* out, size_t* size) noexcept
        -> OrtStatus* {
      const FakeAttr& at = k->get(name);
      if (at.kind == AttrKind::Absent) return attr_missing(name);
      if (at.kind != AttrKind::String) return attr_mismatch();
      if (out) std::memcpy(out, "x", std::min<size_t>(*size, 2));
      *size = 2;
      return nullptr;
    };
    a.KernelInfoGetAttributeArray_int64 = [](const OrtKernelInfo* k, const char* name, int64_t*, size_t* size) noexcept
        -> OrtStatus* {
      const FakeAttr& at = k->get(name);
      if (at.kind == AttrKind::Absent) return attr_missing(name);
      if (at.kind != AttrKind::Ints && at.kind != AttrKind::EmptyList) return attr_mismatch();
      *size = at.kind == AttrKind::Ints ? 3 : 0;
      return nullptr;
    };
    a.KernelInfoGetAttributeArray_float = [](const OrtKernelInfo* k, const char* name, float*, size_t* size) noexcept
        -> OrtStatus* {
      const FakeAttr& at = k->get(name);
      if (at.kind == AttrKind::Absent) return attr_missing(name);
      if (at.kind != AttrKind::Floats && at.kind != AttrKind::EmptyList) return attr_mismatch();
      *size = at.kind == AttrKind::Floats ? 2 : 0;
      return nullptr;
    };
    a.GetAllocatorWithDefaultOptions = [](OrtAllocator** out) noexcept -> OrtStatus* {
      static int dummy;
      *out = reinterpret_cast<OrtAllocator*>(&dummy);
      return nullptr;
    };
    a.KernelInfoGetAttribute_tensor = [](const OrtKernelInfo* k, const char* name, OrtAllocator*, OrtValue** out) noexcept
        -> OrtStatus* {
      const FakeAttr& at = k->get(name);
      if (at.kind == AttrKind::Absent) return attr_missing(name);
      if (at.kind != AttrKind::Tensor) return attr_mismatch();
      *out = new OrtValue();
      return nullptr;
    };
    a.ReleaseValue = [](OrtValue* v) noexcept { delete v; };
    return a;
  }();
  return api;
}

// ------------------------------------------------------------ mode 1: whole op calls

FakeAttr decode_attr(Reader& r, bool is_scale) {
  FakeAttr at;
  const uint8_t k = r.byte();
  // Mostly absent or of the right type, so that most calls reach the kernel.
  if (k < 80) return at;
  if (k < 200) {
    at.kind = is_scale ? AttrKind::Float : AttrKind::Int;
  } else {
    at.kind = static_cast<AttrKind>(1 + k % 8);
  }
  const uint8_t v = r.byte();
  static const int64_t ints[] = {0, 1, 2, 3, 5, 64, -1, -2, INT32_MAX, INT64_MAX, INT64_MIN};
  at.i = v < 128 ? v % 8 : ints[v % (sizeof ints / sizeof ints[0])];
  static const float floats[] = {0.125f, 1.f, 1000.f, 1000.0001f, 0.f, -0.f, -1.f, 1e-40f, 1e-30f, 1e30f,
                                 std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()};
  at.f = v < 128 ? (1 + v % 64) / 16.0f : floats[v % (sizeof floats / sizeof floats[0])];
  return at;
}

bool attr_ok(const FakeAttr& at, bool is_scale) {
  if (at.kind == AttrKind::Absent) return true;
  if (is_scale) return at.kind == AttrKind::Float && std::isfinite(at.f) && at.f > 0.f && at.f <= 1000.f;
  return at.kind == AttrKind::Int && at.i >= 0;
}

struct InputSpec {
  std::vector<int64_t> shape;
  ONNXTensorElementDataType type;
};

// One input: usually as expected, sometimes with its type, rank or a dim changed.
std::unique_ptr<OrtValue> make_input(Reader& r, InputSpec spec) {
  const uint8_t m = r.byte();
  if (m >= 232) {
    switch (m % 8) {
      case 0: return nullptr;  // absent
      case 1: {
        auto v = std::make_unique<OrtValue>();
        v->is_tensor = false;
        return v;
      }
      case 2: spec.type = ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE; break;
      case 3:
        spec.type = spec.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT ? ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64
                                                                     : ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
        break;
      case 4: spec.type = r.byte() & 1 ? ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16; break;
      case 5: spec.shape.push_back(1 + r.byte() % 2); break;
      case 6: if (!spec.shape.empty()) spec.shape.pop_back(); break;
      case 7:
        if (!spec.shape.empty()) {
          int64_t& s = spec.shape[r.byte() % spec.shape.size()];
          const uint8_t how = r.byte() % 4;
          s = how == 0 ? 0 : how == 1 ? s + 1 : how == 2 ? std::max<int64_t>(0, s - 1) : r.byte() % 5;
        }
        break;
    }
  }
  auto v = std::make_unique<OrtValue>();
  v->info.type = spec.type;
  v->info.shape = spec.shape;
  const int64_t n = element_count(spec.shape);
  v->data.resize(static_cast<size_t>(n) * element_size(spec.type));
  if (spec.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
    float* f = reinterpret_cast<float*>(v->data.data());
    for (int64_t i = 0; i < n; ++i) f[i] = r.f32();
  } else if (spec.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64) {
    std::vector<int64_t> mask(static_cast<size_t>(n));
    fill_mask(r, mask);
    if (!mask.empty()) std::memcpy(v->data.data(), mask.data(), mask.size() * sizeof(int64_t));
  } else {
    for (auto& c : v->data) c = r.byte();
  }
  return v;
}

void fuzz_op(Reader& r) {
  using namespace treeformer;
  const int op = r.byte() % 3;  // 0 TreeRoute, 1 Fine, 2 Coarse
  const int64_t B = 1 + r.byte() % 3, H = 1 + r.byte() % 3, N = 1 + r.byte() % 40, D = 1 + r.byte() % 24;
  int64_t M = (int64_t{1} << (1 + r.byte() % 6)) - 1;
  const uint8_t mb = r.byte();
  if (mb >= 224) {
    static const int64_t odd[] = {0, 2, 5, 6, 10, 65535, 131071, 3};
    M = odd[mb % 8];
    if (M > 1024 && (H * D > 2 || B * H * N > 16)) M = 15;  // keep the deep trees cheap
  }
  const auto f32 = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, i64 = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
  std::vector<InputSpec> specs;
  if (op == 0) {
    specs = {{{B, H, N, D}, f32}, {{H, M, D}, f32}, {{H, M}, f32}};
  } else {
    specs = {{{B, H, N, D}, f32}, {{B, H, N, D}, f32}, {{B, H, N, D}, f32}, {{H, M, D}, f32},
             {{H, M}, f32},       {{H, D}, f32},       {{H, D}, f32},       {{B, N}, i64}};
  }
  OrtKernelInfo info;
  if (op != 0) info.num_global = decode_attr(r, false), info.scale = decode_attr(r, true);
  OrtKernelContext ctx;
  const size_t count = r.byte() < 248 ? specs.size() : specs.size() - 1 - r.byte() % 2;
  for (size_t i = 0; i < count; ++i) ctx.inputs.push_back(make_input(r, specs[i]));

  // Well formed: every input present, a tensor of the expected type and shape,
  // M + 1 a power of two with depth <= 16, attributes valid. The expected
  // shapes follow the actual Q (or X) and W, as the op derives them.
  bool ok = count == specs.size();
  int64_t b = 0, h = 0, n = 0, d = 0, m = 0;
  if (ok) {
    for (auto& in : ctx.inputs) ok = ok && in && in->is_tensor;
    if (ok) {
      const auto& q = ctx.inputs[0]->info.shape;
      const auto& w = ctx.inputs[op == 0 ? 1 : 3]->info.shape;
      ok = q.size() == 4 && w.size() == 3;
      if (ok) {
        b = q[0], h = q[1], n = q[2], d = q[3], m = w[1];
        ok = b > 0 && h > 0 && n > 0 && d > 0 && m > 0 && ((m + 1) & m) == 0 && m <= 65535;
      }
      std::vector<InputSpec> want;
      if (op == 0)
        want = {{{b, h, n, d}, f32}, {{h, m, d}, f32}, {{h, m}, f32}};
      else
        want = {{{b, h, n, d}, f32}, {{b, h, n, d}, f32}, {{b, h, n, d}, f32}, {{h, m, d}, f32},
                {{h, m}, f32},       {{h, d}, f32},       {{h, d}, f32},       {{b, n}, i64}};
      for (size_t i = 0; ok && i < want.size(); ++i)
        ok = ctx.inputs[i]->info.shape == want[i].shape && ctx.inputs[i]->info.type == want[i].type;
    }
  }
  const char* name = op == 0 ? "TreeRoute" : op == 1 ? "TreeFineAttention" : "TreeCoarseAttention";
  auto check_error = [&](OrtStatus* s, const char* stage) {
    if (s->code != ORT_INVALID_ARGUMENT)
      finding(std::string(name) + " " + stage + ": error code " + std::to_string(s->code) + ": " + s->message);
    if (s->message.rfind(std::string(name) + ": ", 0) != 0)
      finding(std::string(name) + " " + stage + ": message does not start with the op name: " + s->message);
  };

  const OrtApi& api = fake_api();
  OrtStatus* s = nullptr;
  if (op == 0) {
    TreeRouteKernel kernel(Device::Cpu);
    s = kernel.ComputeV2(&ctx);
  } else {
    const bool attrs_ok = attr_ok(info.num_global, false) && attr_ok(info.scale, true);
    TreeAttentionOp op_def(op == 1 ? Attention::Fine : Attention::Coarse, Device::Cpu);
    void* raw = nullptr;
    if (OrtStatus* cs = op_def.CreateKernelV2(api, &info, &raw)) {
      if (attrs_ok) finding(std::string(name) + ": valid attributes refused: " + cs->message);
      check_error(cs, "CreateKernelV2");
      ++stats[kAttrRefused];
      delete cs;
      return;
    }
    if (!attrs_ok) finding(std::string(name) + ": invalid attributes accepted");
    std::unique_ptr<TreeAttentionKernel> kernel(static_cast<TreeAttentionKernel*>(raw));
    s = kernel->ComputeV2(&ctx);
  }
  if (s) {
    if (ok) finding(std::string(name) + ": well-formed inputs refused: " + s->message);
    check_error(s, "ComputeV2");
    ++stats[kOpRefused];
    delete s;
    return;
  }
  if (!ok) finding(std::string(name) + ": malformed inputs accepted");
  ++stats[kOpAccepted];
  // Outputs: all requested with the right shapes, leaves in range.
  const size_t outs = op == 0 ? 1 : 3;
  if (ctx.outputs.size() != outs) finding(std::string(name) + ": wrong number of outputs");
  for (size_t i = 0; i < outs; ++i) {
    OrtValue* o = ctx.outputs[i].get();
    if (!o) finding(std::string(name) + ": output missing");
    const bool is_leaf = op == 0 || i > 0;
    const std::vector<int64_t> want = is_leaf ? std::vector<int64_t>{b, h, n} : std::vector<int64_t>{b, h, n, d};
    if (o->info.shape != want) finding(std::string(name) + ": output shape");
    if (is_leaf) {
      const int64_t* leaf = reinterpret_cast<const int64_t*>(o->data.data());
      for (int64_t j = 0; j < b * h * n; ++j)
        if (leaf[j] < (op == 0 ? 0 : -1) || leaf[j] > m) finding(std::string(name) + ": leaf out of range");
    }
  }
}

// ------------------------------------------------------------ mode 2: shape checks

int64_t dim(Reader& r) {
  const uint8_t k = r.byte();
  if (k < 160) return k % 9;
  static const int64_t big[] = {-1, INT32_MAX, int64_t{INT32_MAX} + 1, int64_t{1} << 32, int64_t{1} << 40,
                                (int64_t{1} << 16) - 1, (int64_t{1} << 17) - 1, 65534, 1 << 20, 1023, 4096};
  if (k < 224) return big[k % (sizeof big / sizeof big[0])];
  return r.i64() >> (r.byte() % 64);
}

void fuzz_checks(Reader& r) {
  using namespace treeformer;
  Dims d;
  d.B = dim(r), d.H = dim(r), d.N = dim(r), d.D = dim(r);
  std::vector<int64_t> w_shape = {r.byte() < 224 ? d.H : dim(r), dim(r), r.byte() < 224 ? d.D : dim(r)};
  std::vector<int64_t> wb_shape = {r.byte() < 224 ? d.H : dim(r), r.byte() < 224 ? w_shape[1] : dim(r)};
  const int64_t num_global = dim(r);
  const bool fine = r.byte() & 1;
  // ORT only hands the op tensors that exist: every dim >= 0 and each tensor
  // small enough to be allocated. Other shapes cannot reach these checks.
  auto real = [](const std::vector<int64_t>& s) {
    double n = 1;
    for (int64_t x : s) {
      if (x < 0) return false;
      n *= static_cast<double>(x);
    }
    return n * 4 <= std::ldexp(1.0, 62);
  };
  if (!real({d.B, d.H, d.N, d.D}) || !real(w_shape) || !real(wb_shape) || num_global < 0) return;
  Ort::KernelContext no_ctx(nullptr);  // the checks below only report, they never touch the context
  InputReader reader("TreeFineAttention", no_ctx);
  try {
    check_sizes(reader, "Q", d);
    check_tree(reader, d, w_shape, wb_shape);
    const double bytes = fine ? fine_attention_scratch_bytes(d, std::min(num_global, d.N))
                              : coarse_attention_scratch_bytes(d, std::min(num_global, d.N));
    if (!(bytes >= 0)) finding("scratch estimate is negative or NaN");
    check_scratch(reader, d, bytes);
  } catch (const OpError& e) {
    if (e.message.rfind("TreeFineAttention: ", 0) != 0) finding("check message without op name: " + e.message);
    ++stats[kChecksRefused];
    return;
  }
  ++stats[kChecksAccepted];
  // Accepted: the dims must satisfy everything the kernels rely on.
  if (d.B < 1 || d.H < 1 || d.D < 1 || d.N < 1 || d.N > INT32_MAX) finding("check_sizes accepted bad dims");
  if (d.M < 1 || d.M > 65535 || ((d.M + 1) & d.M) != 0 || (int64_t{1} << d.depth) != d.M + 1)
    finding("check_tree accepted a bad tree");
  if (w_shape[0] != d.H || w_shape[2] != d.D || wb_shape[0] != d.H || wb_shape[1] != d.M)
    finding("check_tree accepted mismatched W/Wb");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool init = (Ort::InitApi(&fake_api()), std::getenv("OPS_FUZZ_STATS") && std::atexit(print_stats), true);
  (void)init;
  if (size == 0) return 0;
  Reader r(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: fuzz_kernels(r); break;
    case 1: fuzz_op(r); break;
    case 2: fuzz_checks(r); break;
  }
  return 0;
}
