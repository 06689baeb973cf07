// treeformer_ort.node: runs ONNX Runtime sessions that have the ai.treeformer
// op library registered (onnxruntime-node cannot load custom-op libraries).
// It dlopens the libonnxruntime.so.1 shipped inside onnxruntime-node, so the
// process has one ORT and one OrtEnv. Session creation and runs happen on
// libuv worker threads. Inputs, and outputs the caller preallocates, are used
// in place (the run holds a reference to each typed array); other outputs are
// handed to JS without a copy where the runtime allows (see ToJs).
//
// JS API (wrapped by src/engine/runtime):
//   init(ortLibraryPath) -> { apiVersion, ortVersion, providers: string[] }
//   createSession(model: string | Uint8Array, { opsLibrary, device, intraOpThreads }) -> Promise<Session>
//   Session#inputMetadata, Session#outputMetadata: { name, isTensor, type, shape }[]
//   Session#run({ name: { type, dims, data } }, outputNames, preallocated?: { name: { type, dims, data } })
//     -> Promise<{ name: { type, dims, data } }>; a preallocated output is written in place and returned as given
//   Session#release()
#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <onnxruntime_c_api.h>
#include <napi.h>

namespace {

const OrtApi* g_api = nullptr;
OrtEnv* g_env = nullptr;
std::string g_ort_version;
std::mutex g_init_mutex;

// Takes ownership of an OrtStatus; empty string when ok.
std::string status_message(OrtStatus* status) {
  if (!status) return {};
  std::string message = g_api->GetErrorMessage(status);
  g_api->ReleaseStatus(status);
  return message.empty() ? "unknown ONNX Runtime error" : message;
}

void throw_if_error(const Napi::Env& env, OrtStatus* status, const std::string& context) {
  std::string message = status_message(status);
  if (!message.empty()) throw Napi::Error::New(env, context + message);
}

struct ElementType {
  const char* name;
  ONNXTensorElementDataType type;
  size_t bytes;
  napi_typedarray_type array;
};

constexpr ElementType kElementTypes[] = {
    {"float32", ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, 4, napi_float32_array},
    {"float64", ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE, 8, napi_float64_array},
    {"int64", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, 8, napi_bigint64_array},
    {"int32", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, 4, napi_int32_array},
    {"int8", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8, 1, napi_int8_array},
    {"uint8", ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, 1, napi_uint8_array},
    {"bool", ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL, 1, napi_uint8_array},
};

const ElementType* element_type_by_name(const std::string& name) {
  for (const auto& t : kElementTypes)
    if (name == t.name) return &t;
  return nullptr;
}

const ElementType* element_type_by_onnx(ONNXTensorElementDataType type) {
  for (const auto& t : kElementTypes)
    if (type == t.type) return &t;
  return nullptr;
}

// "a Float32Array", "an Int32Array", ... for error messages.
const char* typed_array_name(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return "an Int8Array";
    case napi_uint8_array: return "a Uint8Array";
    case napi_uint8_clamped_array: return "a Uint8ClampedArray";
    case napi_int16_array: return "an Int16Array";
    case napi_uint16_array: return "a Uint16Array";
    case napi_int32_array: return "an Int32Array";
    case napi_uint32_array: return "a Uint32Array";
    case napi_float32_array: return "a Float32Array";
    case napi_float64_array: return "a Float64Array";
    case napi_bigint64_array: return "a BigInt64Array";
    case napi_biguint64_array: return "a BigUint64Array";
    default: return "a typed array of another kind";
  }
}

// Whether a typed array of `kind` holds elements of `type` (a uint8 tensor may
// also come as a Uint8ClampedArray, whose bytes are the same).
bool typed_array_matches(const ElementType& type, napi_typedarray_type kind) {
  return kind == type.array || (type.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 && kind == napi_uint8_clamped_array);
}

struct OrtValueDeleter {
  void operator()(OrtValue* v) const {
    if (v) g_api->ReleaseValue(v);
  }
};
using ValuePtr = std::unique_ptr<OrtValue, OrtValueDeleter>;

// Name, element type and shape (symbolic dims by name, unknown ones as -1)
// of every graph input or output, for the JS side's metadata.
struct ValueInfo {
  std::string name;
  bool is_tensor = false;
  const char* type = "";
  std::vector<int64_t> dims;
  std::vector<std::string> dim_names;
};

std::vector<ValueInfo> describe_values(OrtSession* session, bool inputs) {
  OrtAllocator* allocator = nullptr;
  auto check = [](OrtStatus* status) {
    std::string error = status_message(status);
    if (!error.empty()) throw std::runtime_error(error);
  };
  check(g_api->GetAllocatorWithDefaultOptions(&allocator));
  size_t count = 0;
  check(inputs ? g_api->SessionGetInputCount(session, &count) : g_api->SessionGetOutputCount(session, &count));
  std::vector<ValueInfo> values(count);
  for (size_t i = 0; i < count; ++i) {
    char* name = nullptr;
    check(inputs ? g_api->SessionGetInputName(session, i, allocator, &name)
                 : g_api->SessionGetOutputName(session, i, allocator, &name));
    values[i].name = name;
    allocator->Free(allocator, name);
    OrtTypeInfo* type_info = nullptr;
    check(inputs ? g_api->SessionGetInputTypeInfo(session, i, &type_info)
                 : g_api->SessionGetOutputTypeInfo(session, i, &type_info));
    const OrtTensorTypeAndShapeInfo* tensor = nullptr;
    OrtStatus* status = g_api->CastTypeInfoToTensorInfo(type_info, &tensor);
    if (!status && tensor) {
      values[i].is_tensor = true;
      ONNXTensorElementDataType type;
      size_t rank = 0;
      status = g_api->GetTensorElementType(tensor, &type);
      if (!status) status = g_api->GetDimensionsCount(tensor, &rank);
      values[i].dims.resize(rank);
      std::vector<const char*> dim_names(rank, nullptr);
      if (!status) status = g_api->GetDimensions(tensor, values[i].dims.data(), rank);
      if (!status) status = g_api->GetSymbolicDimensions(tensor, dim_names.data(), rank);
      for (const char* n : dim_names) values[i].dim_names.emplace_back(n ? n : "");
      const ElementType* known = status ? nullptr : element_type_by_onnx(type);
      values[i].type = known ? known->name : "unsupported";
    }
    g_api->ReleaseTypeInfo(type_info);
    check(status);
  }
  return values;
}

// A session shared by its JS wrapper and any runs in flight; the last owner releases it.
struct SessionState {
  OrtSession* session = nullptr;
  std::vector<ValueInfo> inputs, outputs;
  ~SessionState() {
    if (session) g_api->ReleaseSession(session);
  }
};

Napi::Array metadata_to_js(Napi::Env env, const std::vector<ValueInfo>& values) {
  auto array = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    auto item = Napi::Object::New(env);
    item.Set("name", values[i].name);
    item.Set("isTensor", values[i].is_tensor);
    if (values[i].is_tensor) {
      item.Set("type", values[i].type);
      auto shape = Napi::Array::New(env, values[i].dims.size());
      for (size_t d = 0; d < values[i].dims.size(); ++d) {
        const std::string& dim_name = values[i].dim_names[d];
        if (values[i].dims[d] >= 0)
          shape.Set(static_cast<uint32_t>(d), Napi::Number::New(env, double(values[i].dims[d])));
        else
          shape.Set(static_cast<uint32_t>(d), Napi::String::New(env, dim_name.empty() ? "?" : dim_name));
      }
      item.Set("shape", shape);
    }
    array.Set(static_cast<uint32_t>(i), item);
  }
  return array;
}

class Session : public Napi::ObjectWrap<Session> {
 public:
  static Napi::FunctionReference constructor;

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Session",
                       {InstanceAccessor<&Session::InputMetadata>("inputMetadata"),
                        InstanceAccessor<&Session::OutputMetadata>("outputMetadata"),
                        InstanceMethod<&Session::Run>("run"), InstanceMethod<&Session::Release>("release")});
  }

  explicit Session(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Session>(info) {
    if (info.Length() != 1 || !info[0].IsExternal())
      throw Napi::TypeError::New(info.Env(), "Session objects are made by createSession()");
    state_ = *info[0].As<Napi::External<std::shared_ptr<SessionState>>>().Data();
  }

 private:
  Napi::Value InputMetadata(const Napi::CallbackInfo& info) {
    return metadata_to_js(info.Env(), state_ ? state_->inputs : std::vector<ValueInfo>{});
  }
  Napi::Value OutputMetadata(const Napi::CallbackInfo& info) {
    return metadata_to_js(info.Env(), state_ ? state_->outputs : std::vector<ValueInfo>{});
  }

  Napi::Value Run(const Napi::CallbackInfo& info);

  Napi::Value Release(const Napi::CallbackInfo& info) {
    state_.reset();  // runs in flight keep their own reference
    return info.Env().Undefined();
  }

  std::shared_ptr<SessionState> state_;
};

Napi::FunctionReference Session::constructor;

// Creates a session off the JS thread.
class CreateSessionWorker : public Napi::AsyncWorker {
 public:
  CreateSessionWorker(Napi::Env env, std::string model_path, std::vector<uint8_t> model_bytes,
                      std::string ops_library, std::string device, int intra_op_threads)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        model_path_(std::move(model_path)),
        model_bytes_(std::move(model_bytes)),
        ops_library_(std::move(ops_library)),
        device_(std::move(device)),
        intra_op_threads_(intra_op_threads) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    OrtSessionOptions* options = nullptr;
    std::string error = status_message(g_api->CreateSessionOptions(&options));
    if (error.empty()) error = Configure(options);
    if (error.empty()) {
      auto state = std::make_shared<SessionState>();
      error = status_message(
          model_bytes_.empty()
              ? g_api->CreateSession(g_env, model_path_.c_str(), options, &state->session)
              : g_api->CreateSessionFromArray(g_env, model_bytes_.data(), model_bytes_.size(), options, &state->session));
      if (error.empty()) {
        try {
          state->inputs = describe_values(state->session, true);
          state->outputs = describe_values(state->session, false);
          state_ = std::move(state);
        } catch (const std::exception& e) {
          error = e.what();
        }
      }
    }
    if (options) g_api->ReleaseSessionOptions(options);
    model_bytes_.clear();
    if (!error.empty()) SetError(error);
  }

  void OnOK() override {
    auto holder = Napi::External<std::shared_ptr<SessionState>>::New(Env(), &state_);
    deferred_.Resolve(Session::constructor.New({holder}));
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  std::string Configure(OrtSessionOptions* options) {
    std::string error = status_message(g_api->SetIntraOpNumThreads(options, intra_op_threads_));
    if (error.empty()) error = status_message(g_api->SetInterOpNumThreads(options, 1));
    if (error.empty()) error = status_message(g_api->SetSessionGraphOptimizationLevel(options, ORT_ENABLE_ALL));
    if (error.empty()) {
      error = status_message(g_api->RegisterCustomOpsLibrary_V2(options, ops_library_.c_str()));
      if (!error.empty()) return "cannot load the op library " + ops_library_ + ": " + error;
    }
    if (error.empty() && device_ == "cuda") {
      OrtCUDAProviderOptionsV2* cuda = nullptr;
      error = status_message(g_api->CreateCUDAProviderOptions(&cuda));
      if (error.empty()) error = status_message(g_api->SessionOptionsAppendExecutionProvider_CUDA_V2(options, cuda));
      if (cuda) g_api->ReleaseCUDAProviderOptions(cuda);
      if (!error.empty()) return "the CUDA execution provider is not available: " + error;
    }
    return error;
  }

  Napi::Promise::Deferred deferred_;
  std::string model_path_;
  std::vector<uint8_t> model_bytes_;
  std::string ops_library_, device_;
  int intra_op_threads_;
  std::shared_ptr<SessionState> state_;
};

// A CPU OrtValue over one JS tensor's own bytes (no copy), and the reference
// that keeps those bytes alive until the run is over. Copying a 16k-token
// Q, K, V into fresh memory cost more page faults than the attention itself.
// The caller must not detach or transfer the buffer while the run is in flight.
struct Feed {
  ValuePtr value;
  Napi::ObjectReference holder;  // the typed array; released on the JS thread with the worker
  Napi::ObjectReference tensor;  // the { type, dims, data } object, returned as is for a preallocated output
  const uint8_t* bytes = nullptr;
  size_t size = 0;

  // Whether [begin, begin + n) shares a byte with this tensor's data.
  bool overlaps(const uint8_t* begin, size_t n) const {
    return size && n && begin < bytes + size && bytes < begin + n;
  }
};

// Runs a session off the JS thread; the inputs are ORT tensors over the feeds' own bytes.
class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, std::shared_ptr<SessionState> state, std::vector<std::string> input_names,
            std::vector<Feed> inputs, std::vector<std::string> output_names, std::vector<Feed> preallocated)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        state_(std::move(state)),
        input_names_(std::move(input_names)),
        inputs_(std::move(inputs)),
        output_names_(std::move(output_names)),
        preallocated_(std::move(preallocated)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    std::vector<const char*> in_names, out_names;
    std::vector<const OrtValue*> in_values;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      in_names.push_back(input_names_[i].c_str());
      in_values.push_back(inputs_[i].value.get());
    }
    for (const auto& name : output_names_) out_names.push_back(name.c_str());
    std::vector<OrtValue*> outputs(output_names_.size(), nullptr);
    for (size_t i = 0; i < outputs.size(); ++i) outputs[i] = preallocated_[i].value.get();  // ORT writes into these
    std::string error = status_message(g_api->Run(state_->session, nullptr, in_names.data(), in_values.data(),
                                                  in_values.size(), out_names.data(), out_names.size(),
                                                  outputs.data()));
    for (size_t i = 0; i < outputs.size(); ++i) outputs_.emplace_back(preallocated_[i].value ? nullptr : outputs[i]);
    for (auto& feed : inputs_) feed.value.reset();  // the JS references go with the worker, on the JS thread
    if (!error.empty()) SetError(error);
  }

  void OnOK() override {
    Napi::Env env = Env();
    try {
      auto result = Napi::Object::New(env);
      for (size_t i = 0; i < outputs_.size(); ++i) {
        const Feed& given = preallocated_[i];
        result.Set(output_names_[i], given.value ? given.tensor.Value() : ToJs(env, output_names_[i], outputs_[i], inputs_));
      }
      outputs_.clear();
      deferred_.Resolve(result);
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  // What an external output buffer owns; freed by the buffer's finalizer.
  struct ExternalOutput {
    OrtValue* value;
    int64_t bytes;
  };
  static void ReleaseExternal(napi_env env, void* /*data*/, void* hint) {
    auto* output = static_cast<ExternalOutput*>(hint);
    int64_t adjusted = 0;
    napi_adjust_external_memory(env, -output->bytes, &adjusted);
    g_api->ReleaseValue(output->value);
    delete output;
  }

  // Hands the output to JS: as an ArrayBuffer over ORT's own memory where the
  // runtime allows external buffers (Node does; Electron's V8 sandbox does
  // not), so the value is released when the buffer is collected; otherwise as
  // a copy. An output that is a feed's own tensor (a graph output that is a
  // graph input) lies in a JS buffer it must not outlive, so it is copied too.
  // Either way `owned` is left empty.
  static Napi::Object ToJs(Napi::Env env, const std::string& name, ValuePtr& owned, const std::vector<Feed>& feeds) {
    OrtValue* value = owned.get();
    OrtTensorTypeAndShapeInfo* info = nullptr;
    throw_if_error(env, g_api->GetTensorTypeAndShape(value, &info), "output '" + name + "': ");
    ONNXTensorElementDataType onnx_type;
    size_t rank = 0, count = 0;
    OrtStatus* status = g_api->GetTensorElementType(info, &onnx_type);
    if (!status) status = g_api->GetDimensionsCount(info, &rank);
    std::vector<int64_t> dims(rank);
    if (!status) status = g_api->GetDimensions(info, dims.data(), rank);
    if (!status) status = g_api->GetTensorShapeElementCount(info, &count);
    g_api->ReleaseTensorTypeAndShapeInfo(info);
    throw_if_error(env, status, "output '" + name + "': ");
    const ElementType* type = element_type_by_onnx(onnx_type);
    if (!type) throw Napi::Error::New(env, "output '" + name + "' has an element type this runtime cannot return");
    void* data = nullptr;
    throw_if_error(env, g_api->GetTensorMutableData(value, &data), "output '" + name + "': ");

    const size_t bytes = count * type->bytes;
    napi_value buffer = nullptr;
    const auto* begin = static_cast<const uint8_t*>(data);
    const bool in_a_feed =
        std::any_of(feeds.begin(), feeds.end(), [&](const Feed& feed) { return feed.overlaps(begin, bytes); });
    auto external = bytes && !in_a_feed ? std::make_unique<ExternalOutput>(ExternalOutput{value, static_cast<int64_t>(bytes)}) : nullptr;
    if (external && napi_create_external_arraybuffer(env, data, bytes, ReleaseExternal, external.get(), &buffer) == napi_ok) {
      external.release();  // the finalizer owns it and the value now
      owned.release();
      // V8 collects by its own heap's growth; tell it about ORT's bytes so that outputs do not pile up.
      Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
    } else {
      bool pending = false;
      if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
        napi_value ignored;
        napi_get_and_clear_last_exception(env, &ignored);
      }
      auto copy = Napi::ArrayBuffer::New(env, bytes);
      if (bytes) std::memcpy(copy.Data(), data, bytes);
      owned.reset();
      buffer = copy;
    }
    napi_value array;
    NAPI_THROW_IF_FAILED(env, napi_create_typedarray(env, type->array, count, buffer, 0, &array), Napi::Object());
    auto js_dims = Napi::Array::New(env, rank);
    for (size_t d = 0; d < rank; ++d) js_dims.Set(static_cast<uint32_t>(d), Napi::Number::New(env, double(dims[d])));
    auto tensor = Napi::Object::New(env);
    tensor.Set("type", type->name);
    tensor.Set("dims", js_dims);
    tensor.Set("data", Napi::Value(env, array));
    return tensor;
  }

  Napi::Promise::Deferred deferred_;
  std::shared_ptr<SessionState> state_;
  std::vector<std::string> input_names_;
  std::vector<Feed> inputs_;
  std::vector<std::string> output_names_;
  std::vector<Feed> preallocated_;  // one per output name; empty where ORT allocates
  std::vector<ValuePtr> outputs_;
};

// Checks one JS tensor { type, dims, data } and wraps its bytes.
Feed ToOrtValue(Napi::Env env, const std::string& what, const Napi::Value& js) {
  if (!js.IsObject()) throw Napi::TypeError::New(env, what + " must be a tensor object");
  auto obj = js.As<Napi::Object>();
  const ElementType* type = element_type_by_name(obj.Get("type").ToString().Utf8Value());
  if (!type) throw Napi::TypeError::New(env, what + " has an unsupported element type");
  if (!obj.Get("dims").IsArray()) throw Napi::TypeError::New(env, what + " needs dims");
  auto js_dims = obj.Get("dims").As<Napi::Array>();
  std::vector<int64_t> dims;
  size_t count = 1;
  for (uint32_t d = 0; d < js_dims.Length(); ++d) {
    double v = js_dims.Get(d).ToNumber().DoubleValue();
    if (!(v >= 0) || v != static_cast<double>(static_cast<int64_t>(v)) || v > 9.0e15)
      throw Napi::RangeError::New(env, what + " has an invalid dimension");
    dims.push_back(static_cast<int64_t>(v));
    if (dims.back() != 0 && count > SIZE_MAX / 16 / static_cast<size_t>(dims.back()))
      throw Napi::RangeError::New(env, what + " is too large");
    count *= static_cast<size_t>(dims.back());
  }
  if (!obj.Get("data").IsTypedArray()) throw Napi::TypeError::New(env, what + " data must be a typed array");
  auto data = obj.Get("data").As<Napi::TypedArray>();
  // Same byte length is not enough: an Int32Array's bits are not float32 values.
  if (!typed_array_matches(*type, data.TypedArrayType()))
    throw Napi::TypeError::New(env, what + " is " + type->name + ", so its data must be " +
                                        typed_array_name(type->array) + ", got " +
                                        typed_array_name(data.TypedArrayType()));
  if (data.ByteLength() != count * type->bytes)
    throw Napi::RangeError::New(env, what + " has " + std::to_string(data.ByteLength()) +
                                         " bytes of data but its dims need " + std::to_string(count * type->bytes));
  OrtValue* value = nullptr;
  if (count == 0) {
    // An empty array may have no backing store to point at.
    OrtAllocator* allocator = nullptr;
    throw_if_error(env, g_api->GetAllocatorWithDefaultOptions(&allocator), "");
    throw_if_error(env, g_api->CreateTensorAsOrtValue(allocator, dims.data(), dims.size(), type->type, &value),
                   what + ": ");
    return {ValuePtr(value), {}, Napi::Persistent(obj)};
  }
  OrtMemoryInfo* cpu = nullptr;
  throw_if_error(env, g_api->CreateCpuMemoryInfo(OrtDeviceAllocator, OrtMemTypeDefault, &cpu), "");
  void* bytes = static_cast<uint8_t*>(data.ArrayBuffer().Data()) + data.ByteOffset();
  OrtStatus* status = g_api->CreateTensorWithDataAsOrtValue(cpu, bytes, data.ByteLength(), dims.data(), dims.size(),
                                                            type->type, &value);
  g_api->ReleaseMemoryInfo(cpu);
  throw_if_error(env, status, what + ": ");
  return {ValuePtr(value), Napi::Persistent(data.As<Napi::Object>()), Napi::Persistent(obj),
          static_cast<const uint8_t*>(bytes), data.ByteLength()};
}

Napi::Value Session::Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!state_) throw Napi::Error::New(env, "the session has been released");
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsArray())
    throw Napi::TypeError::New(env, "run(feeds, outputNames) expects an object and an array");
  auto feeds = info[0].As<Napi::Object>();
  std::vector<std::string> input_names;
  std::vector<Feed> inputs;
  auto keys = feeds.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    std::string name = keys.Get(i).ToString().Utf8Value();
    inputs.push_back(ToOrtValue(env, "input '" + name + "'", feeds.Get(name)));
    input_names.push_back(std::move(name));
  }
  auto js_outputs = info[1].As<Napi::Array>();
  std::vector<std::string> output_names;
  for (uint32_t i = 0; i < js_outputs.Length(); ++i) output_names.push_back(js_outputs.Get(i).ToString().Utf8Value());
  if (output_names.empty())
    for (const auto& output : state_->outputs) output_names.push_back(output.name);
  std::vector<Feed> preallocated(output_names.size());
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    if (!info[2].IsObject()) throw Napi::TypeError::New(env, "run(): preallocated outputs must be an object");
    auto given = info[2].As<Napi::Object>();
    auto names = given.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); ++i) {
      std::string name = names.Get(i).ToString().Utf8Value();
      auto at = std::find(output_names.begin(), output_names.end(), name);
      if (at == output_names.end())
        throw Napi::TypeError::New(env, "preallocated output '" + name + "' is not among the outputs asked for");
      Feed out = ToOrtValue(env, "preallocated output '" + name + "'", given.Get(name));
      auto overlaps = [&](const Feed& other) { return other.overlaps(out.bytes, out.size); };
      if (std::any_of(inputs.begin(), inputs.end(), overlaps) || std::any_of(preallocated.begin(), preallocated.end(), overlaps))
        throw Napi::RangeError::New(env, "preallocated output '" + name + "' shares memory with an input or another output");
      preallocated[at - output_names.begin()] = std::move(out);
    }
  }
  auto* worker = new RunWorker(env, state_, std::move(input_names), std::move(inputs), std::move(output_names),
                               std::move(preallocated));
  auto promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "init(ortLibraryPath) needs a path");
  std::lock_guard<std::mutex> lock(g_init_mutex);
  if (!g_api) {
    const std::string path = info[0].ToString().Utf8Value();
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) throw Napi::Error::New(env, std::string("cannot load ONNX Runtime: ") + dlerror());
    using GetApiBase = const OrtApiBase* (*)();
    auto get_api_base = reinterpret_cast<GetApiBase>(dlsym(handle, "OrtGetApiBase"));
    if (!get_api_base) throw Napi::Error::New(env, path + " is not an ONNX Runtime library (no OrtGetApiBase)");
    const OrtApiBase* base = get_api_base();
    const OrtApi* api = base->GetApi(ORT_API_VERSION);
    if (!api)
      throw Napi::Error::New(env, std::string("ONNX Runtime ") + base->GetVersionString() +
                                      " is older than the API version this addon was built for (" +
                                      std::to_string(ORT_API_VERSION) + ")");
    OrtEnv* ort_env = nullptr;
    OrtStatus* status = api->CreateEnv(ORT_LOGGING_LEVEL_ERROR, "treeformer", &ort_env);
    if (status) {
      std::string message = api->GetErrorMessage(status);
      api->ReleaseStatus(status);
      throw Napi::Error::New(env, "cannot create the ONNX Runtime environment: " + message);
    }
    g_api = api;
    g_ort_version = base->GetVersionString();
    g_env = ort_env;  // process-wide, never released: sessions may outlive any one caller
  }
  auto result = Napi::Object::New(env);
  result.Set("apiVersion", ORT_API_VERSION);
  result.Set("ortVersion", g_ort_version);
  char** providers = nullptr;
  int provider_count = 0;
  throw_if_error(env, g_api->GetAvailableProviders(&providers, &provider_count), "");
  auto list = Napi::Array::New(env);
  for (int i = 0; i < provider_count; ++i) list.Set(static_cast<uint32_t>(i), providers[i]);
  status_message(g_api->ReleaseAvailableProviders(providers, provider_count));
  result.Set("providers", list);
  return result;
}

Napi::Value CreateSession(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!g_api) throw Napi::Error::New(env, "call init() before createSession()");
  if (info.Length() < 2 || !info[1].IsObject()) throw Napi::TypeError::New(env, "createSession(model, options)");
  std::string model_path;
  std::vector<uint8_t> model_bytes;
  if (info[0].IsString()) {
    model_path = info[0].ToString().Utf8Value();
  } else if (info[0].IsTypedArray()) {
    auto bytes = info[0].As<Napi::Uint8Array>();
    model_bytes.assign(bytes.Data(), bytes.Data() + bytes.ByteLength());
    if (model_bytes.empty()) throw Napi::Error::New(env, "the model buffer is empty");
  } else {
    throw Napi::TypeError::New(env, "model must be a path or a Uint8Array");
  }
  auto options = info[1].As<Napi::Object>();
  if (!options.Get("opsLibrary").IsString()) throw Napi::TypeError::New(env, "options.opsLibrary must be a path");
  std::string device = options.Has("device") ? options.Get("device").ToString().Utf8Value() : "cpu";
  if (device != "cpu" && device != "cuda") throw Napi::TypeError::New(env, "options.device must be 'cpu' or 'cuda'");
  int threads = options.Has("intraOpThreads") ? options.Get("intraOpThreads").ToNumber().Int32Value() : 0;
  auto* worker = new CreateSessionWorker(env, std::move(model_path), std::move(model_bytes),
                                         options.Get("opsLibrary").ToString().Utf8Value(), device, threads);
  auto promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  Napi::Function session = Session::Define(env);
  Session::constructor = Napi::Persistent(session);
  Session::constructor.SuppressDestruct();
  exports.Set("Session", session);
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("createSession", Napi::Function::New(env, CreateSession));
  return exports;
}

}  // namespace

NODE_API_MODULE(treeformer_ort, InitModule)
