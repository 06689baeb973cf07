// The ai.treeformer custom ops (DESIGN.md §4) as ONNX Runtime sees them: one
// class per op, inputs checked before any data is touched, then a call into
// the plain kernels (kernels/). Every failure becomes an OrtStatus naming the
// op and the input; no exception crosses into ONNX Runtime.
#define ORT_API_MANUAL_INIT
#include <onnxruntime_cxx_api.h>
#undef ORT_API_MANUAL_INIT

#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "tree_attention.h"
#ifdef TREEFORMER_WITH_CUDA
#include "tree_attention_cuda.h"
#endif

namespace treeformer {
namespace {

constexpr const char* kDomain = "ai.treeformer";
constexpr const char* kCudaProvider = "CUDAExecutionProvider";

// Scratch memory one op call may ask for (CPU memory, or device memory on
// CUDA), estimated from the input dims before anything is allocated.
constexpr double kMaxScratchBytes = 4.0 * 1024 * 1024 * 1024;
constexpr const char* kMaxScratchText = "4 GiB";

// Accepted range of the attention ops' `scale` attribute (1/sqrt(D) by default).
constexpr float kMaxScale = 1000.0f;

enum class Device { Cpu, Cuda };

// Thrown inside this file only; turned into an OrtStatus at the ORT boundary.
struct OpError {
  std::string message;
};

std::string shape_string(const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? "," : "") << shape[i];
  s << ']';
  return s.str();
}

const char* type_name(ONNXTensorElementDataType t) {
  switch (t) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return "float32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: return "float64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return "float16";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return "int64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return "int32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL: return "bool";
    default: return "another type";
  }
}

// Reads and checks the inputs of one op call; every message starts with the op name.
class InputReader {
 public:
  InputReader(const char* op, Ort::KernelContext& ctx) : op_(op), ctx_(ctx) {}

  [[noreturn]] void fail(const std::string& message) const { throw OpError{std::string(op_) + ": " + message}; }

  // Input `index` called `name`, required to be a tensor of `type` and `rank`.
  template <typename T>
  const T* tensor(size_t index, const char* name, ONNXTensorElementDataType type, size_t rank,
                  std::vector<int64_t>& shape) const {
    if (index >= ctx_.GetInputCount()) fail(std::string("input '") + name + "' is missing");
    Ort::ConstValue value = ctx_.GetInput(index);
    if (!value || !value.IsTensor()) fail(std::string("input '") + name + "' must be a tensor");
    auto info = value.GetTensorTypeAndShapeInfo();
    if (info.GetElementType() != type)
      fail(std::string("input '") + name + "' must be " + type_name(type) + ", got " + type_name(info.GetElementType()));
    shape = info.GetShape();
    if (shape.size() != rank)
      fail(std::string("input '") + name + "' must have rank " + std::to_string(rank) + ", got shape " +
           shape_string(shape));
    return value.GetTensorData<T>();
  }

  void expect_shape(const char* name, const std::vector<int64_t>& shape, const std::vector<int64_t>& expected,
                    const char* meaning) const {
    if (shape != expected)
      fail(std::string("input '") + name + "' has shape " + shape_string(shape) + ", expected " +
           shape_string(expected) + " " + meaning);
  }

 private:
  const char* op_;
  Ort::KernelContext& ctx_;
};

// Tree size from W [H,M,D]: M + 1 must be a power of two, the depth at most kMaxTreeDepth.
int depth_of(const InputReader& reader, int64_t M) {
  if (M <= 0) reader.fail("input 'W' has M = " + std::to_string(M) + " tree nodes; a tree needs at least 1");
  int depth = 0;
  while (depth < 62 && (int64_t{1} << depth) < M + 1) ++depth;
  if ((int64_t{1} << depth) != M + 1)
    reader.fail("input 'W' has M = " + std::to_string(M) + " tree nodes; M + 1 must be a power of two");
  if (depth > kMaxTreeDepth)
    reader.fail("input 'W' has M = " + std::to_string(M) + " tree nodes (depth " + std::to_string(depth) +
                "); the maximum tree depth is " + std::to_string(kMaxTreeDepth) + " (M = " +
                std::to_string((int64_t{1} << kMaxTreeDepth) - 1) + ")");
  return depth;
}

// Refuses a call whose estimated scratch memory is over kMaxScratchBytes.
void check_scratch(const InputReader& reader, const Dims& d, double bytes) {
  if (bytes <= kMaxScratchBytes) return;
  char amount[64];
  std::snprintf(amount, sizeof amount, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
  reader.fail(std::string("this call needs about ") + amount + " of scratch memory (B=" + std::to_string(d.B) +
              ", H=" + std::to_string(d.H) + ", N=" + std::to_string(d.N) + ", D=" + std::to_string(d.D) +
              ", tree depth " + std::to_string(d.depth) + "), over the per-call limit of " + kMaxScratchText +
              "; run fewer batch rows or heads per call, or use a shallower tree");
}

void check_sizes(const InputReader& reader, const char* name, const Dims& d) {
  if (d.B <= 0 || d.H <= 0 || d.D <= 0)
    reader.fail(std::string("input '") + name + "' has an empty dimension (B, H and D must be >= 1)");
  if (d.N <= 0) reader.fail(std::string("input '") + name + "' has N = 0 (empty sequence)");
  if (d.N > INT32_MAX) reader.fail(std::string("input '") + name + "' has N > 2^31 - 1");
}

void check_tree(const InputReader& reader, Dims& d, const std::vector<int64_t>& w_shape,
                const std::vector<int64_t>& wb_shape) {
  if (w_shape[0] != d.H || w_shape[2] != d.D)
    reader.fail("input 'W' has shape " + shape_string(w_shape) + ", expected [H=" + std::to_string(d.H) +
                ", M, D=" + std::to_string(d.D) + "]");
  d.M = w_shape[1];
  d.depth = depth_of(reader, d.M);
  reader.expect_shape("Wb", wb_shape, {d.H, d.M}, "(H, M)");
}

template <typename T>
T* output(Ort::KernelContext& ctx, size_t index, const std::vector<int64_t>& shape) {
  return ctx.GetOutput(index, shape).GetTensorMutableData<T>();
}

// Runs tasks on ORT's intra-op thread pool. No exception may unwind into the
// pool (it kills or hangs the process), so each task runs inside a catch-all:
// the first exception is kept, the tasks not yet started are skipped, and it
// is rethrown here on the calling thread once the parallel section is over.
ParallelFor ort_parallel_for(const Ort::KernelContext& ctx) {
  return [&ctx](size_t count, const std::function<void(size_t)>& task) {
    if (count == 0) return;
    struct Section {
      explicit Section(const std::function<void(size_t)>* t) : task(t) {}
      const std::function<void(size_t)>* task;
      std::atomic<bool> failed{false};
      std::exception_ptr error;  // written once, by the task that set `failed`
    } section(&task);
    auto trampoline = [](void* user, size_t i) noexcept {
      auto& s = *static_cast<Section*>(user);
      if (s.failed.load(std::memory_order_relaxed)) return;
      try {
        (*s.task)(i);
      } catch (...) {
        if (!s.failed.exchange(true)) s.error = std::current_exception();
      }
    };
    ctx.ParallelFor(trampoline, count, 0, &section);  // returns once every task has ended
    if (section.error) std::rethrow_exception(section.error);
  };
}

// Runs `body`, turning any failure into an OrtStatus for ONNX Runtime.
template <typename Body>
OrtStatusPtr guarded(const char* op, Body&& body) {
  try {
    body();
    return nullptr;
  } catch (const OpError& e) {
    return Ort::GetApi().CreateStatus(ORT_INVALID_ARGUMENT, e.message.c_str());
  } catch (const Ort::Exception& e) {
    return Ort::GetApi().CreateStatus(e.GetOrtErrorCode(), (std::string(op) + ": " + e.what()).c_str());
  } catch (const std::bad_alloc&) {
    return Ort::GetApi().CreateStatus(ORT_FAIL, (std::string(op) + ": out of memory").c_str());
  } catch (const std::exception& e) {
    return Ort::GetApi().CreateStatus(ORT_FAIL, (std::string(op) + ": " + e.what()).c_str());
  } catch (...) {
    return Ort::GetApi().CreateStatus(ORT_FAIL, (std::string(op) + ": unknown error").c_str());
  }
}

#ifdef TREEFORMER_WITH_CUDA
void check_cuda(const InputReader& reader, const std::string& error) {
  if (!error.empty()) reader.fail("CUDA kernel failed: " + error);
}
#endif

// ---------------------------------------------------------------- TreeRoute

struct TreeRouteKernel {
  explicit TreeRouteKernel(Device device) : device_(device) {}

  OrtStatusPtr ComputeV2(OrtKernelContext* raw) {
    return guarded("TreeRoute", [&] {
      Ort::KernelContext ctx(raw);
      InputReader reader("TreeRoute", ctx);
      std::vector<int64_t> x_shape, w_shape, wb_shape;
      const auto f32 = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
      const float* X = reader.tensor<float>(0, "X", f32, 4, x_shape);
      const float* W = reader.tensor<float>(1, "W", f32, 3, w_shape);
      const float* Wb = reader.tensor<float>(2, "Wb", f32, 2, wb_shape);
      Dims d;
      d.B = x_shape[0], d.H = x_shape[1], d.N = x_shape[2], d.D = x_shape[3];
      check_sizes(reader, "X", d);
      check_tree(reader, d, w_shape, wb_shape);
      int64_t* leaf = output<int64_t>(ctx, 0, {d.B, d.H, d.N});
      if (device_ == Device::Cpu) {
        tree_route(d, X, W, Wb, leaf, ort_parallel_for(ctx));
      } else {
#ifdef TREEFORMER_WITH_CUDA
        check_cuda(reader, cuda::tree_route(d, X, W, Wb, leaf, ctx.GetGPUComputeStream()));
#endif
      }
    });
  }

 private:
  Device device_;
};

struct TreeRouteOp : Ort::CustomOpBase<TreeRouteOp, TreeRouteKernel, true> {
  explicit TreeRouteOp(Device device) : device_(device) {}
  OrtStatusPtr CreateKernelV2(const OrtApi&, const OrtKernelInfo*, void** kernel) const {
    *kernel = new TreeRouteKernel(device_);
    return nullptr;
  }
  const char* GetName() const { return "TreeRoute"; }
  const char* GetExecutionProviderType() const { return device_ == Device::Cuda ? kCudaProvider : nullptr; }
  // Inputs are declared as any type so that a wrong dtype reaches the kernel's
  // own check, which names the input, instead of a generic resolver error.
  size_t GetInputTypeCount() const { return 3; }
  ONNXTensorElementDataType GetInputType(size_t) const { return ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED; }
  size_t GetOutputTypeCount() const { return 1; }
  ONNXTensorElementDataType GetOutputType(size_t) const { return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64; }

 private:
  Device device_;
};

// ------------------------------------------- TreeFineAttention / TreeCoarseAttention

enum class Attention { Fine, Coarse };

const char* op_name(Attention kind) { return kind == Attention::Fine ? "TreeFineAttention" : "TreeCoarseAttention"; }

struct AttentionAttributes {
  int64_t num_global = 0;
  bool has_scale = false;  // absent: 1/sqrt(D), known only at run time
  float scale = 0.f;
};

// What kind of value the node's attribute `name` holds ("an int", "a float",
// ...), or nullptr when the node has no attribute of that name. The C API has
// no call that tells an attribute's type, so each typed getter is asked in
// turn. When none can read it, ONNX Runtime's "No attribute with name" message
// is what tells an absent attribute from one of a kind no getter reads (a
// graph, a list of strings...).
const char* attribute_kind(const OrtApi& api, const OrtKernelInfo* info, const char* name) {
  auto ok = [&api](OrtStatus* status) {
    if (!status) return true;
    api.ReleaseStatus(status);
    return false;
  };
  int64_t i = 0;
  float f = 0.f;
  size_t size = 0;
  OrtStatus* as_int = api.KernelInfoGetAttribute_int64(info, name, &i);
  if (!as_int) return "an int";
  const std::string int_error = api.GetErrorMessage(as_int);
  api.ReleaseStatus(as_int);
  if (ok(api.KernelInfoGetAttribute_float(info, name, &f))) return "a float";
  if (ok(api.KernelInfoGetAttribute_string(info, name, nullptr, &size))) return "a string";
  size_t ints = 0, floats = 0;
  const bool has_ints = ok(api.KernelInfoGetAttributeArray_int64(info, name, nullptr, &ints));
  const bool has_floats = ok(api.KernelInfoGetAttributeArray_float(info, name, nullptr, &floats));
  if (has_ints && ints > 0) return "a list of ints";
  if (has_floats && floats > 0) return "a list of floats";
  if (has_ints || has_floats) return "an empty list";
  OrtAllocator* allocator = nullptr;
  if (ok(api.GetAllocatorWithDefaultOptions(&allocator))) {
    OrtValue* tensor = nullptr;
    if (ok(api.KernelInfoGetAttribute_tensor(info, name, allocator, &tensor))) {
      if (tensor) api.ReleaseValue(tensor);
      return "a tensor";
    }
  }
  if (int_error.find("No attribute") != std::string::npos) return nullptr;
  return "a value of another type";
}

std::string float_text(float x) {
  if (std::isnan(x)) return "nan";
  std::ostringstream s;
  s << x;
  return s.str();
}

// Reads num_global and scale: an absent attribute takes its default; one of
// the wrong type or out of range is an error naming the op and the attribute.
AttentionAttributes read_attributes(const OrtApi& api, const OrtKernelInfo* info, const std::string& op) {
  auto fail = [&op](const std::string& message) -> void { throw OpError{op + ": " + message}; };
  auto check = [&](OrtStatus* status, const char* name) {
    if (!status) return;
    const std::string message = api.GetErrorMessage(status);
    api.ReleaseStatus(status);
    fail(std::string("cannot read attribute '") + name + "': " + message);
  };
  AttentionAttributes attrs;
  if (const char* kind = attribute_kind(api, info, "num_global")) {
    if (std::string(kind) != "an int") fail(std::string("attribute 'num_global' must be an int, got ") + kind);
    check(api.KernelInfoGetAttribute_int64(info, "num_global", &attrs.num_global), "num_global");
    if (attrs.num_global < 0)
      fail("attribute 'num_global' must be >= 0, got " + std::to_string(attrs.num_global));
  }
  if (const char* kind = attribute_kind(api, info, "scale")) {
    if (std::string(kind) != "a float") fail(std::string("attribute 'scale' must be a float, got ") + kind);
    check(api.KernelInfoGetAttribute_float(info, "scale", &attrs.scale), "scale");
    if (!std::isfinite(attrs.scale) || attrs.scale <= 0.f || attrs.scale > kMaxScale)
      fail("attribute 'scale' must be a finite number in (0, " + float_text(kMaxScale) + "], got " +
           float_text(attrs.scale));
    attrs.has_scale = true;
  }
  return attrs;
}

struct TreeAttentionKernel {
  TreeAttentionKernel(Attention kind, Device device, AttentionAttributes attrs)
      : kind_(kind), device_(device), attrs_(attrs) {}

  OrtStatusPtr ComputeV2(OrtKernelContext* raw) {
    const char* op = op_name(kind_);
    return guarded(op, [&] {
      Ort::KernelContext ctx(raw);
      InputReader reader(op, ctx);
      const auto f32 = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
      std::vector<int64_t> q_shape, k_shape, v_shape, w_shape, wb_shape, sk_shape, sv_shape, mask_shape;
      AttentionInputs in;
      in.Q = reader.tensor<float>(0, "Q", f32, 4, q_shape);
      in.K = reader.tensor<float>(1, "K", f32, 4, k_shape);
      in.V = reader.tensor<float>(2, "V", f32, 4, v_shape);
      in.W = reader.tensor<float>(3, "W", f32, 3, w_shape);
      in.Wb = reader.tensor<float>(4, "Wb", f32, 2, wb_shape);
      in.sink_k = reader.tensor<float>(5, "sink_k", f32, 2, sk_shape);
      in.sink_v = reader.tensor<float>(6, "sink_v", f32, 2, sv_shape);
      in.mask = reader.tensor<int64_t>(7, "mask", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, 2, mask_shape);

      Dims d;
      d.B = q_shape[0], d.H = q_shape[1], d.N = q_shape[2], d.D = q_shape[3];
      check_sizes(reader, "Q", d);
      reader.expect_shape("K", k_shape, q_shape, "(same as Q)");
      reader.expect_shape("V", v_shape, q_shape, "(same as Q)");
      check_tree(reader, d, w_shape, wb_shape);
      reader.expect_shape("sink_k", sk_shape, {d.H, d.D}, "(H, D)");
      reader.expect_shape("sink_v", sv_shape, {d.H, d.D}, "(H, D)");
      reader.expect_shape("mask", mask_shape, {d.B, d.N}, "(B, N)");
#ifdef TREEFORMER_WITH_CUDA
      if (device_ == Device::Cuda && d.D > cuda::max_head_dim())
        reader.fail("input 'Q' has head dim D = " + std::to_string(d.D) + "; the CUDA kernel supports D <= " +
                    std::to_string(cuda::max_head_dim()));
#endif
      in.num_global = std::min(attrs_.num_global, d.N);
      in.scale = attrs_.has_scale ? attrs_.scale : 1.0f / std::sqrt(static_cast<float>(d.D));
      const bool fine = kind_ == Attention::Fine;
      double scratch = fine ? fine_attention_scratch_bytes(d, in.num_global)
                            : coarse_attention_scratch_bytes(d, in.num_global);
#ifdef TREEFORMER_WITH_CUDA
      if (device_ == Device::Cuda)
        scratch = fine ? cuda::fine_attention_scratch_bytes(d) : cuda::coarse_attention_scratch_bytes(d);
#endif
      check_scratch(reader, d, scratch);

      AttentionOutputs out;
      out.out = output<float>(ctx, 0, q_shape);
      out.q_leaf = output<int64_t>(ctx, 1, {d.B, d.H, d.N});
      out.k_leaf = output<int64_t>(ctx, 2, {d.B, d.H, d.N});
      if (device_ == Device::Cpu) {
        if (kind_ == Attention::Fine)
          tree_fine_attention(d, in, out, ort_parallel_for(ctx));
        else
          tree_coarse_attention(d, in, out, ort_parallel_for(ctx));
      } else {
#ifdef TREEFORMER_WITH_CUDA
        void* stream = ctx.GetGPUComputeStream();
        check_cuda(reader, kind_ == Attention::Fine ? cuda::tree_fine_attention(d, in, out, stream)
                                                    : cuda::tree_coarse_attention(d, in, out, stream));
#endif
      }
    });
  }

 private:
  Attention kind_;
  Device device_;
  AttentionAttributes attrs_;
};

struct TreeAttentionOp : Ort::CustomOpBase<TreeAttentionOp, TreeAttentionKernel, true> {
  TreeAttentionOp(Attention kind, Device device) : kind_(kind), device_(device) {}

  OrtStatusPtr CreateKernelV2(const OrtApi& api, const OrtKernelInfo* info, void** kernel) const {
    const char* op = op_name(kind_);
    return guarded(op, [&] { *kernel = new TreeAttentionKernel(kind_, device_, read_attributes(api, info, op)); });
  }
  const char* GetName() const { return op_name(kind_); }
  const char* GetExecutionProviderType() const { return device_ == Device::Cuda ? kCudaProvider : nullptr; }
  size_t GetInputTypeCount() const { return 8; }
  ONNXTensorElementDataType GetInputType(size_t) const { return ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED; }
  size_t GetOutputTypeCount() const { return 3; }
  ONNXTensorElementDataType GetOutputType(size_t index) const {
    return index == 0 ? ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT : ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
  }

 private:
  Attention kind_;
  Device device_;
};

// The op objects live as long as the library: ORT keeps pointers to them in
// every session that registered the domain.
struct OpRegistry {
  TreeRouteOp route_cpu{Device::Cpu};
  TreeAttentionOp fine_cpu{Attention::Fine, Device::Cpu};
  TreeAttentionOp coarse_cpu{Attention::Coarse, Device::Cpu};
#ifdef TREEFORMER_WITH_CUDA
  TreeRouteOp route_cuda{Device::Cuda};
  TreeAttentionOp fine_cuda{Attention::Fine, Device::Cuda};
  TreeAttentionOp coarse_cuda{Attention::Coarse, Device::Cuda};
#endif
  OrtCustomOpDomain* domain = nullptr;
};

}  // namespace
}  // namespace treeformer

extern "C" __attribute__((visibility("default"))) OrtStatus* ORT_API_CALL
RegisterCustomOps(OrtSessionOptions* options, const OrtApiBase* api_base) {
  using namespace treeformer;
  const OrtApi* api = api_base->GetApi(ORT_API_VERSION);
  if (!api) return nullptr;  // cannot even report: this ORT is older than our headers
  Ort::InitApi(api);
  // One domain for the whole process, reused by every session's options.
  static OpRegistry registry;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (!registry.domain) {
    OrtCustomOpDomain* domain = nullptr;
    if (OrtStatus* status = api->CreateCustomOpDomain(kDomain, &domain)) return status;
    std::vector<OrtCustomOp*> ops = {&registry.route_cpu, &registry.fine_cpu, &registry.coarse_cpu};
#ifdef TREEFORMER_WITH_CUDA
    ops.insert(ops.end(), {&registry.route_cuda, &registry.fine_cuda, &registry.coarse_cuda});
#endif
    for (OrtCustomOp* op : ops)
      if (OrtStatus* status = api->CustomOpDomain_Add(domain, op)) {
        api->ReleaseCustomOpDomain(domain);
        return status;
      }
    registry.domain = domain;
  }
  return api->AddCustomOpDomain(options, registry.domain);
}
